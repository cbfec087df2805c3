"""`monitor crawl` end to end: a real process crawling the fixture site into a SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.demo.server import FixtureSite
from tests.helpers import (
    ROOT,
    db_query,
    feed,
    publish_kremlin_story,
    run_monitor,
    run_scrapy,
    section,
    write_config,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("db_url")]


def hits_json(config: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    result = run_monitor("hits", "--format", "json", *args, config=config)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def by_story(hits: list[dict]) -> dict[str, set[str]]:  # type: ignore[type-arg]
    """Watchlists per story, keyed by the story id ending its URL (titles differ by feed)."""
    out: dict[str, set[str]] = {}
    for h in hits:
        out.setdefault(h["url"].rsplit("-", 1)[1], set()).add(h["watchlist"])
    return out


def as_datetime(value: object) -> datetime:
    """A timestamp as plain SQL returns it: a datetime (PostgreSQL) or text (SQLite)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def four_sources(site: FixtureSite) -> str:
    """RSS, Atom, RDF and a section page: stories a2001 to a2004, most listed twice."""
    return "".join(
        [
            feed("rss", site.url("/feeds/rss2.xml")),
            feed("atom", site.url("/feeds/atom.xml")),
            feed("rdf", site.url("/feeds/rdf.xml")),
            section("world", site.url("/section/")),
        ]
    )


def test_all_feed_kinds_and_section_one_article_per_story(
    tmp_path: Path, site: FixtureSite
) -> None:
    config = write_config(
        tmp_path,
        "".join(
            [
                feed("rss", site.url("/feeds/rss2.xml")),
                feed("atom", site.url("/feeds/atom.xml")),
                feed("rdf", site.url("/feeds/rdf.xml")),
                feed("cp1251", site.url("/feeds/cp1251.xml")),
                feed("malformed", site.url("/feeds/malformed.xml")),
                section("world", site.url("/section/")),
            ]
        ),
    )
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    assert "5 new articles" in result.stdout
    hits = hits_json(config)
    assert by_story(hits) == {
        "a2001": {"iran", "russia", "drone-strike"},  # Drones Cross the Caspian
        "a2002": {"russia"},  # Kremlin Unveils Next Year's Budget
        "a2005": {"iran-ru"},  # Москва и Тегеран
    }  # a2004 says "Iranian" and "Tehran", not "Iran"; a2003 is about the harvest
    # Five stories, reached 11 times through 6 sources: five articles, no duplicate hit.
    assert db_query("SELECT count(*) FROM articles") == [(5,)]
    assert len(hits) == len({(h["url"], h["watchlist"]) for h in hits}) == 5
    drone = next(h for h in hits if h["watchlist"] == "drone-strike")
    assert drone["url"] == site.url("/2026/11/20/drones-cross-the-caspian-a2001")  # canonical
    assert drone["matched"] == ["drone strike"]
    assert "drone strike" in drone["snippet"]
    assert drone["published"] == "2026-11-20T10:00:00+00:00"
    assert set(drone) >= {
        "watchlist",
        "matched",
        "url",
        "title",
        "source",
        "published",
        "first_seen",
        "snippet",
    }
    # Every source succeeded; the malformed one with a warning, not an error.
    assert db_query(
        "SELECT count(*) FROM sources WHERE last_error IS NULL AND last_success_at IS NOT NULL",
    ) == [(6,)]


def test_a_crawl_leaves_its_sqlite_database_checkpointed(
    tmp_path: Path, site: FixtureSite, db_url: str
) -> None:
    """The crawl closes its connections itself, since the process then leaves its objects to
    the exit without a collection (`monitor crawl`): SQLite has copied the write-ahead log
    back into the database, and nothing waits in the log for the next process."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log")
    config = write_config(tmp_path, feed("rss", site.url("/feeds/rss2.xml")))
    # `monitor crawl`, with gc.freeze watched: who calls it (the crawl's start calls it too).
    spy = (
        "import atexit, gc, runpy, sys\n"
        "calls = []\n"
        "freeze = gc.freeze\n"
        "gc.freeze = lambda: (calls.append(sys._getframe(1).f_code.co_filename), freeze())\n"
        "atexit.register(lambda: print('freeze calls', *calls, file=sys.stderr))\n"
        "sys.argv = ['monitor', *sys.argv[1:]]\n"
        "runpy.run_module('monitor', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", spy, "--config", str(config), "crawl"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    callers = next(line for line in result.stderr.splitlines() if line.startswith("freeze calls"))
    assert str(Path("monitor", "cli", "run.py")) in callers  # the command, once done
    db = Path(db_url.removeprefix("sqlite:///"))
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert db_query("SELECT count(*) FROM articles") == [(2,)]  # the feed's two stories


def test_recrawl_adds_nothing_and_fetches_no_stored_article(
    tmp_path: Path, site: FixtureSite
) -> None:
    config = write_config(
        tmp_path, feed("rss", site.url("/feeds/rss2.xml")) + section("world", site.url("/section/"))
    )
    assert run_monitor("crawl", config=config).returncode == 0
    before = db_query("SELECT id, url FROM articles ORDER BY id")
    hits_before = hits_json(config)
    articles = [p for p in site.requests if p.startswith("/2026/")]
    # Four stories, each fetched once, though both sources list the drones story.
    assert len(articles) == 4
    assert len([p for p in articles if "drones-cross" in p]) == 1
    del site.requests[:]
    second = run_monitor("crawl", config=config)
    assert second.returncode == 0, second.stderr
    assert "0 new articles, 0 new hits" in second.stdout
    assert db_query("SELECT id, url FROM articles ORDER BY id") == before
    assert hits_json(config) == hits_before
    assert not [p for p in site.requests if p.startswith("/2026/")]  # no article refetched
    assert {"/feeds/rss2.xml", "/section/"} <= set(site.requests)
    # The summary says what each source found and that nothing needed fetching.
    assert db_query("SELECT count(*) FROM crawl_runs WHERE status = 'ok'") == [(2,)]


def test_new_story_in_the_feed_is_picked_up(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    config = write_config(tmp_path, feed("rss", site.url("/feeds/rss2.xml")))
    assert run_monitor("crawl", config=config).returncode == 0
    publish_kremlin_story(site_dir)
    result = run_monitor("crawl", config=config)
    assert "1 new articles, 1 new hits" in result.stdout
    assert {h["title"] for h in hits_json(config, "--watchlist", "russia")} == {
        "Drones Cross the Caspian",
        "Kremlin Unveils Next Year's Budget",
    }


def test_failing_sources_are_recorded_and_the_rest_carries_on(
    tmp_path: Path, site: FixtureSite
) -> None:
    with FixtureSite(tmp_path) as dead:
        dead_url = dead.url("/rss.xml")
    config = write_config(
        tmp_path,
        "".join(
            [
                feed("good", site.url("/feeds/rss2.xml")),
                feed("missing", site.url("/feeds/nope.xml")),
                feed("html", site.url("/feeds/not-a-feed.xml")),
                feed("entities", site.url("/feeds/entities.xml")),
                feed("dead", dead_url),
                section("empty", site.url("/section/empty.html")),
                feed("robots", site.url("/private/feed.xml")),
            ]
        ),
    )
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr  # a failing source is not a failed crawl
    assert "6 of 7 sources failed" in result.stdout
    errors = dict(db_query("SELECT name, last_error FROM sources"))
    assert errors["good"] is None
    assert errors["missing"].startswith("HttpError: HTTP 404 Not Found from http://127.0.0.1")
    assert errors["html"].startswith("not a feed")
    assert "declares XML entities" in errors["entities"]
    assert errors["dead"].startswith("ConnectionRefusedError: 127.0.0.1:")
    assert errors["empty"].startswith("NoArticleLinks: no article links found")
    assert errors["robots"].startswith("RobotsTxtForbidden:")
    assert {h["watchlist"] for h in hits_json(config)} == {"iran", "russia", "drone-strike"}
    listing = run_monitor("sources", config=config)
    assert "failing" in listing.stdout and "ConnectionRefusedError" in listing.stdout
    # Nothing from the entity feed was expanded or stored.
    assert db_query("SELECT count(*) FROM articles WHERE title LIKE '%Iran Iran%'") == [(0,)]


def test_article_page_that_fails_keeps_the_feed_entry(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    (site_dir / "2026/11/20/drones-cross-the-caspian-a2001.html").unlink()
    config = write_config(tmp_path, feed("rss", site.url("/feeds/rss2.xml")))
    result = run_monitor("crawl", config=config)
    assert "article pages failed" in result.stdout
    [(_title, text, error)] = db_query(
        "SELECT title, text, fetch_error FROM articles WHERE title LIKE 'Drones%'"
    )
    assert text is None and error.startswith("HttpError: HTTP 404")
    assert {h["watchlist"] for h in hits_json(config)} == {"iran"}  # from the feed summary


def test_only_named_sources_are_crawled(tmp_path: Path, site: FixtureSite) -> None:
    config = write_config(
        tmp_path,
        feed("rss", site.url("/feeds/rss2.xml")) + feed("atom", site.url("/feeds/atom.xml")),
    )
    result = run_monitor("crawl", "--source", "atom", config=config)
    assert result.returncode == 0
    assert db_query("SELECT name FROM sources WHERE last_checked_at IS NOT NULL") == [("atom",)]
    unknown = run_monitor("crawl", "--source", "nope", config=config)
    assert unknown.returncode == 2 and "no source named 'nope' (known: rss, atom)" in unknown.stderr


def test_scrapy_crawl_command_from_the_repository_root(tmp_path: Path, site: FixtureSite) -> None:
    config = write_config(tmp_path, feed("rss", site.url("/feeds/rss2.xml")))
    result = run_scrapy("feed", "-a", "source=rss", config=config)
    assert result.returncode == 0, result.stderr
    assert "'monitor/hits_new': 3" in result.stderr
    assert len(db_query("SELECT id FROM hits")) == 3


def test_robots_txt_kept_for_a_day(tmp_path: Path, site: FixtureSite) -> None:
    """The crawls of the next 24 hours read the host's robots.txt from the store (RFC 9309
    lets a crawler cache it that long): no request for it, and its rules still hold."""
    import os

    from sqlalchemy import select, update

    from monitor.store.engine import make_engine, transaction
    from monitor.store.models import RobotsTxt

    config = write_config(
        tmp_path,
        feed("rss", site.url("/feeds/rss2.xml")) + feed("private", site.url("/private/feed.xml")),
    )
    first = run_monitor("crawl", config=config)
    assert first.returncode == 0, first.stderr
    assert site.requests.count("/robots.txt") == 1
    [(host, status)] = db_query("SELECT host, status FROM robots_txt")
    assert host == site.url("/").split("/")[2] and status == 200

    del site.requests[:]
    second = run_monitor("crawl", config=config)
    assert second.returncode == 0, second.stderr
    assert "/robots.txt" not in site.requests and "/feeds/rss2.xml" in site.requests
    assert "/private/feed.xml" not in site.requests  # the kept rules are obeyed
    assert dict(db_query("SELECT name, last_error FROM sources"))["private"].startswith(
        "RobotsTxtForbidden:"
    )

    # A day later (the copy made a day earlier: the state at a given time) it is asked again.
    engine = make_engine(os.environ["MONITOR_DATABASE_URL"])
    with transaction(engine) as s:
        fetched = s.scalar(select(RobotsTxt.fetched_at))
        assert fetched is not None
        s.execute(update(RobotsTxt).values(fetched_at=fetched - timedelta(hours=24)))
    engine.dispose()
    del site.requests[:]
    third = run_monitor("crawl", config=config)
    assert third.returncode == 0, third.stderr
    assert site.requests.count("/robots.txt") == 1


def test_a_sites_first_page_follows_its_robots_txt_at_once(
    tmp_path: Path, site: FixtureSite
) -> None:
    """robots.txt is not one of the site's pages (monitor.crawl.downloader): the feed is
    asked as soon as the file is read, not a download delay later, and the site's pages
    keep the delay between them. Scrapy's command line sets AutoThrottle's start delay to
    4 s, without jitter; the feed's answer halves it (the file's does not count)."""
    config = write_config(tmp_path, feed("rss", site.url("/feeds/rss2.xml")))
    text = config.read_text("utf-8").replace("autothrottle = false", "autothrottle = true")
    config.write_text(text, "utf-8")
    done = run_scrapy(
        "feed", "-s", "AUTOTHROTTLE_START_DELAY=4", "-s", "DOWNLOAD_DELAY_JITTER=0", config=config
    )
    assert done.returncode == 0, done.stderr
    assert site.requests[:2] == ["/robots.txt", "/feeds/rss2.xml"]
    assert site.requests[2].startswith("/2026/")
    robots, feed_at, first_page = site.arrivals[:3]
    assert feed_at - robots < 1.0  # was 4 s
    assert first_page - feed_at > 1.5  # 2 s
    assert len(db_query("SELECT id FROM hits")) == 3


def test_robots_txt_server_error_is_asked_again(tmp_path: Path, site_dir: Path) -> None:
    """A 5xx for robots.txt is not kept: the next crawl asks again."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    feed_body = (site_dir / "feeds" / "rss2.xml").read_bytes()
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if self.path == "/robots.txt":
                self.send_response(503)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(feed_body.replace(b"{{BASE}}", b"http://127.0.0.1:1"))

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        config = write_config(tmp_path, feed("down", url))
        for _ in range(2):
            assert run_monitor("crawl", config=config).returncode == 0
    finally:
        server.shutdown()
    assert asked.count("/robots.txt") >= 2  # once per crawl at least (Scrapy retries a 503)
    assert db_query("SELECT host FROM robots_txt") == []


def test_scrapy_crawl_command_applies_the_crawl_options(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    """`scrapy crawl` reads [crawl] as `monitor crawl` does: the user agent reaches the
    server, robots.txt is obeyed or not as configured, Scrapy's settings say the rest."""
    (site_dir / "private").mkdir()
    (site_dir / "private" / "feed.xml").write_bytes((site_dir / "feeds" / "rss2.xml").read_bytes())
    agent = "desk-monitor/2.0 (+mailto:desk@example.org)"
    options = f'user_agent = "{agent}"\nper_domain = 3\n'

    def scrapy_crawl(robots: str, *args: str) -> subprocess.CompletedProcess[str]:
        config = write_config(
            tmp_path,
            feed("private", site.url("/private/feed.xml")),
            extra=options + f"robots_txt = {robots}\n",
        )
        return run_scrapy("feed", "-a", "source=private", *args, config=config)

    obeying = scrapy_crawl("true")
    assert obeying.returncode == 0, obeying.stderr
    assert site.requests == ["/robots.txt"] and site.user_agents == [agent]
    assert "'CONCURRENT_REQUESTS_PER_DOMAIN': 3" in obeying.stderr
    assert "'DOWNLOAD_TIMEOUT': 5.0" in obeying.stderr  # write_config's "5s"
    [(error,)] = db_query("SELECT last_error FROM sources WHERE name = 'private'")
    assert error.startswith("RobotsTxtForbidden:")

    ignoring = scrapy_crawl("false")
    assert ignoring.returncode == 0, ignoring.stderr
    assert site.requests[1] == "/private/feed.xml" and "/robots.txt" not in site.requests[1:]
    assert set(site.user_agents) == {agent}
    assert len(db_query("SELECT id FROM hits")) == 3
    # Scrapy's command line still has the last word.
    overriding = scrapy_crawl("false", "-s", "USER_AGENT=override/1")
    assert overriding.returncode == 0, overriding.stderr
    assert site.user_agents[-1] == "override/1"


def test_our_extension_list_is_scrapys_without_its_listening_ones() -> None:
    """monitor.crawl.settings replaces Scrapy's base extension list (Scrapy imports every
    listed one, disabled or not): after an upgrade that adds one, this says so."""
    from scrapy.settings import default_settings

    from monitor.crawl import settings

    theirs = set(default_settings.EXTENSIONS_BASE)
    ours = set(settings.EXTENSIONS_BASE)
    assert ours <= theirs
    assert theirs - ours <= {
        "scrapy.extensions.telnet.TelnetConsole",
        "scrapy.extensions.remote_control.RemoteControl",
        "scrapy.extensions.memdebug.MemoryDebugger",  # off unless MEMDEBUG_ENABLED
    }


def test_the_monitor_package_never_imports_the_spiders() -> None:
    """The runner asks Scrapy's spider loader for a spider by name (SPIDER_MODULES):
    spiders import monitor.crawl, never the other way round (not even inside a function)."""
    import ast

    from tests.helpers import ROOT

    found = []
    for path in (ROOT / "monitor").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "spiders"]
    assert found == []


def test_sources_interleaved_by_host_each_in_its_order() -> None:
    from monitor.config import Source
    from spiders.base import interleave_hosts

    sources = [
        Source(name, kind="feed", url=url, interval=timedelta(minutes=15))
        for name, url in [
            ("a1", "http://a.test/1"),
            ("a2", "http://A.test/2"),
            ("a3", "http://a.test/3"),
            ("b1", "http://b.test/1"),
            ("c1", "https://c.test:8443/1"),
            ("c2", "https://c.test:8443/2"),
        ]
    ]
    ordered = [s.name for s in interleave_hosts(sources)]
    assert ordered == ["a1", "b1", "c1", "a2", "c2", "a3"]
    assert interleave_hosts([]) == []


def test_sources_wait_while_articles_are_queued_and_all_are_crawled(
    tmp_path: Path, site: FixtureSite
) -> None:
    """With room for one queued article request, the feeds are still all requested and
    every article stored: the wait for room ends as the queue drains."""
    config = write_config(tmp_path, four_sources(site))
    for spider in ("feed", "section"):
        result = run_scrapy(spider, "-s", "MONITOR_MAX_QUEUED_ARTICLES=1", config=config)
        assert result.returncode == 0, result.stderr
    assert len(db_query("SELECT id FROM articles")) == 4
    for path in ("/feeds/rss2.xml", "/feeds/atom.xml", "/feeds/rdf.xml", "/section/"):
        assert site.requests.count(path) == 1


def test_extraction_in_worker_processes(tmp_path: Path, site: FixtureSite) -> None:
    config = write_config(tmp_path, section("world", site.url("/section/")))
    config.write_text(config.read_text().replace("extract_workers = 0", "extract_workers = 2"))
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    texts = db_query("SELECT text FROM articles ORDER BY url")
    assert len(texts) == 3 and all(t and len(t) > 50 for (t,) in texts)


def test_oversized_response_is_aborted_and_recorded(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    big = site_dir / "feeds" / "big.xml"
    big.write_bytes(
        b"<rss><channel>" + b"<!-- padding -->" * 20_000 + b"</channel></rss>"
    )  # 320,030 bytes
    config = write_config(
        tmp_path,
        feed("big", site.url("/feeds/big.xml")) + feed("rss", site.url("/feeds/rss2.xml")),
        extra="max_response_size = 65536",
    )
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    errors = dict(db_query("SELECT name, last_error FROM sources"))
    assert errors["big"] == (
        "TooLarge: Expected to receive 320030 bytes which is larger than "
        "download max size (65536) (raise [crawl] max_response_size if "
        "this is expected)"
    )
    assert errors["rss"] is None


BOOLEAN_WATCHLISTS = """
[lists]
iran = ["Iran", "Иран", "Iranian"]

[[watchlists]]
name = "drones-iran"
query = '"drone strike" AND Iran'

[[watchlists]]
name = "russia-not-budget"
query = "Russia* -budget"

[[watchlists]]
name = "iran-anywhere"
query = "@iran"

[[watchlists]]
name = "title-kremlin"
query = "title:Kremlin OR NEAR/2(metro, line)"
"""


def test_boolean_watchlists_give_exactly_the_expected_hits(
    tmp_path: Path, site: FixtureSite
) -> None:
    config = write_config(
        tmp_path,
        "".join(
            [
                feed("rss", site.url("/feeds/rss2.xml")),
                feed("atom", site.url("/feeds/atom.xml")),
                feed("rdf", site.url("/feeds/rdf.xml")),
                feed("cp1251", site.url("/feeds/cp1251.xml")),
            ]
        ),
        watchlists=BOOLEAN_WATCHLISTS,
    )
    assert run_monitor("crawl", config=config).returncode == 0
    assert by_story(hits_json(config)) == {
        "a2001": {"drones-iran", "russia-not-budget", "iran-anywhere"},
        "a2002": {"title-kremlin"},  # Russia, but about the budget
        "a2004": {"iran-anywhere", "title-kremlin"},  # "Iranian"; "metro line"
        "a2005": {"iran-anywhere"},  # Иран
    }
    drones = next(h for h in hits_json(config, "--watchlist", "drones-iran"))
    assert drones["matched"] == ["drone strike", "Iran"]


def test_rewritten_headline_is_a_revision_not_a_new_hit(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    config = write_config(tmp_path, feed("rss", site.url("/feeds/rss2.xml")))
    assert run_monitor("crawl", config=config).returncode == 0
    assert run_monitor("digest", config=config).returncode == 0  # the hits go out once
    page = site_dir / "2026/11/20/drones-cross-the-caspian-a2001.html"
    page.write_text(
        page.read_text()
        .replace(
            "<h1>Drones Cross the Caspian</h1>",
            "<h1>Drone Parts Crossed the Caspian, Baku Says</h1>",
        )
        .replace(
            "Neither government commented",
            "Iran denied the report; neither government commented further",
        )
    )
    rss = site_dir / "feeds" / "rss2.xml"
    rss.write_text(
        rss.read_text().replace(
            "<title>Drones Cross the Caspian</title>",
            "<title>Drone Parts Crossed the Caspian, Baku Says</title>",
        )
    )
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    assert "0 new articles, 0 new hits" in result.stdout
    [(old, new)] = db_query("SELECT old_title, new_title FROM article_revisions")
    assert (old, new) == ("Drones Cross the Caspian", "Drone Parts Crossed the Caspian, Baku Says")
    assert db_query("SELECT count(*) FROM articles") == [(2,)]
    # iran, russia, drone-strike: changed since they were delivered, so due again
    assert db_query(
        "SELECT count(*) FROM hits h JOIN deliveries d ON d.hit_id = h.id "
        "WHERE h.updated = true AND d.hit_changed_at < h.changed_at"
    ) == [(3,)]
    digest = run_monitor("digest", "--dry-run", config=config)
    assert "[updated] Drone Parts Crossed the Caspian, Baku Says" in digest.stdout
    # A third crawl with nothing changed fetches nothing and records nothing.
    again = run_monitor("crawl", config=config)
    assert "0 new articles" in again.stdout
    assert db_query("SELECT count(*) FROM article_revisions") == [(1,)]


def test_two_crawls_at_once_store_each_story_once(tmp_path: Path, site: FixtureSite) -> None:
    import subprocess
    import sys

    from tests.helpers import ROOT

    config = write_config(
        tmp_path,
        four_sources(site),
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "crawl"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert db_query("SELECT count(*) FROM articles") == [(4,)]  # a2001 to a2004
    assert db_query("SELECT count(DISTINCT article_id) FROM article_urls") == [(4,)]
    rows = db_query(
        "SELECT article_id, watchlist, count(*) FROM hits GROUP BY article_id, watchlist"
    )
    assert rows and all(n == 1 for _, _, n in rows)
    assert len(rows) == 4  # a2001 x3 (iran, russia, drone-strike) + a2002 russia


def test_sigkill_at_any_moment_leaves_a_consistent_store(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    import random
    import signal
    import subprocess
    import sys
    import time

    from tests.helpers import ROOT

    for page in site_dir.glob("2026/11/*/*.html"):  # slow article pages: kills land mid-crawl
        page.with_name(page.name + ".headers").write_text("X-Fixture-Delay: 0.4\n")
    config = write_config(
        tmp_path,
        four_sources(site),
    )
    rng = random.Random(7)
    for _ in range(4):
        p = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "crawl"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.0, 3.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        # Consistent after every kill: no hit or alias without its article, no article
        # stored half (an article row always has its alias and its content hash).
        assert db_query(
            "SELECT count(*) FROM hits h LEFT JOIN articles a "
            "ON a.id = h.article_id WHERE a.id IS NULL"
        ) in ([(0,)], [])
        assert db_query(
            "SELECT count(*) FROM article_urls u LEFT JOIN articles a "
            "ON a.id = u.article_id WHERE a.id IS NULL"
        ) in ([(0,)], [])
        assert db_query(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM "
            "article_urls u WHERE u.article_id = a.id)"
        ) in ([(0,)], [])
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    # The next crawl completed the work: every story once, every hit once.
    assert db_query("SELECT count(*) FROM articles") == [(4,)]
    assert sorted(db_query("SELECT watchlist, count(*) FROM hits GROUP BY watchlist")) == [
        ("drone-strike", 1),
        ("iran", 1),
        ("russia", 2),
    ]
    assert db_query("SELECT count(*) FROM articles WHERE text IS NULL") == [(0,)]
    assert db_query("SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]


def test_conditional_get_and_unchanged_bodies_skip_parsing(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    (site_dir / "feeds" / "atom.xml.headers").write_text("X-Fixture-Validators: off\n")
    config = write_config(
        tmp_path,
        feed("rss", site.url("/feeds/rss2.xml")) + feed("atom", site.url("/feeds/atom.xml")),
    )
    assert run_monitor("crawl", config=config).returncode == 0
    del site.responses[:]
    second = run_monitor("crawl", config=config)
    assert second.returncode == 0, second.stderr
    assert ("/feeds/rss2.xml", 304) in site.responses  # the server said "not modified"
    assert ("/feeds/atom.xml", 200) in site.responses  # no validators: the body is compared
    assert "source unchanged source=rss" in second.stderr
    assert "source unchanged source=atom" in second.stderr
    assert sorted(db_query("SELECT name, checks, not_modified FROM sources")) == [
        ("atom", 2, 1),
        ("rss", 2, 1),
    ]
    # A changed feed is fetched and parsed again.
    publish_kremlin_story(site_dir)
    third = run_monitor("crawl", config=config)
    assert "source ok source=rss entries=3" in third.stderr


def test_failing_source_backs_off_and_honours_retry_after(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    (site_dir / "feeds" / "rss2.xml.headers").write_text("Status: 503\nRetry-After: 7200\n")
    (site_dir / "feeds" / "atom.xml.headers").write_text("Status: 500\n")
    config = write_config(
        tmp_path,
        feed("busy", site.url("/feeds/rss2.xml"), interval="1m")
        + feed("broken", site.url("/feeds/atom.xml"), interval="1m"),
    )
    assert run_monitor("crawl", config=config).returncode == 0
    assert run_monitor("crawl", config=config).returncode == 0
    rows = {
        name: (checked, nxt, n)
        for name, checked, nxt, n in db_query(
            "SELECT name, last_checked_at, next_check_at, consecutive_failures FROM sources"
        )
    }

    def wait(name: str) -> float:
        checked, nxt, _ = rows[name]
        return (as_datetime(nxt) - as_datetime(checked)).total_seconds()

    assert rows["busy"][2] == 2 and wait("busy") == pytest.approx(7200, abs=5)  # Retry-After
    assert rows["broken"][2] == 2 and wait("broken") == 120  # 1 minute, doubled
    error = db_query("SELECT last_error FROM sources WHERE name = 'busy'")[0][0]
    assert error.startswith("HttpError: HTTP 503 Service Unavailable")


def test_gone_source_is_broken_and_a_moved_one_is_followed(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    (site_dir / "feeds" / "rdf.xml.headers").write_text("Status: 410\n")
    moved = site_dir / "feeds" / "old-atom.xml"
    moved.write_text("moved")
    moved.with_name("old-atom.xml.headers").write_text(
        f"Status: 301\nLocation: {site.url('/feeds/atom.xml')}\n"
    )
    config = write_config(
        tmp_path,
        feed("gone", site.url("/feeds/rdf.xml")) + feed("moved", site.url("/feeds/old-atom.xml")),
    )
    assert run_monitor("crawl", config=config).returncode == 0
    sources = {
        s["name"]: s
        for s in json.loads(run_monitor("sources", "--format", "json", config=config).stdout)
    }
    assert sources["gone"]["state"] == "broken"  # at once: 410 Gone
    assert sources["gone"]["last_error"].startswith("HttpError: HTTP 410 Gone")
    assert sources["moved"]["state"] == "ok"
    assert sources["moved"]["moved_to"] == site.url("/feeds/atom.xml")
    del site.requests[:]
    assert run_monitor("crawl", "--source", "moved", config=config).returncode == 0
    assert "/feeds/old-atom.xml" not in site.requests  # straight to where it lives now
    assert "/feeds/atom.xml" in site.requests
    status = run_monitor("status", config=config)
    assert status.returncode == 0, status.stderr
    assert "daemon:   not running" in status.stdout
    assert "broken: gone since" in status.stdout and "HTTP 410 Gone" in status.stdout


def test_robots_txt_fetched_once_per_host_for_both_spiders(
    tmp_path: Path, site: FixtureSite
) -> None:
    """The feed and section spiders are two crawlers: they share the host's robots.txt."""
    config = write_config(tmp_path, four_sources(site))
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    assert site.requests.count("/robots.txt") == 1
    assert "/section/" in site.requests and "/feeds/rss2.xml" in site.requests


def test_article_page_that_failed_is_fetched_again_though_the_feed_is_unchanged(
    tmp_path: Path, site: FixtureSite, site_dir: Path
) -> None:
    """A page that failed (a timeout, a 5xx) is fetched by the next crawl even when its feed
    answers 304 or the same body: the feed's validators are not kept while a page it lists
    still has to be fetched (issue #17: nothing lost)."""
    page = site_dir / "2026/11/20/drones-cross-the-caspian-a2001.html"
    headers = page.with_name(page.name + ".headers")
    headers.write_text("Status: 503\n")
    config = write_config(tmp_path, feed("rss", site.url("/feeds/rss2.xml")))
    assert run_monitor("crawl", config=config).returncode == 0
    assert db_query("SELECT etag, body_hash FROM sources") == [(None, None)]
    headers.unlink()
    del site.requests[:]
    second = run_monitor("crawl", config=config)
    assert second.returncode == 0, second.stderr
    refetched = [p.split("?")[0] for p in site.requests if p.startswith("/2026/")]
    assert refetched == ["/2026/11/20/drones-cross-the-caspian-a2001.html"]  # that one alone
    [(text, error)] = db_query("SELECT text, fetch_error FROM articles WHERE title LIKE 'Drones%'")
    assert text and error is None
    # Every page stored: now the validators are kept, and the next crawl asks conditionally.
    [(etag,)] = db_query("SELECT etag FROM sources")
    assert etag is not None


@pytest.mark.parametrize("with_section", [False, True], ids=["feeds", "feeds and a section"])
def test_per_domain_limit_holds_at_the_site(
    tmp_path: Path, site: FixtureSite, site_dir: Path, with_section: bool
) -> None:
    """`[crawl] per_domain = 1`: the site never answers two requests at once, though its
    slow article pages queue up behind each other (Scrapy 2.19 started every queued request
    of a site when one ended: monitor.crawl.downloader), and though a section source's
    spider, with a downloader of its own, crawls it beside the feeds' (each had its own
    `per_domain`)."""
    pages = list((site_dir / "2026").rglob("*.html"))
    for page in pages:
        page.with_name(page.name + ".headers").write_text("X-Fixture-Delay: 0.3\n")
    sources = "".join(feed(k, site.url(f"/feeds/{f}.xml")) for k, f in
                      (("rss", "rss2"), ("atom", "atom"), ("rdf", "rdf")))  # fmt: skip
    if with_section:
        sources += section("world", site.url("/section/"))
    config = write_config(tmp_path, sources, extra="per_domain = 1")
    assert run_monitor("crawl", config=config).returncode == 0
    assert len([p for p in site.requests if p.startswith("/2026/")]) >= 3
    assert ("/section/" in site.requests) == with_section
    assert site.peak == 1
