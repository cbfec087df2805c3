"""Keep an article's response as it was served, for the evidence archive (monitor.archive).

Scrapy's HttpCompressionMiddleware (590) replaces the body with its decoded form and drops
Content-Encoding; the archive wants the bytes the server sent (after the transfer decoding
Twisted does), with their headers. This middleware sits outside it, as
``monitor.crawl.integrity`` does, and copies the response of requests marked ``ARCHIVE``
into their meta before anything decodes it.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from monitor.crawl.context import CrawlContext, context_for
from monitor.domain.articles import Snapshot

#: Request meta: keep this request's response (True), and where the copy is put.
ARCHIVE = "monitor_archive"
SERVED = "monitor_served"


class ServedResponseMiddleware:
    def __init__(self, ctx: CrawlContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ServedResponseMiddleware:
        return cls(context_for(crawler))

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(ARCHIVE) and request.method != "HEAD":
            request.meta[SERVED] = snapshot(response, self.ctx)
        return response


def snapshot(response: Response, ctx: CrawlContext) -> Snapshot:
    headers = [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, values in response.headers.items()
        for v in values
    ]
    return Snapshot(
        url=response.url,
        status=response.status,
        reason="",
        protocol=response.protocol or "HTTP/1.1",
        headers=headers,
        body=response.body,
        fetched_at=ctx.now(),
    )
