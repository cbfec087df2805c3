"""Sources beyond feeds (issue #16): discovery time per site, and the CPU of one sitemap poll
against one feed poll of the same articles.

    python benchmarks/sources/bench.py                  # 1,000 articles a site
    python benchmarks/sources/bench.py --articles 100 --runs 5

1. Serves the test suite's fixture sites (tests/newssites.py, each on its own 127.0.0.N host)
   with ``--articles`` articles each, and times ``monitor.crawl.discovery.discover`` on each
   ``site`` fixture as `monitor sources discover` runs it (urllib, one request at a time):
   the median wall time of ``--runs``, the requests made, and what it found.
2. The same articles as an RSS 2.0 feed and as a Google News sitemap:
   - parse: CPU of ``parse_feed`` and ``parse_sitemap`` over the bytes (median of ``--runs``),
     the part of a poll that differs between them;
   - poll: CPU (user + system, the process tree) of a real ``monitor crawl --source NAME``
     process polling each, after a first crawl stored every article, with the file changed
     before each poll (a byte in a comment) so that it is fetched and parsed, not skipped as
     unchanged; nothing else to fetch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from monitor.crawl.discovery import discover, urllib_fetch  # noqa: E402
from monitor.crawl.feeds import parse_feed  # noqa: E402
from monitor.crawl.sitemaps import parse_sitemap  # noqa: E402
from tests.newssites import _rss, news_sitemap, serve_sites  # noqa: E402

SITES = ("feedsite", "jsonsite", "robotssite", "conventional", "indexsite", "feedplus", "homepage")
MB = 1024 * 1024


def discovery(sites: object, runs: int) -> None:
    print("| site | how it offers its news | found (used) | requests | median time |")
    print("|---|---|---|---|---|")
    fetch = urllib_fetch("bench", 10)
    for name in SITES:
        server = sites.servers[name]  # type: ignore[attr-defined]
        times = []
        for _ in range(runs):
            before = len(server.requests)
            t = time.perf_counter()
            found = asyncio.run(
                discover(server.url("/"), fetch, max_size=10 * MB, max_sitemap_size=50 * MB)
            )
            times.append(time.perf_counter() - t)
            requests = len(server.requests) - before
        used = ", ".join(f"{f.kind} ({f.entries})" for f in found.findings if f.used)
        print(
            f"| {name} | {OFFERS[name]} | {used} | {requests} | "
            f"{1000 * statistics.median(times):.0f} ms |"
        )


OFFERS = {
    "feedsite": "homepage announces RSS",
    "jsonsite": "homepage announces JSON Feed",
    "robotssite": "robots.txt names a news sitemap",
    "conventional": "only /sitemap_news.xml",
    "indexsite": "robots.txt names an index: news child + 60,000-URL archive child",
    "feedplus": "Atom-announced feed of 3 + news sitemap of all",
    "homepage": "nothing: homepage links",
}


def cpu_of(cmd: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def polls(articles: int, runs: int, work: Path) -> None:
    from monitor.demo.server import FixtureSite
    from tests.newssites import _article, article_path

    root = work / "same"
    every = list(range(1, articles + 1))
    for i in every:
        page = root / article_path("same", i).lstrip("/")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(_article("same", i), "utf-8")
    (root / "rss.xml").write_text(_rss("same", every), "utf-8")
    # The same headlines in both: a headline that differs is a rewrite, and refetched.
    sitemap = news_sitemap("same", every).replace(" (sitemap)", "")
    (root / "news.xml").write_text(sitemap, "utf-8")
    with FixtureSite(root, host="127.0.0.30") as site:
        feed_body = (root / "rss.xml").read_bytes().replace(b"{{BASE}}", site.base.encode())
        map_body = (root / "news.xml").read_bytes().replace(b"{{BASE}}", site.base.encode())

        def parse_cpu(fn: object, body: bytes) -> float:
            samples = []
            for _ in range(runs):
                t = time.process_time()
                fn(body)  # type: ignore[operator]
                samples.append(time.process_time() - t)
            return statistics.median(samples)

        feed_cpu = parse_cpu(lambda b: parse_feed(b, {}, site.url("/rss.xml")), feed_body)
        map_cpu = parse_cpu(lambda b: parse_sitemap(b, site.url("/news.xml"), 50 * MB), map_body)
        config = work / "monitor.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{work}/bench.db"\n'
            f'[[sources]]\nname = "feed"\nfeed = "{site.url("/rss.xml")}"\n'
            f'[[sources]]\nname = "sitemap"\nsitemap = "{site.url("/news.xml")}"\n'
            '[[watchlists]]\nname = "x"\nquery = "harbour"\n'
            "[crawl]\nextract_workers = 2\nautothrottle = false\nper_domain = 16\n",
            "utf-8",
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("MONITOR_DATABASE_URL", None)
        base = [sys.executable, "-m", "monitor", "--config", str(config), "crawl"]
        cpu_of(base, env)  # the first crawl stores every article
        poll = {"feed": [], "sitemap": []}
        for n in range(runs):
            for name, path in (("feed", "rss.xml"), ("sitemap", "news.xml")):
                with (root / path).open("a", encoding="utf-8") as f:
                    f.write(f"<!-- {n} -->")
                poll[name].append(cpu_of([*base, "--source", name], env))
        idle = cpu_of([sys.executable, "-m", "monitor", "--config", str(config), "sources"], env)
    print(f"\n{articles} articles, feed {len(feed_body):,} bytes, sitemap {len(map_body):,} bytes")
    print("| | RSS feed | news sitemap |")
    print("|---|---|---|")
    print(f"| parse (in process) | {1000 * feed_cpu:.1f} ms | {1000 * map_cpu:.1f} ms |")
    print(
        f"| one poll (`monitor crawl --source`, process CPU) | "
        f"{statistics.median(poll['feed']):.2f} s | {statistics.median(poll['sitemap']):.2f} s |"
    )
    print(f"| for scale: `monitor sources` (process start, no crawl) | {idle:.2f} s | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with serve_sites(work / "sites", articles=args.articles) as sites:
            print(f"Discovery, {args.articles} articles a site:\n")
            discovery(sites, args.runs)
        polls(args.articles, args.runs, work)


if __name__ == "__main__":
    main()
