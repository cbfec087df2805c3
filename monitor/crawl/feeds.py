"""Pure: feed bytes -> entries. feedparser gets the raw bytes and the headers, never a URL
(it would fetch it itself) and never decoded text (a lying charset header would garble it).

JSON Feed (https://www.jsonfeed.org/version/1.1/) is read here too: feedparser 6.0 does not
parse it (it reports "not well-formed" and no entries), so a body that is a JSON object is
read by ``parse_json_feed``, which knows the few fields an entry needs."""

from __future__ import annotations

import json
import re
from calendar import timegm
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.html
from lxml.etree import ParserError

from monitor.domain.times import parse_iso
from monitor.domain.urls import is_web_url

MAX_ENTRIES = 1000
# feedparser's expat-based parser would expand internal entities ("billion laughs");
# a news feed has no business declaring any, so such a feed is refused unparsed.
_BLOCK_END = re.compile(r"(<br\s*/?>|</(?:p|div|li|h[1-6]|tr|td|blockquote)>)", re.I)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    link: str
    title: str | None
    summary: str | None
    published_at: datetime | None


@dataclass(frozen=True)
class FeedResult:
    entries: list[Entry]
    error: str | None = None  # fatal: no usable entries
    warning: str | None = None  # feedparser's bozo message on a feed that still had entries
    skipped_links: int = 0  # entries without a usable http(s) link


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment (feed summaries are often HTML)."""
    if not fragment or not fragment.strip():
        return None
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    fragment = _BLOCK_END.sub(r"\1 ", fragment)  # "<p>A</p><p>B</p>" is "A B", not "AB"
    try:
        text = lxml.html.fromstring(fragment).text_content()
    except (ParserError, ValueError):
        return " ".join(fragment.split())
    return " ".join(text.split()) or None


def _published(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            try:
                return datetime.fromtimestamp(timegm(t), UTC)
            except (OverflowError, ValueError):
                continue
    return None


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> FeedResult:
    if not body.strip():
        return FeedResult([], error="empty response: the server sent no feed")
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return parse_json_feed(body, url)
    if _ENTITY_DECL.search(body[:65536]):
        return FeedResult(
            [],
            error="refused: the feed declares XML entities "
            "(never expanded, to stay safe from entity attacks)",
        )
    parsed = feedparser.parse(
        body, response_headers=dict(headers), sanitize_html=True, resolve_relative_uris=False
    )
    warning = None
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        warning = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    if not parsed.entries:
        if parsed.bozo and not parsed.feed.get("title"):
            return FeedResult([], error=f"not a feed ({warning})")
        return FeedResult([], warning=warning)
    entries = []
    skipped = 0
    for e in parsed.entries[:MAX_ENTRIES]:
        link = (e.get("link") or "").strip()
        link = urljoin(url, link) if link else ""
        if not link or not is_web_url(link):
            skipped += 1  # file:, javascript:, mailto: ... are never followed
            continue
        entries.append(
            Entry(
                link=link,
                title=html_to_text(e.get("title")),
                summary=html_to_text(e.get("summary") or e.get("description")),
                published_at=_published(e),
            )
        )
    if not entries:
        return FeedResult(
            [],
            error=f"the feed has {len(parsed.entries)} entries but none with an http(s) link",
            warning=warning,
            skipped_links=skipped,
        )
    return FeedResult(entries, warning=warning, skipped_links=skipped)


def parse_json_feed(body: bytes, url: str) -> FeedResult:
    """A JSON Feed's items: ``url`` (else ``external_url``), ``title``, ``summary`` (else
    ``content_text``, else ``content_html`` as text), ``date_published`` (else
    ``date_modified``)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return FeedResult([], error=f"not a feed (JSON: {exc})")
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list) or "jsonfeed.org" not in str(doc.get("version", "")):
        return FeedResult([], error="not a feed (JSON, but not a JSON Feed)")
    entries: list[Entry] = []
    skipped = 0
    for item in items[:MAX_ENTRIES]:
        if not isinstance(item, dict):
            skipped += 1
            continue
        link = _json_str(item, "url") or _json_str(item, "external_url") or ""
        link = urljoin(url, link.strip()) if link.strip() else ""
        if not link or not is_web_url(link):
            skipped += 1
            continue
        summary = _json_str(item, "summary") or _json_str(item, "content_text")
        entries.append(
            Entry(
                link=link,
                title=html_to_text(_json_str(item, "title")),
                summary=html_to_text(summary or _json_str(item, "content_html")),
                published_at=parse_iso(
                    _json_str(item, "date_published") or _json_str(item, "date_modified")
                ),
            )
        )
    if items and not entries:
        return FeedResult(
            [],
            error=f"the feed has {len(items)} entries but none with an http(s) link",
            skipped_links=skipped,
        )
    return FeedResult(entries, skipped_links=skipped)


def _json_str(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) and value.strip() else None
