"""robots.txt, obeyed by every request, including those that wait for the file, and fetched
once per host per crawl.

Scrapy 2.19's RobotsTxtMiddleware lets every request to a host wait on one Deferred for its
robots.txt, but awaiting a Deferred as a future consumes its result: the first waiter gets
the parser, the others get None and go out unchecked (seen here: a disallowed feed fetched
while a sibling request to the same host waited). Once the Deferred has fired, the parser
is stored per host, so a waiter that got None reads it from there.

The feed and section spiders are two crawlers in one process, each with its own middleware:
they share one table of parsers (the crawl's context), so a host's robots.txt is fetched by
whichever asks first and the other waits for it, instead of once per crawler.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _Scrapy
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from monitor.crawl.context import context_for


class RobotsTxtMiddleware(_Scrapy):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # raises NotConfigured when robots.txt is not obeyed
        self._parsers = context_for(crawler).robots

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser
