"""Site sources: a site's address. Its feeds, news sitemaps or homepage are discovered at
the first check, again weekly, and whenever what it uses breaks (monitor.crawl.discovery);
what was found is kept on the source. The source request fetches the homepage when a
discovery is due (its first step) or the homepage is what the source uses; else the first
feed or sitemap it uses, so that a check costs no request more than a feed source's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response

from monitor.config import Source, SourceKind
from monitor.crawl.discovery import Fetched, FetchError, discover, read_index
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

    def _fresh(self, source: Source) -> list[Finding] | None:
        """The stored findings while no discovery is due, else None."""
        findings, at = self.found.get(source.name, ([], None))
        if findings and not discovery_due(at, datetime.now(UTC), broken=False):
            return findings
        return None

    def source_url(self, source: Source, moved: str | None) -> str:
        used = [f for f in self._fresh(source) or [] if f.used]
        if used and all(f.kind != "section" for f in used):
            return used[0].url
        return source.url

    def request_meta(self, source: Source) -> dict[str, Any]:
        # Any status reaches parse_source: a homepage that answers 403 or 500 does not stop
        # a discovery (walls often guard the homepage only), and a finding that does is
        # discovered again.
        return {"handle_httpstatus_all": True, "site_home": self.source_url(source, None)}

    async def parse_source(self, response: Response, source: Source) -> AsyncIterator[Any]:
        """What the site source uses now: the stored findings, or a new discovery when there
        are none, they are a week old, or one of them broke."""
        self.sources_waiting -= 1
        self.sources_answered += 1
        findings = self._fresh(source)
        got = Fetched(response.url, response.status, response_headers(response), response.body)
        is_home = response.meta.get("site_home") == source.url
        entries = None
        if findings:
            entries = await self._use(source, findings, got if is_home else None, got)
            if entries is None:
                self.logger.info("site source broke, discovering again source=%s", source.name)
        new_findings = None
        if entries is None:
            crawl = self.ctx.config.crawl
            home = got if is_home else None
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
                if is_home and response.status != 200:
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
        self, source: Source, findings: list[Finding], home: Fetched | None, first: Fetched
    ) -> list[Entry] | None:
        """The entries of the used findings, each URL once; None when one of them broke
        (an error, or not what it was: a feed that is no longer one). ``home``: the
        homepage, when it is what the source request asked for; ``first``: that response
        (the first used finding's, when it is not the homepage)."""
        crawl = self.ctx.config.crawl
        out: dict[str, Entry] = {}
        for f in findings:
            if not f.used:
                continue
            if f.kind == "section":
                if home is None or home.status != 200:
                    return None
                links = _links(source, home.body.decode("utf-8", "replace"), home.url)
                if not links:
                    return None
                entries = [Entry(u, None, None, None) for u in links]
            else:
                size = crawl.max_response_size if f.kind == "feed" else crawl.max_sitemap_size
                try:
                    got = first if home is None and f is _first_used(findings) else None
                    got = got or await self.fetch(f.url, size)
                except FetchError:
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


def _first_used(findings: list[Finding]) -> Finding | None:
    return next((f for f in findings if f.used), None)


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
