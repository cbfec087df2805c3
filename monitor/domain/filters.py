"""What a user asks of the hit archive, as one value: the command line and the web view fill
the same :class:`HitFilter`, so both answer the same question the same way."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from monitor.errors import MonitorError

Sort = Literal["time", "relevance"]
Per = Literal["copy", "story"]


class BadCursor(MonitorError):
    """A paging cursor that this query did not hand out (edited, or from another sort)."""

    exit_code = 2


@dataclass(frozen=True)
class HitFilter:
    watchlists: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None  # hits found at or after
    until: datetime | None = None  # hits found before
    terms: tuple[str, ...] = ()  # any of these matched terms (case-insensitive)
    updated_only: bool = False  # only hits whose article changed after the hit was found
    story: int | None = None  # only the copies of this story
    per: Per = "copy"  # "story": the first copy of each story, with how many there are
    search: str | None = None  # full-text, every word in the title or text
    langs: tuple[str, ...] = ()  # articles in any of these languages (ISO 639-1)
    removed: bool = False  # only hits whose article the publisher removed
    sort: Sort = "time"

    def __post_init__(self) -> None:
        if self.sort == "relevance" and not (self.search and self.search.strip()):
            raise MonitorError("sorting by relevance needs a full-text search (--search)")


@dataclass(frozen=True)
class Cursor:
    """Where the previous page stopped: the sort key of its last row (keyset paging, so a
    page deep in millions of hits costs what the first one does), or an offset for
    relevance, whose key is a score the database computes per query."""

    sort: str  # "time", "article" (full-text, newest article first) or "relevance"
    key: tuple[Any, ...] = field(default_factory=tuple)

    def encode(self) -> str:
        raw = json.dumps([self.sort, list(self.key)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            sort, key = json.loads(raw)
            if not isinstance(sort, str) or not isinstance(key, list):
                raise ValueError(sort)
            for k in key:
                if not isinstance(k, int | str | float):
                    raise ValueError(k)
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise BadCursor(f"{text[:40]!r} is not a cursor handed out by this query") from None
        return cls(sort, tuple(key))
