"""Pure: sitemap bytes -> entries (a urlset) or child sitemaps (an index), with Scrapy's own
sitemap support (issue #16).

Why Scrapy's and not ultimate-sitemap-parser: Scrapy is already how every page is fetched, and
its ``scrapy.utils.sitemap.Sitemap`` parses with lxml's ``iterparse`` (``resolve_entities=False``:
entities are never expanded; each element cleared once read, so memory stays near the body's
size: scrapy PR #6985 cut SitemapSpider's memory threefold), and ``scrapy.utils.gz.gunzip``
stops decompressing at a size cap. ultimate-sitemap-parser fetches by itself with blocking
requests (it would stall the crawl's reactor), walks every child of an index (130 s on bbc.com,
GateNLP/ultimate-sitemap-parser#109) and has no size cap. Scrapy's ``Sitemap`` keeps only the
direct children of ``<url>``; the subclass here also reads ``<news:news>`` (headline and
publication date), which Google News sitemaps carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from monitor.crawl.feeds import MAX_ENTRIES, Entry, html_to_text
from monitor.domain.times import parse_iso
from monitor.domain.urls import is_web_url

#: The paths news sitemaps are often at, that robots.txt often omits (Media Cloud probes them).
CONVENTIONAL_PATHS = ("/sitemap_news.xml", "/news-sitemap.xml", "/sitemap/news.xml")
_GZIP = b"\x1f\x8b"
_NEWS_NS = b"google.com/schemas/sitemap-news"
# A child of an index worth following: news or recent ones, never years of archive.
_NEWS_CHILD = re.compile(r"news|recent|latest|today|googlenews|(?<![a-z])new(?![a-z])", re.I)
_ARCHIVE_CHILD = re.compile(r"archive|(?:19|20)\d\d|\b(?:post|page|tag|categor|author)", re.I)


class TooLarge(ValueError):
    """The sitemap passes the size cap ([crawl] max_sitemap_size)."""


@dataclass
class SitemapResult:
    kind: str  # "urlset" | "sitemapindex" | "" (not a sitemap)
    entries: list[Entry] = field(default_factory=list)
    # an index's sitemaps, in order, with their lastmod
    children: list[tuple[str, datetime | None]] = field(default_factory=list)
    news: bool = False  # a urlset with news: tags
    error: str | None = None

    @property
    def newest(self) -> datetime | None:
        return max((e.published_at for e in self.entries if e.published_at), default=None)


class NewsSitemap(Sitemap):
    """Scrapy's streaming Sitemap, keeping ``news:title`` and ``news:publication_date``
    (``news_title``, ``news_publication_date``) of each ``<url>``'s ``<news:news>``."""

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        news: dict[str, str] = {}
        for child in elem:
            if self._get_tag_name(child) == "news":
                for sub in child.iter():
                    name = self._get_tag_name(sub)
                    if name in ("title", "publication_date") and sub.text:
                        news["news_" + name] = sub.text.strip()
        d = super()._process_sitemap_element(elem)
        if d is not None:
            d.update(news)
        return d


def unpack(body: bytes, max_size: int) -> bytes:
    """The sitemap's XML: gunzipped when it is gzip (``.xml.gz`` served as a file), at most
    ``max_size`` bytes either way (``TooLarge``)."""
    if body[:2] == _GZIP:
        try:
            body = gunzip(body, max_size=max_size)
        except _DecompressionMaxSizeExceeded:
            raise TooLarge(f"the sitemap grows past {max_size} bytes when gunzipped") from None
    if len(body) > max_size:
        raise TooLarge(f"the sitemap is {len(body)} bytes, more than {max_size}")
    return body


def parse_sitemap(body: bytes, url: str, max_size: int) -> SitemapResult:
    """Entries of a urlset (``news:`` headline and date where given, else ``lastmod``), or
    the children of a sitemap index. Never raises on bad input: ``error`` says what is wrong."""
    try:
        xml = unpack(body, max_size)
    except TooLarge as exc:
        return SitemapResult("", error=f"TooLarge: {exc} ([crawl] max_sitemap_size)")
    except OSError as exc:
        return SitemapResult("", error=f"NotASitemap: bad gzip data ({exc})")
    if not xml.strip():
        return SitemapResult("", error="NotASitemap: empty response")
    try:
        sitemap = NewsSitemap(xml)
    except (lxml.etree.XMLSyntaxError, StopIteration):
        return SitemapResult("", error="NotASitemap: not XML")
    if sitemap.type not in ("urlset", "sitemapindex"):
        return SitemapResult("", error=f"NotASitemap: the document is <{sitemap.type}>")
    result = SitemapResult(sitemap.type, news=_NEWS_NS in xml[:4096])
    try:
        for d in sitemap:
            loc = urljoin(url, d.get("loc", ""))
            if not is_web_url(loc):
                continue
            if result.kind == "sitemapindex":
                result.children.append((loc, parse_iso(d.get("lastmod"))))
                continue
            if "news_title" in d or "news_publication_date" in d:
                result.news = True
            if len(result.entries) < MAX_ENTRIES:
                result.entries.append(
                    Entry(
                        link=loc,
                        title=html_to_text(d.get("news_title")),
                        summary=None,
                        published_at=parse_iso(d.get("news_publication_date") or d.get("lastmod")),
                    )
                )
    except lxml.etree.XMLSyntaxError as exc:  # recover=True makes this rare
        result.error = f"NotASitemap: {exc}"
    return result


def news_children(children: list[tuple[str, datetime | None]], limit: int = 5) -> list[str]:
    """The children of a sitemap index worth following: news or recent ones by their URL,
    never archives; when none is named so, the one modified last (if the index says)."""
    chosen = [
        c
        for c, _ in children
        if _NEWS_CHILD.search(_path(c)) and not _ARCHIVE_CHILD.search(_path(c))
    ]
    if chosen:
        return chosen[:limit]
    dated = [(d, c) for c, d in children if d is not None]
    return [max(dated)[1]] if dated else []


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def robots_sitemaps(robots: bytes, base_url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt (Scrapy's reader), web URLs only, in order."""
    found = [u for u in sitemap_urls_from_robots(robots, base_url) if is_web_url(u)]
    return list(dict.fromkeys(found))
