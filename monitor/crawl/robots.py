"""robots.txt, obeyed by every request, including those that wait for the file.

Scrapy 2.19's RobotsTxtMiddleware lets every request to a host wait on one Deferred for its
robots.txt, but awaiting a Deferred as a future consumes its result: the first waiter gets
the parser, the others get None and go out unchecked (seen here: a disallowed feed fetched
while a sibling request to the same host waited). Once the Deferred has fired, the parser
is stored per host, so a waiter that got None reads it from there.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _Scrapy
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(_Scrapy):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser
