"""What a site offers (issue #16): the feeds its homepage announces, its news sitemaps
(robots.txt ``Sitemap:`` lines, sitemap indexes, the conventional paths robots.txt often
omits), else its homepage as a section page; and which of them a ``site`` source uses.

The order and the rules are here once; the fetching is the caller's (``Fetch``): the site
spider fetches through Scrapy (robots.txt, throttling, size limits), `monitor sources
discover` with ``urllib_fetch``.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
from lxml.etree import ParserError

from monitor.crawl.feeds import Entry, parse_feed
from monitor.crawl.links import find_article_links
from monitor.crawl.sitemaps import (
    CONVENTIONAL_PATHS,
    SitemapResult,
    news_children,
    parse_sitemap,
    robots_sitemaps,
)
from monitor.domain.sources import Finding
from monitor.domain.urls import is_web_url, url_key

#: The <link rel="alternate"> types of feeds: RSS, Atom, RDF, JSON Feed.
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/xml",
    "application/xml",
)
MAX_FEEDS = 5  # announced feeds tried at most (some homepages list one per section)
MAX_SITEMAPS = 12  # sitemap URLs tried at most (cbsnews lists 47 in robots.txt)


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class FetchError(Exception):
    """The request failed (network, robots.txt, too large): the message says how."""


#: (url, max_size) -> the response; raises FetchError.
Fetch = Callable[[str, int], Awaitable[Fetched]]


@dataclass
class Discovered:
    """Findings in the order tried, with this crawl's entries of each (by finding URL)."""

    findings: list[Finding] = field(default_factory=list)
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # what could not be read, for a note

    def used_entries(self) -> list[Entry]:
        """The entries of the used findings, each URL once."""
        out: dict[str, Entry] = {}
        for f in self.findings:
            if f.used:
                for e in self.entries.get(f.url, []):
                    out.setdefault(url_key(e.link), e)
        return list(out.values())


def announced_feeds(html: bytes, base_url: str) -> list[str]:
    """The feeds a page announces with ``<link rel="alternate" type=...>``, in order."""
    try:
        tree = lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return []
    found = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = urljoin(base_url, href)
            if is_web_url(url):
                found.append(url)
    return list(dict.fromkeys(found))


def choose(findings: list[Finding], entries: dict[str, list[Entry]]) -> None:
    """Mark what a site source uses: feeds first, then news sitemaps, each one only when it
    lists articles the ones already used do not; the homepage only when nothing else is."""
    covered: set[str] = set()
    for f in findings:
        if f.kind == "section":
            continue
        keys = {url_key(e.link) for e in entries.get(f.url, [])}
        if keys - covered:
            f.used = True
            covered |= keys
    if not any(f.used for f in findings):
        for f in findings:
            if f.kind == "section":
                f.used = True


async def discover(
    site: str,
    fetch: Fetch,
    *,
    max_size: int,
    max_sitemap_size: int,
    home: Fetched | None = None,
    links: Callable[[str, str], list[str]] | None = None,
) -> Discovered:
    """Everything the site offers, and which of it to use (``choose``). ``home``: the
    homepage when the caller has it already; ``links``: (html, url) -> its article links
    (a source's link options; by default the heuristic, at most 200)."""
    out = Discovered()
    if home is None:
        home = await _get(fetch, site, max_size, out)
    base = home.url if home else site
    if home is not None and home.status == 200:
        for url in announced_feeds(home.body, base)[:MAX_FEEDS]:
            got = await _get(fetch, url, max_size, out)
            if got is None:
                continue
            result = parse_feed(got.body, got.headers, got.url)
            if result.error or not result.entries:
                out.errors.append(f"{url}: {result.error or 'no entries'}")
                continue
            _add(out, Finding("feed", url, "announced on the homepage"), result.entries)
    await _sitemaps(site, fetch, max_sitemap_size, out)
    if home is not None and home.status == 200:
        find = links or (lambda html, url: find_article_links(html, url, max_links=200))
        found = find(home.body.decode("utf-8", "replace"), base)
        if found:
            entries = [Entry(link=u, title=None, summary=None, published_at=None) for u in found]
            _add(out, Finding("section", site, "the homepage's article links"), entries)
    choose(out.findings, out.entries)
    return out


async def _sitemaps(site: str, fetch: Fetch, max_size: int, out: Discovered) -> None:
    root = urljoin(site, "/")
    candidates: dict[str, str] = {}
    robots = await _get(fetch, urljoin(root, "/robots.txt"), 512 * 1024, out)
    if robots is not None and robots.status == 200:
        for url in robots_sitemaps(robots.body, root):
            candidates.setdefault(url, "robots.txt")
    for path in CONVENTIONAL_PATHS:
        candidates.setdefault(urljoin(root, path), "conventional path")
    for url, how in list(candidates.items())[:MAX_SITEMAPS]:
        got = await _get(fetch, url, max_size, out, quiet=how == "conventional path")
        if got is None:
            continue
        result = parse_sitemap(got.body, got.url, max_size)
        if result.kind == "sitemapindex":
            entries = await read_index(result, fetch, max_size, out)
            if entries is not None:
                _add(out, Finding("sitemap", url, f"{how}, a sitemap index"), entries)
        elif result.kind == "urlset" and result.news:
            _add(out, Finding("sitemap", url, how), result.entries)
        elif result.error and how != "conventional path":
            out.errors.append(f"{url}: {result.error}")


async def read_index(
    index: SitemapResult, fetch: Fetch, max_size: int, out: Discovered | None = None
) -> list[Entry] | None:
    """The entries of an index's news or recent children (never its archive); None when it
    has no news child."""
    entries: list[Entry] = []
    found = False
    for child in news_children(index.children):
        got = await _get(fetch, child, max_size, out)
        if got is None:
            continue
        result = parse_sitemap(got.body, got.url, max_size)
        if result.kind == "urlset":
            found = True
            entries.extend(result.entries)
        elif out is not None and result.error:
            out.errors.append(f"{child}: {result.error}")
    return entries if found else None


def _add(out: Discovered, finding: Finding, entries: list[Entry]) -> None:
    if any(f.url == finding.url for f in out.findings):
        return
    finding.entries = len(entries)
    finding.newest = max((e.published_at for e in entries if e.published_at), default=None)
    out.findings.append(finding)
    out.entries[finding.url] = entries


async def _get(
    fetch: Fetch, url: str, max_size: int, out: Discovered | None, *, quiet: bool = False
) -> Fetched | None:
    """A 200 response, or None (the failure noted in ``out`` unless ``quiet``)."""
    try:
        got = await fetch(url, max_size)
    except FetchError as exc:
        if out is not None and not quiet:
            out.errors.append(f"{url}: {exc}")
        return None
    if got.status != 200:
        if out is not None and not quiet:
            out.errors.append(f"{url}: HTTP {got.status}")
        return None
    return got


def urllib_fetch(user_agent: str, timeout: float, *, obey_robots: bool = True) -> Fetch:
    """A ``Fetch`` for the command line (`monitor sources discover`): urllib in a thread,
    the body read to ``max_size`` at most, robots.txt obeyed as the crawl obeys it."""
    robots: dict[str, RobotFileParser] = {}

    def allowed(url: str) -> bool:
        parts = urlsplit(url)
        if not obey_robots or parts.path == "/robots.txt":
            return True
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in robots:
            parser = robots[root] = RobotFileParser()
            got = blocking(root + "/robots.txt", 512 * 1024, check=False)
            parser.parse(
                got.body.decode("utf-8", "replace").splitlines() if got.status == 200 else []
            )
        return robots[root].can_fetch(user_agent, url)

    def blocking(url: str, max_size: int, check: bool = True) -> Fetched:
        if check and not allowed(url):
            raise FetchError(f"RobotsTxtForbidden: {url} is disallowed by the site's robots.txt")
        request = urllib.request.Request(url, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                body = r.read(max_size + 1)
                headers = {k.lower(): v for k, v in r.headers.items()}
                status, final = r.status, r.url
        except urllib.error.HTTPError as exc:
            return Fetched(url, exc.code, {}, b"")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from None
        if len(body) > max_size:
            raise FetchError(f"TooLarge: {url} is larger than {max_size} bytes")
        return Fetched(final, status, headers, body)

    async def fetch(url: str, max_size: int) -> Fetched:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"not an http(s) URL: {url}")
        return await asyncio.to_thread(blocking, url, max_size)

    return fetch
