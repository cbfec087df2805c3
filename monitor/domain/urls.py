"""Pure: the key that makes one article of every URL that reaches the same story, and what
an article's URL looks like.

courlan removes tracking parameters (utm_*, fbclid, gclid, ...), default ports and sorts the
query; we then drop the fragment and treat http/https, a leading ``www.``, mobile hosts
(``m.``, ``mobile.``, ``amp.``) and AMP variants (``/amp/``, ``/amp``, ``?outputType=amp``,
``?amp=1``) as the same page.

An article's URL, by its shape: a date in the path, a numeric id or a long slug, and not a
listing (tags, authors, login, search, pages); the section-page link finder
(``monitor.crawl.links``) and the canonical-URL check (``plausible_alias``) both ask it.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

ALLOWED_SCHEMES = ("http", "https")


def is_web_url(url: str) -> bool:
    """Only http(s) URLs are ever fetched or rendered as links."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_SCHEMES and bool(parts.hostname)


# A crawl computes the key of a feed entry's link to ask which are known, then the store
# needs the same link's again: a small cache of the last URLs (about 0.2 KB an entry).
@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The URL with tracking parameters, default port and fragment removed."""
    url = url.strip()
    try:
        normalized = normalize_url(url, strict=False)
    except (ValueError, TypeError):
        normalized = url
    parts = urlsplit(normalized)
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
_AMP_PATH = re.compile(r"(^/amp(?=/)|/amp/?$|\.amp(?=\.html?$|$))", re.IGNORECASE)
_AMP_PARAMS = {"outputtype", "amp", "amp_js_v", "usqp"}


def url_key(url: str) -> str:
    """A stable key for the article at ``url``: scheme-, host-variant- and AMP-insensitive."""
    return canonical_key(canonical_url(url))


def canonical_key(canonical: str) -> str:
    """``url_key`` of a URL already made ``canonical_url``."""
    parts = urlsplit(canonical)
    host = parts.netloc
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    path = _AMP_PATH.sub("", parts.path).rstrip("/") or "/"
    query = "&".join(
        p for p in parts.query.split("&") if p and p.split("=", 1)[0].lower() not in _AMP_PARAMS
    )
    ident = host + path + ("?" + query if query else "")
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]


def content_hash(*parts: str | None) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update((p or "").encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


# Paths, queries and files that are listings, accounts or assets, never an article.
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


def site_of(host: str) -> str:
    """The site a host belongs to, for "same site" comparisons: lower case, no ``www.``."""
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
    same_site = site_of(a.hostname or "") == site_of(own.hostname or "")
    if same_site and own_path.startswith(path + "/"):
        return False  # a section the article is filed under
    last = path.rsplit("/", 1)[-1]
    return looks_like_article(alias) or last == own_path.rsplit("/", 1)[-1]


def is_homepage(url: str) -> bool:
    """A site's front page (where publishers send the links of articles they removed)."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query
