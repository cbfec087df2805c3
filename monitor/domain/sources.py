"""A source as the store keeps it, the outcome of one check, and its state (ok, failing,
broken, new): the rule `monitor sources`, `monitor status`, the web view and the digest's
"needs attention" all apply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

SourceState = Literal["ok", "failing", "broken", "new"]


@dataclass(frozen=True)
class SourceSpec:
    """What the store keeps of a configured source: its name, kind, address and the
    interval between checks (the rest of its settings are the crawl's)."""

    name: str
    kind: str  # "feed" | "section"
    url: str
    interval: timedelta


@dataclass
class SourceStatus:
    """The outcome of fetching a source's feed or section page."""

    source: str
    error: str | None
    entries: int | None = None  # entries in the feed / article links on the page
    new: int = 0  # of which not yet stored, so fetched now
    not_modified: bool = False  # 304, or the same body as last time: nothing parsed
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait (429, 503)
    gone: bool = False  # 410 Gone: the source is broken until its URL changes
    moved_to: str | None = None  # the new URL after a permanent redirect (301, 308)


def source_state(
    *,
    failures: int,
    gone: bool,
    failing_since: datetime | None,
    last_error_at: datetime | None,
    last_success_at: datetime | None,
    now: datetime,
    broken_after: timedelta,
) -> SourceState:
    """ok, failing, broken (410 Gone, or failing for ``broken_after`` or longer), or new
    (never checked successfully nor failing). ``failures``: checks failed in a row."""
    if failures:
        if gone:
            return "broken"
        since = failing_since or last_error_at
        if since is not None and now - since >= broken_after:
            return "broken"
        return "failing"
    return "ok" if last_success_at else "new"
