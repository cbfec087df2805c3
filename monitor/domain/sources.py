"""A source as the store keeps it, the outcome of one check, and its state (ok, failing,
broken, new): the rule `monitor sources`, `monitor status`, the web view and the digest's
"needs attention" all apply."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from monitor.domain.times import iso

SourceState = Literal["ok", "failing", "broken", "new"]


@dataclass(frozen=True)
class SourceSpec:
    """What the store keeps of a configured source: its name, kind, address and the
    interval between checks (the rest of its settings are the crawl's)."""

    name: str
    kind: str  # "feed" | "section" | "sitemap" | "site"
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
    discovered: list[Finding] | None = None  # a site source's new discovery, to keep
    # False: the response's validators say nothing of what was listed (a site, a sitemap
    # index whose children change): none are kept, the next check fetches it all again.
    conditional: bool = True


#: A site source's discovery is done again this often (and whenever what it uses breaks).
REDISCOVER_AFTER = timedelta(days=7)
#: Blocked or thin pages this recent put a source in the "needs attention" list.
PAGE_TROUBLE_WINDOW = timedelta(days=1)

FindingKind = Literal["feed", "sitemap", "section"]


@dataclass
class Finding:
    """What discovery found on a site (issue #16): a feed, a news sitemap (or an index
    leading to one), or the homepage as a section page; how it was found, its entries and
    newest date when checked, and whether the site source uses it."""

    kind: FindingKind
    url: str
    how: str  # "announced on the homepage", "robots.txt", "conventional path", ...
    entries: int = 0
    newest: datetime | None = None
    used: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "how": self.how,
            "entries": self.entries,
            "newest": iso(self.newest),
            "used": self.used,
        }


def findings_to_json(findings: list[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings])


def findings_from_json(value: str | None) -> list[Finding]:
    """What the store kept; [] for nothing (or something unreadable: discover again)."""
    if not value:
        return []
    try:
        raw = json.loads(value)
        return [
            Finding(
                kind=d["kind"],
                url=d["url"],
                how=d.get("how", ""),
                entries=int(d.get("entries") or 0),
                newest=datetime.fromisoformat(d["newest"]) if d.get("newest") else None,
                used=bool(d.get("used")),
            )
            for d in raw
        ]
    except (ValueError, KeyError, TypeError):
        return []


def describe_findings(findings: list[Finding]) -> str:
    """ "site: feed URL, news sitemap URL" for `monitor sources`: the used findings."""
    names = {"feed": "feed", "sitemap": "news sitemap", "section": "homepage as section"}
    used = [f"{names[f.kind]} {f.url}" for f in findings if f.used]
    if not findings:
        return "site: not discovered yet"
    return "site: " + (", ".join(used) if used else "nothing usable found")


def discovery_due(discovered_at: datetime | None, now: datetime, broken: bool) -> bool:
    """Discover a site again: never done, a week old, or what it uses broke."""
    return broken or discovered_at is None or now - discovered_at >= REDISCOVER_AFTER


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
