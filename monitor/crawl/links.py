"""Pure: the article links of a section page.

With ``link_pattern`` (a regex on URLs) and/or ``link_selector`` (CSS) the user decides.
Without them a heuristic keeps same-site links that look like articles (a date in the path,
a long slug, a numeric id) and skips navigation, tag, author, login and pagination links.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from monitor.dedup import is_web_url, url_key

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
_SKIP_PATH = re.compile(
    r"/(tags?|topics?|category|categories|authors?|login|log-in|signin|sign-in|register|"
    r"signup|subscribe|account|search|about|contact|privacy|terms|cookies?|newsletters?|"
    r"feeds?|rss|page)(/|$)",
    re.IGNORECASE,
)
_SKIP_QUERY = re.compile(r"(^|&)(page|p|sort|filter|q|tag)=", re.IGNORECASE)
_SKIP_EXT = re.compile(r"\.(jpe?g|png|gif|svg|webp|pdf|css|js|xml|rss|zip|mp[34])$", re.I)
_DATE = re.compile(r"/(19|20)\d{2}[/-](0?[1-9]|1[0-2])([/-]|$)")
_ID = re.compile(r"\d{5,}")
_SLUG = re.compile(r"[^/]*\w+-\w+-\w+[^/]*")


def _site(host: str) -> str:
    return host.lower().removeprefix("www.")


def looks_like_article(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path
    if _SKIP_PATH.search(path) or _SKIP_EXT.search(path) or _SKIP_QUERY.search(parts.query):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return bool(_DATE.search(path) or _ID.search(last) or _SLUG.fullmatch(last))


def plausible_alias(alias: str, link: str) -> bool:
    """Whether ``alias`` (a page's rel=canonical, or where fetching ``link`` was redirected)
    can name the article of ``link``. Some CMSs give every page the site root or a section
    as canonical, and paywalls and consent walls redirect many articles to one page: taken
    as the article's URL, one such URL folds a site's stories into one. Not the site root,
    not a listing (tags, authors, login, search, pages), not a folder above the link; and
    an article's URL by its shape, or the link's own last path segment (AMP, tracking
    parameters, another host for the same path)."""
    if not is_web_url(alias):
        return False
    a, own = urlsplit(alias), urlsplit(link)
    path = a.path.rstrip("/")
    if not path:  # the site root, whatever its query (?lang=en, ?continue=...)
        return False
    if _SKIP_PATH.search(a.path) or _SKIP_QUERY.search(a.query):
        return False
    own_path = own.path.rstrip("/")
    if _site(a.hostname or "") == _site(own.hostname or "") and own_path.startswith(path + "/"):
        return False  # a section the article is filed under
    last = path.rsplit("/", 1)[-1]
    return looks_like_article(alias) or last == own_path.rsplit("/", 1)[-1]


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
    site = _site(urlsplit(page_url).hostname or "")
    pattern = re.compile(link_pattern) if link_pattern else None
    page_key = url_key(page_url)
    seen: set[str] = set()
    out: list[str] = []
    for href in _candidate_hrefs(sel, link_selector):
        url = urljoin(base_url, href.strip())
        if not is_web_url(url):
            continue
        host = _site(urlsplit(url).hostname or "")
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
