"""The cluster (issue #17) with real processes: `monitor worker`s on a real PostgreSQL crawl
a generated web of 78 feeds on six hosts (127.0.0.121-126), served here, with the requests
counted at each server. Skipped without PostgreSQL (MONITOR_TEST_POSTGRES), as the other
PostgreSQL runs are; the test that stops the server starts a server of its own to stop."""

from __future__ import annotations

import email
import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine

from monitor.demo.server import FixtureSite
from tests.helpers import (
    ROOT,
    NoPostgresServer,
    OwnPostgres,
    db_query,
    dispose_engines,
    own_postgres,
    run_monitor,
)

HOSTS = 6
FEEDS = 13  # per host: 78 feeds
ARTICLES = 8  # per host; each feed lists 3 of them, so feeds of one host overlap
STALLED_AFTER = 4  # seconds: [cluster] stalled_after
PER_DOMAIN = 2  # [crawl] per_domain: requests in flight to one host, for the whole cluster
WORDS = (
    "council budget harbour roads schools minister report trade talks weather market "
    "river bridge station museum court election port farmers energy prices railway "
    "hospital summit treaty border festival library workers union airline storm"
).split()

postgres = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def _host(h: int) -> str:
    return f"127.0.0.{121 + h}"


def _article_path(h: int, i: int) -> str:
    return f"/2026/11/20/host{h}-story-number-{i}.html"


def _iran(h: int, i: int) -> bool:
    return (h + i) % 3 == 0


def _article(h: int, i: int) -> str:
    rnd = random.Random(h * 100 + i)  # each article its own text: no two are one story
    paragraphs = [
        " ".join(rnd.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(4)
    ]
    if _iran(h, i):
        paragraphs[1] += " Officials in Iran said the talks would go on next week."
    title = f"Host {h} story {i}: {rnd.choice(WORDS)} {rnd.choice(WORDS)}"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="article:published_time" content="2026-11-20T10:00:00Z"></head>'
        f"<body><header><a href='/'>Home</a></header><article><h1>{title}</h1>{body}"
        "</article><footer>Host news</footer></body></html>"
    )


def _feed_items(j: int) -> list[int]:
    return [(j + k) % ARTICLES for k in range(3)]


def _rss(h: int, j: int) -> str:
    items = "".join(
        f"<item><title>Host {h} story {i}</title><link>{{{{BASE}}}}{_article_path(h, i)}</link>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>"
        for i in _feed_items(j)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Host {h} feed {j}</title><link>{{{{BASE}}}}/</link>{items}</channel></rss>"
    )


@dataclass
class Web:
    sites: list[FixtureSite]

    def feeds(self) -> list[tuple[str, str]]:
        return [
            (f"h{h}-f{j}", self.sites[h].url(f"/feeds/{j}.xml"))
            for h in range(HOSTS)
            for j in range(FEEDS)
        ]

    def article_requests(self, h: int) -> Counter[str]:
        return Counter(p for p in self.sites[h].requests if p.startswith("/2026/"))

    def feed_requests(self, h: int) -> Counter[str]:
        return Counter(p for p in self.sites[h].requests if p.startswith("/feeds/"))


@contextmanager
def serve_web(folder: Path, *, slow_host: int | None = None) -> Iterator[Web]:
    """The generated web; ``slow_host``'s articles answer 0.4 s late (a crawl to catch)."""
    with ExitStack() as stack:
        sites = []
        for h in range(HOSTS):
            root = folder / f"host{h}"
            for i in range(ARTICLES):
                page = root / _article_path(h, i).lstrip("/")
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(_article(h, i), "utf-8")
                if h == slow_host:
                    page.with_name(page.name + ".headers").write_text("X-Fixture-Delay: 0.4\n")
            (root / "feeds").mkdir(parents=True)
            for j in range(FEEDS):
                (root / "feeds" / f"{j}.xml").write_text(_rss(h, j), "utf-8")
            sites.append(stack.enter_context(FixtureSite(root, host=_host(h))))
        yield Web(sites)


def _cluster_config(folder: Path, web: Web) -> Path:
    sources = "".join(
        f'[[sources]]\nname = "{name}"\nfeed = "{url}"\ninterval = "1h"\n'
        for name, url in web.feeds()
    )
    # The daily digest's time is half a day away from now, so no new slot falls due
    # during the test whatever the hour it runs at.
    at = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:00")
    path = folder / "monitor.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///unused.db"  # $MONITOR_DATABASE_URL (PostgreSQL) overrides it

{sources}
[[watchlists]]
name = "iran"
query = "Iran"

[digest]
sender = "monitor@example.org"
outbox = "outbox"
timezone = "UTC"

[[recipients]]
name = "daily"
to = ["daily@example.org"]
time = "{at}"
empty = "send"  # its slot is due at start, before any hit: sent (once), not skipped

[[recipients]]
name = "alerts"
to = ["alerts@example.org"]
schedule = "immediate"
every = "1h"

[crawl]
extract_workers = 0
autothrottle = false
robots_txt = false
download_timeout = "5s"
per_domain = {PER_DOMAIN}

[daemon]
tick = "1s"

[cluster]
stalled_after = "{STALLED_AFTER}s"
""",
        "utf-8",
    )
    return path


class Workers:
    """`monitor worker` processes, each logging to a file of its own."""

    def __init__(self, config: Path, folder: Path) -> None:
        self.config, self.folder = config, folder
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, n: int = 1) -> None:
        for _ in range(n):
            k = len(self.procs)
            with open(self.folder / f"worker{k}.log", "wb") as log:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "monitor", "--config", str(self.config), "worker"],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=ROOT,
                    )
                )

    def log(self, k: int) -> str:
        return (self.folder / f"worker{k}.log").read_text("utf-8", "replace")

    def index_of(self, pid: int) -> int:
        return next(k for k, p in enumerate(self.procs) if p.pid == pid)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@contextmanager
def workers(config: Path, folder: Path) -> Iterator[Workers]:
    w = Workers(config, folder)
    try:
        yield w
    finally:
        w.stop()


def wait_for(check: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


_CHECKED = "SELECT name FROM sources WHERE last_checked_at IS NOT NULL"


def _all_checked() -> bool:
    return len(db_query(_CHECKED)) == HOSTS * FEEDS


def _stored_paths() -> set[str]:
    """The paths of the articles stored so far."""
    return {urlsplit(url).path for (url,) in db_query("SELECT url FROM articles")}


def _expected_hits() -> int:
    return sum(_iran(h, i) for h in range(HOSTS) for i in range(ARTICLES))


def _check_store() -> None:
    """Every article stored once and every hit once: what a single daemon would store."""
    assert db_query("SELECT count(*) FROM articles") == [(HOSTS * ARTICLES,)]
    assert db_query("SELECT count(*) FROM hits") == [(_expected_hits(),)]
    assert db_query("SELECT url FROM articles GROUP BY url HAVING count(*) > 1") == []
    assert (
        db_query("SELECT article_id FROM hits GROUP BY article_id, watchlist HAVING count(*) > 1")
        == []
    )
    assert db_query("SELECT count(*) FROM sources WHERE checks <> 1") == [(0,)]


def _check_one_crawl_per_host() -> None:
    """The crawl runs of each host, as recorded, never overlap (a run its killed crawl left
    unfinished has no end to compare)."""
    runs = db_query("SELECT sources, started_at, finished_at FROM crawl_runs ORDER BY started_at")
    for h in range(HOSTS):
        mine = [(a, b) for names, a, b in runs if any(n.startswith(f"h{h}-") for n in names)]
        assert mine
        for (_, end), (start, _) in itertools.pairwise(mine):
            assert end is None or end <= start, (h, mine)


def _check_each_page_once(web: Web, hosts: Iterable[int] = range(HOSTS)) -> None:
    """Every feed and every article page of ``hosts`` fetched, and fetched once."""
    for h in hosts:
        assert set(web.feed_requests(h).values()) == {1}, web.feed_requests(h)
        assert len(web.feed_requests(h)) == FEEDS
        assert set(web.article_requests(h).values()) == {1}, web.article_requests(h)
        assert len(web.article_requests(h)) == ARTICLES


def _check_polite(web: Web) -> None:
    """No site ever answered more than [crawl] per_domain requests at once, whichever
    workers sent them; the slow host's articles (0.4 s each) did reach the limit, so the
    count at the servers sees requests side by side when there are any."""
    assert [site.peak for site in web.sites if site.peak > PER_DOMAIN] == []
    assert web.sites[0].peak == PER_DOMAIN


def _outbox(folder: Path) -> Counter[str]:
    """Messages in the outbox, by recipient address."""
    out: Counter[str] = Counter()
    for f in (folder / "outbox").glob("*.eml"):
        out[email.message_from_bytes(f.read_bytes())["To"]] += 1
    return out


def _crawling_workers() -> list[tuple[int, str]]:
    """(pid, host) of the workers running a crawl now."""
    return [
        (pid, args["host"])
        for pid, args in db_query(
            "SELECT c.pid, j.args FROM procrastinate_jobs j "
            "JOIN cluster_workers c ON c.worker_id = j.worker_id "
            "WHERE j.status = 'doing' AND j.task_name = 'crawl_host'"
        )
    ]


def _worker_crawling(host: str) -> int:
    """The pid of the worker that crawls ``host``, once one does."""
    wait_for(lambda: any(h == host for _, h in _crawling_workers()), 60, "a crawl")
    return next(p for p, h in _crawling_workers() if h == host)


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (its crawl children), from /proc."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _stop_while_crawling(w: Workers, pid: int, host: str) -> int:
    """SIGTERM the worker ``pid`` while it crawls ``host``: it finishes that crawl, logs it
    and exits 0; the others then check every source and send the digest and the alert (to
    the outbox beside the config). Returns the stopped worker's index."""
    k = w.index_of(pid)
    w.procs[k].send_signal(signal.SIGTERM)
    assert w.procs[k].wait(60) == 0
    assert f"crawl finished host={host} sources={FEEDS} exit=0" in w.log(k)
    wait_for(_all_checked, 60, "every source checked")
    wait_for(lambda: len(_outbox(w.config.parent)) == 2, 20, "the digest and the alert")
    return k


@postgres
def test_three_workers_crawl_each_source_once_politely_and_send_each_digest_once(
    tmp_path: Path, db_url: str
) -> None:
    """Three workers on one database: every feed fetched once, every article page once, no
    article or hit twice, no two crawls of one host at once (the recorded crawl runs), the
    crawls spread over the workers, the daily digest and the alert sent once, `monitor status`
    listing the workers; SIGTERM lets a running crawl end before the worker exits."""
    with (
        serve_web(tmp_path / "web", slow_host=0) as web,
        workers(_cluster_config(tmp_path, web), tmp_path) as w,
    ):
        w.start(3)
        # SIGTERM to the worker crawling the slow host, while it crawls it; the other two do
        # the rest.
        pid = _worker_crawling(_host(0))
        _stop_while_crawling(w, pid, _host(0))
        status = run_monitor("status", config=w.config, timeout=60)
        assert status.returncode == 0, status.stderr
        time.sleep(2)  # a few more ticks: nothing more may be crawled or sent
        logs = [w.log(i) for i in range(3)]
    assert "cluster:  2 workers on 1 hosts" in status.stdout, status.stdout
    for p in w.procs:
        if p.pid != pid:
            assert f":{p.pid}" in status.stdout
    _check_each_page_once(web)
    _check_one_crawl_per_host()
    _check_polite(web)
    _check_store()
    assert _outbox(tmp_path) == {"daily@example.org": 1, "alerts@example.org": 1}
    crawled = [log.count("monitor.cluster: crawl finished") for log in logs]
    assert sum(crawled) == HOSTS and sum(1 for n in crawled if n) >= 2, crawled
    assert sum(log.count("daily maintenance finished") for log in logs) == 1
    # Crawl runs side by side are not taken for runs a dead crawl left open.
    assert db_query("SELECT count(*) FROM crawl_runs WHERE status <> 'ok'") == [(0,)]
    for i, log in enumerate(logs):  # each line names its worker
        assert "worker=" in log and f":{w.procs[i].pid} monitor.cluster" in log


def _registrations() -> dict[int, set[int]]:
    """The procrastinate workers (crawl, control) each `monitor worker` registered, by
    pid: a worker that lost the database and reconnected registers new ones."""
    out: dict[int, set[int]] = {}
    for pid, worker_id in db_query("SELECT pid, worker_id FROM cluster_workers"):
        out.setdefault(pid, set()).add(worker_id)
    return out


@postgres
def test_a_worker_joins_and_one_leaves_while_the_others_crawl(tmp_path: Path, db_url: str) -> None:
    """Two workers start; once they crawl a third joins and takes crawls, the first two
    going on undisturbed (the same processes, with the same registrations throughout: none
    restarted, none reconnected). Then one of the first two leaves with SIGTERM in the
    middle of a crawl, which it finishes first. The other two carry on, and the end is as
    with three workers from the start: every feed and page fetched once, every source
    checked once, no article or hit twice, no two crawls of one host at once, never more
    than per_domain requests at once to a host, the digest and the alert sent once."""
    with (
        serve_web(tmp_path / "web", slow_host=0) as web,
        workers(_cluster_config(tmp_path, web), tmp_path) as w,
    ):
        w.start(2)
        first = [p.pid for p in w.procs]
        wait_for(lambda: [len(_registrations().get(p, ())) for p in first] == [2, 2], 30, "the two")
        registered = _registrations()
        wait_for(_crawling_workers, 60, "a crawl")
        w.start(1)
        joined = w.procs[2].pid
        wait_for(lambda: joined in dict(_crawling_workers()), 60, "the third one crawling")
        wait_for(lambda: set(first) & set(dict(_crawling_workers())), 30, "one of two crawling")
        pid, host = next((p, h) for p, h in _crawling_workers() if p in first)
        assert all(w.procs[k].poll() is None for k in range(3))
        assert {p: registered[p] for p in first} == {p: _registrations()[p] for p in first}
        leaving = _stop_while_crawling(w, pid, host)
        time.sleep(2)  # a few more ticks: nothing more may be crawled or sent
        staying = next(p for p in first if p != pid)
        assert _registrations()[staying] == registered[staying]
        assert [k for k in range(3) if w.procs[k].poll() is not None] == [leaving]
        logs = [w.log(k) for k in range(3)]
    _check_each_page_once(web)
    _check_one_crawl_per_host()
    _check_polite(web)
    _check_store()
    assert _outbox(tmp_path) == {"daily@example.org": 1, "alerts@example.org": 1}
    crawled = [log.count("monitor.cluster: crawl finished") for log in logs]
    assert sum(crawled) == HOSTS and crawled[2] >= 1, crawled
    assert sum(log.count("daily maintenance finished") for log in logs) == 1
    assert db_query("SELECT count(*) FROM crawl_runs WHERE status <> 'ok'") == [(0,)]
    for log in logs:  # each started once and never lost the database
        assert log.count("monitor.cluster: worker started") == 1
        assert "database unreachable" not in log


@postgres
@pytest.mark.parametrize("kill_after", ["its first requests", "its first stored article"])
def test_a_worker_killed_mid_crawl_costs_nothing(
    tmp_path: Path, db_url: str, kill_after: str
) -> None:
    """SIGKILL the worker crawling the slow host: its crawl child dies with it, another
    worker takes the job up after [cluster] stalled_after, and the store ends as it would
    have without the kill; no two crawls of one host overlap.

    What the kill costs is a few requests, and exactly these: the store writes in batches
    (MONITOR_STORE_BATCH_SECONDS), so pages the killed crawl had requested but not stored
    (in flight, at most [crawl] per_domain, or fetched but still in its batch) are fetched
    again by the crawl that takes over; a page it stored is not, nor is any other page
    fetched twice. The same for the feeds and the sources' results. What the killed crawl
    did is read once its child is dead, half a second later (a request or a COMMIT already
    sent still lands), before any crawl takes over (not before stalled_after). The other
    hosts' pages are each fetched once.

    The kill comes with the crawl's first page requests, before its first store batch, or
    once a batch has stored some of the host's articles: a source is recorded as checked
    only with the last article it listed, so the one whose articles were not all stored is
    still due, and the crawl that takes over fetches them (before, they waited for the
    source's next check, an interval later)."""
    with (
        serve_web(tmp_path / "web", slow_host=0) as web,
        workers(_cluster_config(tmp_path, web), tmp_path) as w,
    ):
        w.start(3)
        pid = _worker_crawling(_host(0))
        wait_for(lambda: _children(pid), 10, "its crawl child")
        wait_for(lambda: web.article_requests(0), 30, "the crawl under way")
        if kill_after == "its first stored article":
            host0 = {_article_path(0, i) for i in range(ARTICLES)}
            wait_for(lambda: _stored_paths() & host0, 30, "an article of the host stored")
        children = _children(pid)
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        w.procs[w.index_of(pid)].wait(10)
        wait_for(lambda: not any(_alive(c) for c in children), 5, "the child to die too")
        time.sleep(0.5)
        pages_then, feeds_then = web.article_requests(0), web.feed_requests(0)
        stored_then = _stored_paths()
        checked_then = {n for (n,) in db_query(_CHECKED) if n.startswith("h0-")}
        assert time.monotonic() - killed < STALLED_AFTER - 1  # nothing taken over yet
        wait_for(_all_checked, 60 + STALLED_AFTER, "every source checked")
        taken_up = time.monotonic() - killed
        logs = [w.log(i) for i in range(3)]
    assert taken_up >= STALLED_AFTER  # not before its heartbeat went stale
    assert any("its worker is gone" in log for log in logs)  # retried, or dropped for its twin
    _check_polite(web)
    _check_store()
    _check_each_page_once(web, range(1, HOSTS))
    # Host 0: the killed crawl asked for each page at most once and stored only pages it
    # asked for; afterwards exactly the pages it had not stored were fetched, once each.
    pages = {_article_path(0, i) for i in range(ARTICLES)}
    assert set(pages_then.values()) == {1}, pages_then
    assert stored_then & pages <= set(pages_then)
    assert web.article_requests(0) == pages_then + Counter(pages - stored_then)
    feeds = {f"h0-f{j}": f"/feeds/{j}.xml" for j in range(FEEDS)}
    assert set(feeds_then.values()) <= {1}, feeds_then
    assert {feeds[n] for n in checked_then} <= set(feeds_then)
    unchecked = Counter(f for n, f in feeds.items() if n not in checked_then)
    assert web.feed_requests(0) == feeds_then + unchecked
    assert _outbox(tmp_path) == {"daily@example.org": 1, "alerts@example.org": 1}


def test_a_crawl_child_dies_with_its_parent(tmp_path: Path) -> None:
    """monitor.crawl.child: a child started by a process killed with SIGKILL dies too."""
    script = (
        "import sys, time\n"
        "from monitor.crawl.child import start_crawl\n"
        "c = start_crawl([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(c.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait()
    wait_for(lambda: not _alive(child), 5, "the child to die with its parent")


def test_a_worker_refuses_sqlite(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "m.db"}"\n')
    r = run_monitor("worker", config=config, timeout=60)
    assert r.returncode == 2
    assert "`monitor worker` needs a PostgreSQL store" in r.stderr
    assert "monitor run" in r.stderr


@postgres
def test_run_and_worker_refuse_each_other(tmp_path: Path, db_url: str) -> None:
    """`monitor run` does not start beside workers, nor a worker beside `monitor run`."""
    config = tmp_path / "monitor.toml"
    config.write_text('[database]\nurl = "sqlite:///unused.db"\n[daemon]\ntick = "1h"\n')
    with workers(config, tmp_path) as w:
        w.start(1)
        wait_for(lambda: db_query("SELECT count(*) FROM cluster_workers") == [(2,)], 30, "it")
        r = run_monitor("run", config=config, timeout=60)
        assert r.returncode == 1
        assert "workers (`monitor worker`) are running on" in r.stderr
        assert "stop them all first" in r.stderr
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        assert daemon.stdout is not None
        wait_for(lambda: b"Stop with" in daemon.stdout.readline(), 30, "the daemon")  # type: ignore[union-attr]
        r = run_monitor("worker", config=config, timeout=60)
        assert r.returncode == 1
        assert "a daemon (`monitor run`) is running on" in r.stderr
        assert "stop it first" in r.stderr
    finally:
        daemon.terminate()
        daemon.wait(30)


@pytest.fixture
def own_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OwnPostgres]:
    """A PostgreSQL server of the test's own, its database ``monitor`` the store (empty: the
    worker migrates it, as it does a new store): the test stops it without stopping the
    shared server under the other tests. Skipped only without PostgreSQL's server programs
    (a failure where MONITOR_TEST_REQUIRE_POSTGRES asks for PostgreSQL, as in CI)."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(own_postgres())
        except NoPostgresServer as exc:
            if os.environ.get("MONITOR_TEST_REQUIRE_POSTGRES"):
                pytest.fail(str(exc))
            pytest.skip(str(exc))
        monkeypatch.setenv("MONITOR_DATABASE_URL", server.url("monitor"))
        yield server


def test_a_worker_waits_for_the_database_and_reconnects(
    tmp_path: Path, own_server: OwnPostgres
) -> None:
    """Its server stopped for 30 s, then started: the worker does not exit, and beats again
    once the server is back (through the same registration when its pool waited it out,
    else registered anew)."""
    config = tmp_path / "monitor.toml"
    config.write_text('[database]\nurl = "sqlite:///unused.db"\n[daemon]\ntick = "1s"\n')
    beating = (
        "SELECT count(*) FROM procrastinate_workers w JOIN cluster_workers c "
        "ON c.worker_id = w.id WHERE w.last_heartbeat > now() - interval '15 seconds'"
    )
    with workers(config, tmp_path) as w:
        w.start(1)
        wait_for(lambda: db_query("SELECT count(*) FROM cluster_workers") == [(2,)], 30, "it")
        dispose_engines()
        own_server.stop()
        try:
            time.sleep(30)
            assert w.procs[0].poll() is None
        finally:
            own_server.start()
        wait_for(lambda: db_query(beating) == [(2,)], 60, "it to beat again")
        assert w.procs[0].poll() is None
        log = w.log(0)
    # It did miss the server: its timer could not queue, or the whole worker reconnected.
    assert "cannot queue what is due" in log or "database unreachable" in log
    assert w.procs[0].returncode == 0  # and SIGTERM still ends it cleanly


_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _store_sources(engine: Engine, names: str) -> None:
    """Feed sources named by the letters of ``names``, stored: a due in 5 minutes, b two
    hours overdue, c one hour, the others never checked (so due first)."""
    from monitor.domain.sources import SourceSpec
    from monitor.store.engine import transaction
    from monitor.store.models import Source
    from monitor.store.sources import sync_sources

    specs = [SourceSpec(n, "feed", f"http://{n}/rss", timedelta(hours=1)) for n in names]
    with transaction(engine) as s:
        sync_sources(s, specs)
        for name, next_at in (("a", _NOW + timedelta(minutes=5)), ("b", _NOW - timedelta(hours=2)),
                              ("c", _NOW - timedelta(hours=1))):  # fmt: skip
            s.query(Source).filter_by(name=name).update({"next_check_at": next_at})


def test_the_planners_question_due_sources_without_names(engine: Engine) -> None:
    """`due_source_names`: what `due_sources` answers for every stored source, most overdue
    first, without the list of names (the cluster's timer asks it every tick)."""
    from monitor.store.engine import transaction
    from monitor.store.sources import due_source_names, due_sources

    now = _NOW
    _store_sources(engine, "abcd")
    with transaction(engine) as s:
        assert due_source_names(s, now) == ["d", "b", "c"]  # never checked, then overdue
        assert due_source_names(s, now) == due_sources(s, "abcd", now)


def test_due_sources_keeps_the_named_ones_in_order() -> None:
    from monitor.store.sources import keep_named

    assert keep_named(["d", "b", "c", "gone"], {"b", "c", "d", "x"}) == ["d", "b", "c"]
    assert keep_named(["a"], []) == []


def test_due_sources_with_more_names_than_a_query_takes(engine: Engine) -> None:
    """`monitor run` and the cluster's timer ask `due_sources` with every configured name:
    past NAMES_IN_QUERY it asks without them (psycopg sends at most 65,535 parameters, and
    a daemon with more sources failed on PostgreSQL). 70,000 names, most never stored."""
    from monitor.store.engine import transaction
    from monitor.store.sources import NAMES_IN_QUERY, due_sources

    now = _NOW
    _store_sources(engine, "abcde")
    names = ["a", "b", "c", "d"] + [f"unknown-{i}" for i in range(70_000)]
    assert len(names) > 65_535 > NAMES_IN_QUERY
    with transaction(engine) as s:
        assert due_sources(s, names, now) == ["d", "b", "c"]  # not e: not named
        assert due_sources(s, names[:4], now) == ["d", "b", "c"]  # the same, names in the query
