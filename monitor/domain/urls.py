"""Pure: the key that makes one article of every URL that reaches the same story.

courlan removes tracking parameters (utm_*, fbclid, gclid, ...), default ports and sorts the
query; we then drop the fragment and treat http/https, a leading ``www.``, mobile hosts
(``m.``, ``mobile.``, ``amp.``) and AMP variants (``/amp/``, ``/amp``, ``?outputType=amp``,
``?amp=1``) as the same page.
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
