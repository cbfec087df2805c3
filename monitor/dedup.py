"""Pure: the key that makes one article of every URL that reaches the same story.

courlan removes tracking parameters (utm_*, fbclid, gclid, ...), default ports and sorts the
query; we then drop the fragment and treat http/https and a leading ``www.`` as the same.
"""

from __future__ import annotations

import hashlib
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


def url_key(url: str) -> str:
    """A stable key for the article at ``url``: scheme- and ``www.``-insensitive."""
    parts = urlsplit(canonical_url(url))
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    ident = host + path + ("?" + parts.query if parts.query else "")
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]


def content_hash(*parts: str | None) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update((p or "").encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]
