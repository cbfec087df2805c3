"""Pure: unsent hits -> the digest's content, grouped by watchlist."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.domain.urls import is_web_url
from monitor.matching import Snippet
from monitor.store.articles import StoryCopy
from monitor.store.hits import HitRow

_HEADER_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:()+-]")


@dataclass(frozen=True)
class Entry:
    """One story: its earliest copy among the hits, the other outlets that ran it."""

    hit_ids: tuple[int, ...]  # every hit this entry covers, marked sent together
    title: str
    url: str | None  # None when the URL is not http(s): it is then shown, never linked
    shown_url: str
    source: str
    published: datetime | None
    matched: tuple[str, ...]
    snippet: Snippet
    updated: bool = False  # changed since it was last sent
    removed: bool = False  # the publisher removed it (monitor.store.rechecks)
    also: tuple[str, ...] = ()  # other outlets that reported the same story


@dataclass(frozen=True)
class Group:
    watchlist: str
    entries: tuple[Entry, ...]
    more: int = 0  # hits beyond those shown (the digest's cap), counted only
    more_since: str = ""  # the UTC date of the oldest of them, for `monitor hits --since`

    @property
    def count(self) -> int:
        """Stories shown, plus the hits only counted."""
        return len(self.entries) + self.more

    def more_command(self) -> str:
        return f"monitor hits --watchlist {self.watchlist} --since {self.more_since}"


@dataclass(frozen=True)
class Attention:
    """A source that is failing or broken, or whose article pages were blocked or thin, for
    the digest's "needs attention" section."""

    source: str
    state: str
    since: datetime | None
    error: str


@dataclass(frozen=True)
class Trend:
    """A watchlist's count in this digest beside its usual one for the same span."""

    watchlist: str
    count: int
    usual: float

    @property
    def rising(self) -> bool:
        """Far above usual: at least twice, and by at least three."""
        return self.count >= 2 * self.usual and self.count - self.usual >= 3

    def text(self) -> str:
        noun = "hit" if self.count == 1 else "hits"
        usual = f"{self.usual:.0f}" if self.usual >= 1 or self.usual == 0 else "under 1"
        return f"{self.watchlist}: {self.count} {noun}, usual is {usual}"


@dataclass(frozen=True)
class DigestContent:
    groups: tuple[Group, ...]
    generated_at: datetime
    attention: tuple[Attention, ...] = ()
    kind: str = "digest"  # digest | alert
    trends: tuple[Trend, ...] = ()
    busiest: tuple[tuple[str, int], ...] = ()  # sources with the most entries, most first

    @property
    def hit_ids(self) -> list[int]:
        return [i for g in self.groups for e in g.entries for i in e.hit_ids]

    @property
    def total(self) -> int:
        """Stories, counting syndicated copies once; and the hits beyond the cap."""
        return sum(g.count for g in self.groups)

    def subject(self) -> str:
        """Counts and watchlist names only: feed text never goes into a header."""
        title = "News monitor alert" if self.kind == "alert" else "News monitor"
        if not self.groups:
            return f"{title}: no new hits"
        parts = ", ".join(f"{header_safe(g.watchlist)} {g.count:,}" for g in self.groups)
        noun = "hit" if self.total == 1 else "hits"
        return f"{title}: {self.total:,} new {noun} ({parts})"


#: Titles longer than this (a broken or hostile feed) are cut for the digest.
MAX_TITLE = 300


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def header_safe(text: str) -> str:
    return _HEADER_UNSAFE.sub("", text)[:64]


def build_digest(
    hits: Sequence[HitRow],
    watchlists: Sequence[str],
    now: datetime,
    copies: Mapping[int, Sequence[StoryCopy]] | None = None,
    attention: Sequence[Attention] = (),
    *,
    usual: Mapping[str, float] | None = None,
    kind: str = "digest",
    more: Mapping[str, int] | None = None,
    oldest: Mapping[str, datetime] | None = None,
) -> DigestContent:
    """Group hits by watchlist, in the configuration's order (unknown ones last), then by
    story: syndicated copies are one entry, shown by their earliest copy, with the other
    outlets named. Newest stories first. ``more``: hits beyond the shown ones, counted
    (watchlist -> how many), ``oldest`` when the oldest of them became due."""
    copies = copies or {}
    more = more or {}
    oldest = oldest or {}
    order = {name: i for i, name in enumerate(watchlists)}
    by_list: dict[str, dict[object, list[HitRow]]] = {}
    for h in hits:
        story: object = h.story_id if h.story_id is not None else ("url", h.url)
        by_list.setdefault(h.watchlist, {}).setdefault(story, []).append(h)
    groups = []
    for name in sorted(by_list, key=lambda n: (order.get(n, len(order)), n)):
        entries = [_entry(rows, copies) for rows in by_list[name].values()]
        entries.sort(key=lambda e: e.published or now, reverse=True)
        since = oldest.get(name, now).astimezone(UTC).date().isoformat()
        groups.append(Group(name, tuple(entries), more.get(name, 0), since))
    per_source = Counter(e.source for g in groups for e in g.entries)
    trends = tuple(
        Trend(g.watchlist, sum(len(e.hit_ids) for e in g.entries) + g.more, usual[g.watchlist])
        for g in groups
        if usual is not None and g.watchlist in usual
    )
    return DigestContent(
        tuple(groups),
        now,
        tuple(attention),
        kind=kind,
        trends=trends,
        busiest=tuple(per_source.most_common(5)),
    )


def _entry(rows: list[HitRow], copies: Mapping[int, Sequence[StoryCopy]]) -> Entry:
    first = min(rows, key=lambda h: (h.published or h.first_seen, h.id))
    story = copies.get(first.story_id, []) if first.story_id is not None else []
    others = tuple(dict.fromkeys(c.source for c in story if c.source != first.source))
    earliest = min(
        [c.published for c in story if c.published] + [first.published or first.first_seen]
    )
    return Entry(
        hit_ids=tuple(h.id for h in rows),
        title=_shorten(first.title or first.url, MAX_TITLE),
        url=first.url if is_web_url(first.url) else None,
        shown_url=first.url,
        source=first.source,
        published=earliest,
        matched=tuple(dict.fromkeys(t for h in rows for t in h.matched)),
        snippet=Snippet(first.snippet, tuple((a, b) for a, b in first.highlights)),
        updated=any(h.updated for h in rows),
        removed=any(h.removed is not None for h in rows),
        also=others,
    )
