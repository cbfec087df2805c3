"""`monitor demo`: serve the bundled site on 127.0.0.1, crawl it, print the hits, write the
digest to the outbox, and say how to query them again. Offline, in seconds."""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import replace
from importlib import resources
from pathlib import Path

from monitor.app import Monitor
from monitor.config import data_dir, load_config
from monitor.crawl.runner import run_crawl
from monitor.demo.server import FixtureSite
from monitor.digest.job import run_now
from monitor.domain.filters import HitFilter
from monitor.errors import MonitorError
from monitor.render.reports import print_crawl_summary
from monitor.render.tables import print_hit_table

MARKER = ".monitor-demo"

CONFIG = """\
# Written by `monitor demo`: the bundled fixture site, served on 127.0.0.1 during the demo.
[database]
url = "sqlite:///monitor.db"

[[sources]]
name = "ledger-rss"
feed = "{base}/rss.xml"
interval = "15m"

[[sources]]
name = "ledger-atom"
feed = "{base}/world.atom"
interval = "15m"

[[sources]]
name = "ledger-news"
section = "{base}/news/"
interval = "30m"

[[watchlists]]
name = "iran"
query = "Iran"

[[watchlists]]
name = "russia"
query = "Russia"

[digest]
time = "07:00"
timezone = "Europe/Moscow"
recipients = ["analyst@example.org"]
sender = "monitor@example.org"
outbox = "outbox"

[crawl]
autothrottle = false   # our own local site: no need to be gentle
extract_workers = 2
"""


def site_root() -> Path:
    return Path(str(resources.files("monitor.demo").joinpath("site")))


def prepare(target: Path) -> None:
    """Start from a clean demo folder, but never delete a folder we did not make."""
    if target.exists() and any(target.iterdir()):
        if not (target / MARKER).exists():
            raise MonitorError(
                f"{target} exists and is not a demo folder; choose another with --dir"
            )
        shutil.rmtree(target)
    target.mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text("made by `monitor demo`; safe to delete\n")


def run_demo(target: Path | None = None, *, verbose: bool = False) -> int:
    started = time.monotonic()
    target = (target or data_dir() / "demo").resolve()
    prepare(target)
    out = sys.stdout
    with FixtureSite(site_root()) as site:
        config_path = target / "monitor.toml"
        config_path.write_text(CONFIG.format(base=site.base), "utf-8")
        # The demo's own SQLite file, even when $MONITOR_DATABASE_URL names a real store.
        config = replace(
            load_config(config_path), database_url=f"sqlite:///{target / 'monitor.db'}"
        )
        out.write(
            f"Serving the demo news site at {site.base}\n"
            f"Crawling its RSS feed, Atom feed and section page into {target}\n\n"
        )
        out.flush()
        summary = run_crawl(config, verbose=verbose)
    print_crawl_summary(summary)
    with Monitor.writer(config) as app:
        rows = app.hit_page(HitFilter(), limit=100).rows
        out.write(f"\n{len(rows)} hits:\n")
        print_hit_table(rows, zone=config.digest.zone)  # the table `monitor hits` prints
        [outcome] = run_now(config, app.engine)
    out.write(f"\nDigest ({outcome.hits} hits) written to {outcome.destination}\n")
    out.write(
        f"\nQuery the hits again (the demo site is gone, the archive stays):\n"
        f"  monitor --config {config_path} hits\n"
        f"  monitor --config {config_path} hits --watchlist iran --format json\n"
        f"  monitor --config {config_path} sources\n"
        f"  monitor --config {config_path} digest --preview   # the HTML digest, for a browser\n"
        f"\nDemo finished in {time.monotonic() - started:.1f}s.\n"
    )
    return 0 if outcome.status == "sent" else 1
