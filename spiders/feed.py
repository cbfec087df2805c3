"""Feed sources (RSS 0.9x/1.0/2.0, Atom, RDF, JSON Feed): entries, then each new article's page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from monitor.config import Source, SourceKind
from monitor.crawl.feeds import parse_feed
from monitor.domain.sources import SourceStatus
from spiders.base import SourceSpider, response_headers


class FeedSpider(SourceSpider):
    kind = SourceKind.FEED
    name = kind.value

    def parse_page(self, response: Response, source: Source) -> Iterator[Any]:
        result = parse_feed(response.body, response_headers(response), response.url)
        if result.warning:
            self.logger.info(
                "feed is malformed but usable source=%s warning=%s", source.name, result.warning
            )
        if result.error:
            yield SourceStatus(source.name, error=f"{result.error} (from {response.url})")
            return
        fetch, seen = self.triage(source, result.entries)
        yield SourceStatus(source.name, error=None, entries=len(result.entries), new=len(fetch))
        yield from seen
        yield from self.article_requests(source, fetch)
