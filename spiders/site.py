"""Site sources: a site's address. Its feeds, news sitemaps or homepage are discovered at
the first check, again weekly, and whenever what it uses breaks (monitor.crawl.discovery);
what was found is kept on the source. The source request fetches the homepage (the section
page when nothing else is found, and the start of a discovery)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response, TextResponse

from monitor.config import Source, SourceKind
from monitor.crawl.discovery import Fetched, discover, read_index
from monitor.crawl.feeds import Entry, parse_feed
from monitor.crawl.links import find_article_links
from monitor.crawl.sitemaps import parse_sitemap
from monitor.domain.sources import Finding, SourceStatus, discovery_due
from monitor.domain.urls import url_key
from monitor.store.engine import transaction
from monitor.store.sources import discoveries
from spiders.base import SourceSpider, response_headers


class SiteSpider(SourceSpider):
    kind = SourceKind.SITE
    name = kind.value
    found: dict[str, tuple[list[Finding], datetime | None]]

    async def start(self) -> AsyncIterator[Any]:
        with transaction(self.ctx.engine) as s:
            self.found = discoveries(s, [src.name for src in self.selected])
        async for request in super().start():
            yield request

    def request_meta(self, source: Source) -> dict[str, Any]:
        # A homepage that answers 403 or 500 does not stop the site: its feeds and news
        # sitemaps may answer (walls often guard the homepage only).
        return {"handle_httpstatus_all": True}

    async def parse_source(self, response: Response, source: Source) -> AsyncIterator[Any]:
        """What the site source uses now: the stored findings, or a new discovery when there
        are none, they are a week old, or one of them broke."""
        self.sources_waiting -= 1
        self.sources_answered += 1
        findings, discovered_at = self.found.get(source.name, ([], None))
        entries = None
        if findings and not discovery_due(discovered_at, datetime.now(UTC), broken=False):
            entries = await self._use(source, findings, response)
            if entries is None:
                self.logger.info("site source broke, discovering again source=%s", source.name)
        new_findings = None
        if entries is None:
            crawl = self.ctx.config.crawl
            home = Fetched(response.url, response.status, response_headers(response), response.body)
            found = await discover(
                source.url,
                self.fetch,
                max_size=crawl.max_response_size,
                max_sitemap_size=crawl.max_sitemap_size,
                home=home,
                links=lambda html, url: _links(source, html, url),
            )
            new_findings = found.findings
            if not any(f.used for f in found.findings):
                errors = found.errors[:3]
                if response.status != 200:
                    errors.insert(0, f"the homepage answered HTTP {response.status}")
                problems = "; ".join(errors)
                problems = f" ({problems})" if problems else ""
                yield SourceStatus(
                    source.name,
                    error=(
                        f"NothingFound: {source.url} announces no feed, has no news sitemap "
                        "and no article links on its homepage" + problems
                    ),
                    discovered=new_findings,
                )
                return
            entries = found.used_entries()
            self.logger.info(
                "site discovered source=%s used=%s",
                source.name,
                ",".join(f"{f.kind}:{f.url}" for f in found.findings if f.used),
            )
        fetch, seen = self.triage(source, entries)
        self.articles_listed += len(fetch)
        yield SourceStatus(
            source.name,
            error=None,
            entries=len(entries),
            new=len(fetch),
            discovered=new_findings,
            conditional=False,
        )
        for item in seen:
            yield item
        for request in self.article_requests(source, fetch):
            yield request

    async def _use(
        self, source: Source, findings: list[Finding], home: Response
    ) -> list[Entry] | None:
        """The entries of the used findings, each URL once; None when one of them broke
        (an error, or not what it was: a feed that is no longer one)."""
        crawl = self.ctx.config.crawl
        out: dict[str, Entry] = {}
        for f in findings:
            if not f.used:
                continue
            if f.kind == "section":
                if not isinstance(home, TextResponse) or home.status != 200:
                    return None
                links = _links(source, home.text, home.url)
                if not links:
                    return None
                entries = [Entry(u, None, None, None) for u in links]
            else:
                size = crawl.max_response_size if f.kind == "feed" else crawl.max_sitemap_size
                try:
                    got = await self.fetch(f.url, size)
                except Exception:
                    return None
                if got.status != 200:
                    return None
                if f.kind == "feed":
                    result = parse_feed(got.body, got.headers, got.url)
                    if result.error:
                        return None
                    entries = result.entries
                else:
                    sitemap = parse_sitemap(got.body, got.url, size)
                    if sitemap.kind == "sitemapindex":
                        found = await read_index(sitemap, self.fetch, size)
                        if found is None:
                            return None
                        entries = found
                    elif sitemap.kind == "urlset":
                        entries = sitemap.entries
                    else:
                        return None
            for e in entries:
                out.setdefault(url_key(e.link), e)
        return list(out.values())


def _links(source: Source, html: str, url: str) -> list[str]:
    """The homepage's article links, by the source's section options (link_pattern,
    link_selector, max_links), as a section source's."""
    return find_article_links(
        html,
        url,
        link_pattern=source.link_pattern,
        link_selector=source.link_selector,
        max_links=source.max_links,
    )
