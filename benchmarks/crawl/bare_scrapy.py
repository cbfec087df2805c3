"""Scrapy alone on a benchmark web: what the crawl process cannot go below (issue #19).

    python benchmarks/crawl/bare_scrapy.py --dir /tmp/realweb/crawl    # after bench.py --real

Serves the web with nginx (``serve.py``), then one Scrapy spider fetches every feed of the
manifest and every article page the feeds link to, with the monitor's concurrency
(64 requests, 2 a host), no robots.txt, no cookies, and does nothing with a page but count
it: no feed parser, no extraction, no store, no archive. Prints the pages and the process's
wall and CPU time. The monitor's crawl process, beside it, does all of that but the
extraction (which its workers do).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from serve import Nginx  # noqa: E402

_LINK = re.compile(rb"<link>([^<]+)</link>")


class Bare(scrapy.Spider):
    name = "bare"
    feeds: ClassVar[list[str]] = []
    pages = 0

    async def start(self) -> AsyncIterator[Any]:
        for url in self.feeds:
            yield scrapy.Request(url, callback=self.feed)

    def feed(self, response: Response) -> Iterator[scrapy.Request]:
        for m in _LINK.findall(response.body):
            url = m.decode()
            if "/feeds/" not in url and url.rstrip("/").count("/") >= 3:  # not the site's
                yield scrapy.Request(url, callback=self.page)

    def page(self, response: Response) -> None:
        Bare.pages += 1


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/realweb/crawl"))
    args = p.parse_args()
    Bare.feeds = (args.dir / "feeds.txt").read_text("utf-8").split()
    server = Nginx(args.dir, default_type="text/html").start()
    try:
        process = CrawlerProcess(
            {
                "LOG_LEVEL": "WARNING",
                "CONCURRENT_REQUESTS": 64,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
                "ROBOTSTXT_OBEY": False,
                "COOKIES_ENABLED": False,
                "TELNETCONSOLE_ENABLED": False,
            }
        )
        process.crawl(Bare)
        wall, cpu = time.perf_counter(), time.process_time()
        process.start()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        server.stop()
    print(f"pages {Bare.pages} feeds {len(Bare.feeds)}: wall {wall:.1f} s, CPU {cpu:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
