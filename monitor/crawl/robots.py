"""robots.txt, obeyed by every request, including those that wait for the file; fetched at
most once per host per crawl, and kept in the store for the crawls of the next 24 hours.

Scrapy 2.19's RobotsTxtMiddleware lets every request to a host wait on one Deferred for its
robots.txt, but awaiting a Deferred as a future consumes its result: the first waiter gets
the parser, the others get None and go out unchecked (seen here: a disallowed feed fetched
while a sibling request to the same host waited). Once the Deferred has fired, the parser
is stored per host, so a waiter that got None reads it from there.

The feed and section spiders are two crawlers in one process, each with its own middleware:
they share one table of parsers (the crawl's context), so a host's robots.txt is fetched by
whichever asks first and the other waits for it, instead of once per crawler.

Between crawls (a daemon's cycle every few minutes, each a process of its own), the file
comes from the store (``monitor.store.robots``) while it is under a day old, as RFC 9309
allows: one request per host a day instead of one per crawl, and no wait for it. Answers
2xx and 4xx are kept (a 4xx means no rules), many hosts' to a transaction; a 5xx or a failed
fetch is asked again by the next crawl.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _Scrapy
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.reactor import CallLaterOnce
from sqlalchemy.orm import Session
from twisted.internet.defer import Deferred

from monitor.crawl.context import CrawlContext, context_for
from monitor.errors import StorageError
from monitor.store.engine import transaction
from monitor.store.robots import RobotsCopy, fresh_robots, fresh_robots_of, save_robots

log = logging.getLogger("monitor.crawl")

#: The sources' hosts whose kept robots.txt a crawl reads in one query as it starts, and
#: the largest copy read so: at most 16 MB held at once. Other hosts (article links to
#: other sites, beyond the first thousand, large files) are read one by one when first
#: asked. One transaction a host was 6% of a warm crawl of 176 hosts.
PRELOAD_HOSTS = 1000
PRELOAD_BYTES = 16 * 1024
#: Fetched copies are kept (written to the store) this many at once, or after this many
#: seconds, and when the spider closes.
SAVE_BATCH = 100
SAVE_SECONDS = 1.0


def preload_kept(ctx: CrawlContext, session: Session, urls: Iterable[str]) -> None:
    """Read the kept robots.txt of the hosts of ``urls`` (the sources') in one query."""
    hosts = [
        h
        for h in dict.fromkeys(urlsplit(u).netloc for u in urls)
        if h and h not in ctx.robots_kept and h not in ctx.robots
    ][:PRELOAD_HOSTS]
    ctx.robots_kept.update(fresh_robots_of(session, hosts, ctx.now(), max_bytes=PRELOAD_BYTES))


class RobotsTxtMiddleware(_Scrapy):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # raises NotConfigured when robots.txt is not obeyed
        self._ctx = context_for(crawler)
        self._parsers = self._ctx.robots
        # Copies to keep, saved together: a transaction a host was most of the cost of
        # robots.txt in a cold crawl of 176 hosts. One lost (a crawl killed) is fetched again.
        self._unsaved: list[RobotsCopy] = []
        self._save_later: CallLaterOnce[None] = CallLaterOnce(self._save)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            kept = self._kept(netloc)
            if kept is not None:
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, kept)
                self._stats.inc_value("robotstxt/kept")
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        await super()._parse_robots(response, netloc, request)
        if response.status < 500:
            self._unsaved.append(
                RobotsCopy(netloc, response.status, response.body, self._ctx.now())
            )
            if len(self._unsaved) >= SAVE_BATCH:
                self._save()
            else:
                self._save_later.schedule(SAVE_SECONDS)

    def _save(self) -> None:
        """Keep the copies fetched since the last save, in one transaction."""
        self._save_later.cancel()
        copies, self._unsaved = self._unsaved, []
        if not copies:
            return
        try:
            with transaction(self._ctx.engine) as s:
                save_robots(s, copies)
        except StorageError as exc:  # the next crawl fetches them again
            log.warning(
                "robots.txt not kept hosts=%s error=%s", ",".join(c.host for c in copies), exc
            )

    def _closed(self, **_: Any) -> None:
        self._save()

    def _kept(self, netloc: str) -> bytes | None:
        if netloc in self._ctx.robots_kept:  # read as the spiders started
            return self._ctx.robots_kept.pop(netloc)
        try:
            with transaction(self._ctx.engine) as s:
                return fresh_robots(s, netloc, self._ctx.now())
        except StorageError as exc:  # fetched from the host instead
            log.warning("kept robots.txt unreadable host=%s error=%s", netloc, exc)
            return None
