"""Pure: unsent hits -> the digest's content, grouped by watchlist."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.dedup import is_web_url
from monitor.matching import Snippet
from monitor.store.queries import HitRow

_HEADER_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:()+-]")


@dataclass(frozen=True)
class Entry:
    hit_id: int
    title: str
    url: str | None  # None when the URL is not http(s): it is then shown, never linked
    shown_url: str
    source: str
    published: datetime | None
    matched: tuple[str, ...]
    snippet: Snippet


@dataclass(frozen=True)
class Group:
    watchlist: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class DigestContent:
    groups: tuple[Group, ...]
    generated_at: datetime

    @property
    def hit_ids(self) -> list[int]:
        return [e.hit_id for g in self.groups for e in g.entries]

    @property
    def total(self) -> int:
        return sum(len(g.entries) for g in self.groups)

    def subject(self) -> str:
        """Counts and watchlist names only: feed text never goes into a header."""
        parts = ", ".join(f"{header_safe(g.watchlist)} {len(g.entries)}" for g in self.groups)
        noun = "hit" if self.total == 1 else "hits"
        return f"News monitor: {self.total} new {noun} ({parts})"


def header_safe(text: str) -> str:
    return _HEADER_UNSAFE.sub("", text)[:64]


def build_digest(hits: Sequence[HitRow], watchlists: Sequence[str], now: datetime) -> DigestContent:
    """Group hits by watchlist, in the configuration's order (unknown ones last), newest
    first within each."""
    order = {name: i for i, name in enumerate(watchlists)}
    by_list: dict[str, list[HitRow]] = {}
    for h in hits:
        by_list.setdefault(h.watchlist, []).append(h)
    groups = []
    for name in sorted(by_list, key=lambda n: (order.get(n, len(order)), n)):
        rows = sorted(by_list[name], key=lambda h: h.published or h.first_seen, reverse=True)
        groups.append(
            Group(
                name,
                tuple(
                    Entry(
                        hit_id=h.id,
                        title=h.title or h.url,
                        url=h.url if is_web_url(h.url) else None,
                        shown_url=h.url,
                        source=h.source,
                        published=h.published or h.first_seen,
                        matched=tuple(h.matched),
                        snippet=Snippet(h.snippet, tuple((a, b) for a, b in h.highlights)),
                    )
                    for h in rows
                ),
            )
        )
    return DigestContent(tuple(groups), now)
