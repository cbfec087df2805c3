"""Sitemap sources: a Google News sitemap (or an index of them), gzip or not, read with
Scrapy's sitemap support under [crawl] max_sitemap_size (monitor.crawl.sitemaps); each
entry's ``news:`` headline and date are used as a feed item's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy.http import Response

from monitor.config import Source, SourceKind
from monitor.crawl.discovery import read_index
from monitor.crawl.sitemaps import parse_sitemap
from monitor.domain.sources import SourceStatus
from spiders.base import SourceSpider


class SitemapSpider(SourceSpider):
    kind = SourceKind.SITEMAP
    name = kind.value
    size_option = "max_sitemap_size"

    def request_meta(self, source: Source) -> dict[str, Any]:
        return {"download_maxsize": self.ctx.config.crawl.max_sitemap_size}

    async def parse_page(self, response: Response, source: Source) -> AsyncIterator[Any]:
        max_size = self.ctx.config.crawl.max_sitemap_size
        result = parse_sitemap(response.body, response.url, max_size)
        if result.error and not result.kind:
            yield SourceStatus(source.name, error=f"{result.error} (from {response.url})")
            return
        conditional = True
        entries = result.entries
        if result.kind == "sitemapindex":
            # The index rarely changes while its news child does: always read the child.
            conditional = False
            found = await read_index(result, self.fetch, max_size)
            if found is None:
                yield SourceStatus(
                    source.name,
                    error=(
                        f"NoNewsSitemap: the sitemap index {response.url} lists no news or "
                        f"recent sitemap that could be read ({len(result.children)} children)"
                    ),
                )
                return
            entries = found
        fetch, seen = self.triage(source, entries)
        yield SourceStatus(
            source.name, error=None, entries=len(entries), new=len(fetch), conditional=conditional
        )
        for item in seen:
            yield item
        for request in self.article_requests(source, fetch):
            yield request
