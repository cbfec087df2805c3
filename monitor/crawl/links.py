"""Pure: the article links of a section page.

With ``link_pattern`` (a regex on URLs) and/or ``link_selector`` (CSS) the user decides.
Without them a heuristic keeps same-site links that look like articles
(``monitor.domain.urls.looks_like_article``: a date in the path, a long slug, a numeric id)
and skips navigation, tag, author, login and pagination links.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from monitor.domain.urls import is_web_url, looks_like_article, site_of, url_key

# Links inside these are navigation, not articles.
_NOISE_XPATH = (
    "ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside or "
    "ancestor::form or ancestor::*[@role='navigation' or @role='banner' or "
    "@role='contentinfo' or @role='search']"
)
_NOISE_ATTR = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|footer|sidebar|pagination|pager|share|social|"
    r"tags?|login|cookie|subscribe|newsletter)($|[\s_-])",
    re.IGNORECASE,
)


def _candidate_hrefs(sel: Selector, link_selector: str | None) -> list[str]:
    if link_selector:
        hrefs = []
        for node in sel.css(link_selector):
            own = node.xpath("self::a/@href").get()
            hrefs.extend([own] if own else node.xpath(".//a/@href").getall())
        return hrefs
    hrefs = []
    for a in sel.xpath(f"//a[@href][not({_NOISE_XPATH})]"):
        attrs = " ".join(a.xpath("ancestor-or-self::*/@class | ancestor-or-self::*/@id").getall())
        if _NOISE_ATTR.search(attrs):
            continue
        hrefs.append(a.attrib["href"])
    return hrefs


def find_article_links(
    html: str,
    page_url: str,
    *,
    link_pattern: str | None = None,
    link_selector: str | None = None,
    max_links: int | None = None,
) -> list[str]:
    """Article URLs on the page, in page order, deduplicated, at most ``max_links`` (a
    source's option; all of them without it)."""
    sel = Selector(text=html)
    base = sel.xpath("//base/@href").get()
    base_url = urljoin(page_url, base) if base else page_url
    site = site_of(urlsplit(page_url).hostname or "")
    pattern = re.compile(link_pattern) if link_pattern else None
    page_key = url_key(page_url)
    seen: set[str] = set()
    out: list[str] = []
    for href in _candidate_hrefs(sel, link_selector):
        url = urljoin(base_url, href.strip())
        if not is_web_url(url):
            continue
        host = site_of(urlsplit(url).hostname or "")
        if host != site and not host.endswith("." + site):
            continue  # off-site
        if pattern is not None:
            if not pattern.search(url):
                continue
        elif not link_selector and not looks_like_article(url):
            continue
        key = url_key(url)
        if key in seen or key == page_key:
            continue
        seen.add(key)
        out.append(url.split("#", 1)[0])
        if max_links is not None and len(out) >= max_links:
            break
    return out
