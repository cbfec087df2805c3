"""Section pages: the article links found on the page, then each new article's page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from monitor.config import Source, SourceKind
from monitor.crawl.feeds import Entry
from monitor.crawl.links import find_article_links
from monitor.domain.sources import SourceStatus
from spiders.base import SourceSpider


class SectionSpider(SourceSpider):
    kind = SourceKind.SECTION
    name = kind.value

    def parse_page(self, response: Response, source: Source) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield SourceStatus(source.name, error=f"NotHtml: {response.url} is not a web page")
            return
        links = find_article_links(
            response.text,
            response.url,
            link_pattern=source.link_pattern,
            link_selector=source.link_selector,
            max_links=source.max_links,
        )
        if not links:
            # Never "finished with no results" in silence: say what to change.
            yield SourceStatus(
                source.name,
                error=(
                    f"NoArticleLinks: no article links found on {response.url}; set link_pattern "
                    "or link_selector for this source"
                ),
            )
            return
        entries = [Entry(link=u, title=None, summary=None, published_at=None) for u in links]
        fetch, _ = self.triage(source, entries)  # section links carry no headline
        yield SourceStatus(source.name, error=None, entries=len(links), new=len(fetch))
        yield from self.article_requests(source, fetch)
