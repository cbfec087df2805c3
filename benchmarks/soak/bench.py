"""Memory soak of the daemon: `monitor run` as a real process for N crawl cycles.

    python benchmarks/soak/bench.py [--cycles 300] [--out results.json]

1. A private copy of the fixture site (tests/data/site) served on 127.0.0.1 by the project's
   own ``FixtureSite``; a config in a temporary folder (SQLite database there, ``[daemon]
   tick = "1s"``, the RSS, Atom and RDF feeds and the section page with ``interval = "1s"``,
   ``extract_workers = 0``, ``autothrottle = false``).
2. ``python -m monitor --config CONFIG run`` started as a real process, without
   $MONITOR_DATABASE_URL / $MONITOR_CONFIG and with $MONITOR_DATA_DIR in the temporary folder.
3. Every ``--change-every`` completed cycles the RSS feed gets a new item (the newest
   ``--keep-items`` kept), alternately: an existing article with a new ``?v=N`` query (not a
   tracking parameter, so a new article URL, which the store ties to the known article through
   the page's canonical link), and a new article page (a copy of an existing one with its own
   canonical URL and text): new URLs, articles and hits keep arriving.
4. Completed cycles are counted from ``crawl_runs`` (status 'ok'); after each one the
   daemon's own VmRSS (/proc/PID/status) is sampled. The crawl child's VmHWM (its peak RSS) is
   read while it runs, by polling the daemon's children every 0.1 s.
5. After N cycles: SIGTERM, the exit status must be 0. Summary printed; --out writes it with
   every sample as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from monitor.demo.server import FixtureSite  # noqa: E402

SITE = ROOT / "tests" / "data" / "site"
TEMPLATE = SITE / "2026" / "11" / "20" / "drones-cross-the-caspian-a2001.html"
BASELINE_CYCLE = 20  # growth is measured from the RSS after this cycle
TARGET_GROWTH = 10.0  # percent
TABLES = ("articles", "article_urls", "hits")  # counted at the end

#: Existing articles of the fixture site that the added feed items point at (with ?v=N).
ARTICLES = [
    ("Moscow and Tehran Resume Iran Talks", "/2026/11/22/moscow-iran-talks-a2005.html"),
    ("Drones Cross the Caspian Again", "/2026/11/20/drones-cross-the-caspian-a2001.html"),
    ("Tehran Metro Extension Opens", "/2026/11/22/tehran-metro-extension-opens-a2004.html"),
    ("Kremlin Unveils Next Year's Budget", "/2026/11/21/kremlin-unveils-budget-a2002.html"),
]

CONFIG = """
[database]
url = "sqlite:///monitor.db"

[daemon]
tick = "1s"

[[sources]]
name = "rss"
feed = "{base}/feeds/rss2.xml"
interval = "1s"

[[sources]]
name = "atom"
feed = "{base}/feeds/atom.xml"
interval = "1s"

[[sources]]
name = "rdf"
feed = "{base}/feeds/rdf.xml"
interval = "1s"

[[sources]]
name = "section"
section = "{base}/section/"
interval = "1s"

[[watchlists]]
name = "iran"
query = "Iran"

[[watchlists]]
name = "russia"
query = "Russia"

[[watchlists]]
name = "iran-ru"
query = "Иран"

[[watchlists]]
name = "drone-strike"
query = '"drone strike"'

[digest]
time = "07:00"
timezone = "Europe/Moscow"
recipients = ["analyst@example.org"]
sender = "monitor@example.org"
outbox = "outbox"

[crawl]
extract_workers = 0
autothrottle = false
download_timeout = "5s"
"""


def write_config(folder: Path, base: str) -> Path:
    path = folder / "monitor.toml"
    path.write_text(textwrap.dedent(CONFIG).format(base=base), "utf-8")
    return path


class FeedChanger:
    """Adds one new item to the RSS feed per call, keeping the newest ``keep`` added ones."""

    MARK = "<item><title>Drones Cross the Caspian</title>"

    def __init__(self, site: Path, keep: int) -> None:
        self.site = site
        self.rss = site / "feeds" / "rss2.xml"
        self.original = self.rss.read_text("utf-8")
        assert self.MARK in self.original
        self.keep = keep
        self.added: list[str] = []

    def change(self, n: int) -> None:
        """Odd n: a new URL (``?v=n``) of an existing article, which the store recognises by
        its canonical link; even n: a new article page (a copy of an existing one with its own
        canonical URL, title and a sentence of its own), so new articles and hits arrive."""
        if n % 2:
            title, path = ARTICLES[n % len(ARTICLES)]
            path = f"{path}?v={n}"
        else:
            title = f"Caspian Convoy Report {n}"
            path = f"/2026/11/27/caspian-convoy-{n}-a{5000 + n}"
            page = TEMPLATE.read_text("utf-8")
            page = page.replace("/2026/11/20/drones-cross-the-caspian-a2001", path)
            page = page.replace("Drones Cross the Caspian", title)
            page = page.replace(
                "<p>Neither", f"<p>Report {n}: Russia and Iran, update number {n}.</p>\n<p>Neither"
            )
            target = self.site / (path.lstrip("/") + ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, "utf-8")
            path += ".html"
        self.added.insert(
            0,
            f"<item><title>{title} (update {n})</title><link>{{{{BASE}}}}{path}</link>"
            f"<description>Update {n}: Iran and Russia, news of the day.</description></item>\n",
        )
        del self.added[self.keep :]
        text = self.original.replace(self.MARK, "".join(self.added) + self.MARK)
        tmp = self.rss.with_suffix(".tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, self.rss)  # the server never reads half a file


def proc_kb(pid: int, field: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` line of /proc/PID/status, in kB (None if the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def children(pid: int) -> list[int]:
    """Child processes of every thread (the daemon starts crawls from a scheduler thread)."""
    out: list[int] = []
    for tasks in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += [int(x) for x in tasks.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def db_counts(db: Path) -> dict[str, int]:
    """Crawl runs by status, articles and hits, read-only ({} before the tables exist)."""
    if not db.exists():
        return {}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            out = dict(con.execute("SELECT status, count(*) FROM crawl_runs GROUP BY status"))
            for table in TABLES:
                out[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            return out
        finally:
            con.close()
    except sqlite3.OperationalError:  # no tables yet, or busy
        return {}


def ok_runs(db: Path) -> int | None:
    if not db.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(
                con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'ok'").fetchone()[0]
            )
        finally:
            con.close()
    except sqlite3.OperationalError:
        return None


def mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def soak(cycles: int, change_every: int, keep_items: int, timeout: float) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="monitor-soak-"))
    site_dir = work / "site"
    shutil.copytree(SITE, site_dir)
    changer = FeedChanger(site_dir, keep_items)
    samples: list[dict[str, Any]] = []
    child_peaks: dict[int, int] = {}  # crawl child pid -> last VmHWM seen (kB)
    result: dict[str, Any] = {"cycles_asked": cycles, "workdir": str(work)}
    drop = ("MONITOR_DATABASE_URL", "MONITOR_CONFIG")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["MONITOR_DATA_DIR"] = str(work / "data-dir")
    with FixtureSite(site_dir) as site:
        config = write_config(work, site.base)
        db = work / "monitor.db"
        log_out = (work / "daemon.out").open("wb")
        log_err = (work / "daemon.err").open("wb")
        started = time.monotonic()
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            cwd=ROOT,
            env=env,
            stdout=log_out,
            stderr=log_err,
        )
        done = changes = 0
        deadline = started + timeout
        try:
            while done < cycles:
                if daemon.poll() is not None:
                    raise RuntimeError(f"daemon exited early with {daemon.returncode}")
                if time.monotonic() > deadline:
                    print(f"timeout after {done} cycles", file=sys.stderr)
                    break
                for child in children(daemon.pid):
                    hwm = proc_kb(child, "VmHWM")
                    if hwm is not None:
                        child_peaks[child] = max(child_peaks.get(child, 0), hwm)
                n = ok_runs(db)
                if n is not None and n > done:
                    done = n
                    rss = proc_kb(daemon.pid, "VmRSS")
                    samples.append(
                        {"cycle": done, "t": round(time.monotonic() - started, 2), "rss_kb": rss}
                    )
                    if done % change_every == 0:
                        changes += 1
                        changer.change(changes)
                    if done % 25 == 0:
                        print(
                            f"cycle {done}: daemon RSS {mb(rss)} MB, "
                            f"{time.monotonic() - started:.0f} s",
                            file=sys.stderr,
                            flush=True,
                        )
                time.sleep(0.1)
            wall = time.monotonic() - started
            stop_started = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            rc = daemon.wait(timeout=60)
            stop_seconds = time.monotonic() - stop_started
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
            log_out.close()
            log_err.close()
    counts = db_counts(db)
    rss_values = [s["rss_kb"] for s in samples if s["rss_kb"] is not None]
    base = next((s["rss_kb"] for s in samples if s["cycle"] >= BASELINE_CYCLE), None)
    end = rss_values[-1] if rss_values else None
    growth = None if not (base and end) else round(100 * (end - base) / base, 2)
    err_text = (work / "daemon.err").read_text("utf-8", "replace")
    result.update(
        {
            "cycles_completed": done,
            "crawl_runs": {k: v for k, v in counts.items() if k not in TABLES},
            "wall_seconds": round(wall, 1),
            "seconds_per_cycle": round(wall / done, 2) if done else None,
            "feed_changes": changes,
            "rss_first_mb": mb(rss_values[0]) if rss_values else None,
            "rss_after_cycle_20_mb": mb(base),
            "rss_end_mb": mb(end),
            "rss_max_mb": mb(max(rss_values)) if rss_values else None,
            "growth_after_cycle_20_percent": growth,
            "target_percent": TARGET_GROWTH,
            "target_met": growth is not None and growth < TARGET_GROWTH,
            "articles": counts.get("articles"),
            "article_urls": counts.get("article_urls"),
            "hits": counts.get("hits"),
            "crawl_children_seen": len(child_peaks),
            "crawl_child_peak_rss_mb": mb(max(child_peaks.values())) if child_peaks else None,
            "exit_status": rc,
            "stop_seconds": round(stop_seconds, 1),
            "daemon_stopped_logged": "daemon stopped" in err_text,
            "tracebacks_in_log": err_text.count("Traceback"),
            "samples": samples,
        }
    )
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cycles", type=int, default=300, help="crawl cycles to run (300)")
    p.add_argument("--out", type=Path, help="write the summary and every sample as JSON")
    p.add_argument("--change-every", type=int, default=3, help="add an RSS item every N cycles")
    p.add_argument("--keep-items", type=int, default=10, help="added RSS items kept in the feed")
    p.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = p.parse_args()
    result = soak(args.cycles, args.change_every, args.keep_items, args.timeout)
    if not args.keep:
        shutil.rmtree(result["workdir"], ignore_errors=True)
    summary = {k: v for k, v in result.items() if k != "samples"}
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    ok = result["exit_status"] == 0 and result["cycles_completed"] >= args.cycles
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
