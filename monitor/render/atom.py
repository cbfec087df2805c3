"""Atom feeds of hits (RFC 4287), so a watchlist can be followed in any feed reader.

Built with ElementTree, which escapes text and attributes itself; feed text is hostile, so
characters XML 1.0 cannot carry are dropped and only http(s) links become ``<link>``s.
One entry per article: in the feed of all watchlists an article caught by three of them is
one entry with three categories, not three entries.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from monitor import __version__
from monitor.domain.urls import is_web_url

if TYPE_CHECKING:  # annotations only: the renderers open no store
    from monitor.store.hits import ListedHit

ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _when(d: datetime) -> str:
    return d.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class _Entry:
    first: ListedHit
    watchlists: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def _group(hits: Sequence[ListedHit], limit: int) -> list[_Entry]:
    entries: dict[int, _Entry] = {}
    for h in hits:
        e = entries.get(h.article_id)
        if e is None:
            if len(entries) == limit:
                continue
            e = entries[h.article_id] = _Entry(h)
        if h.watchlist not in e.watchlists:
            e.watchlists.append(h.watchlist)
        e.terms.extend(t for t in h.matched if t not in e.terms)
    return list(entries.values())


def build_feed(
    hits: Sequence[ListedHit],
    *,
    watchlist: str | None,
    limit: int = 50,
    self_url: str | None = None,
    site_url: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The feed of ``watchlist`` (None: all watchlists) from its latest hits, newest first."""
    ET.register_namespace("", ATOM)
    name = watchlist or "all watchlists"
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = _text(text)
        return el

    entries = _group(hits, limit)
    updated = max((e.first.created or e.first.first_seen for e in entries), default=None)
    sub(feed, "id", f"urn:news-monitor:feed:{watchlist or 'all'}")
    sub(feed, "title", f"News monitor: {name}")
    sub(feed, "updated", _when(updated or now or datetime.now(UTC)))
    author = sub(feed, "author")
    sub(author, "name", "news-monitor")
    sub(feed, "generator", "news-monitor", version=__version__)
    if self_url:
        sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    if site_url:
        sub(feed, "link", rel="alternate", href=site_url, type="text/html")
    for e in entries:
        h = e.first
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:news-monitor:article:{h.article_id}")
        sub(entry, "title", h.title or "(no title)")
        if is_web_url(h.url):
            sub(entry, "link", rel="alternate", href=_text(h.url), type="text/html")
        sub(entry, "updated", _when(h.created or h.first_seen))
        if h.published:
            sub(entry, "published", _when(h.published))
        for w in e.watchlists:
            sub(entry, "category", term=_text(w))
        sub(entry, "summary", f"{h.source}: {h.snippet}", type="text")
        if e.terms:
            sub(entry, "content", f"Matched: {', '.join(e.terms)}\n\n{h.snippet}", type="text")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
