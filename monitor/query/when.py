"""Times as users write them in a filter: ``2d``, ``12h``, a date or an ISO time (UTC unless
given). The one parser of the command line's ``--since`` and ``--until`` and of the web view's
filters, so both read a time the same way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from monitor.config import parse_duration
from monitor.errors import MonitorError

_AGO = re.compile(r"\d+(\.\d+)?\s*[smhdw]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_when(text: str, *, end: bool = False, now: datetime | None = None) -> datetime:
    """A point in time; with ``end``, a bare date means the end of that day."""
    text = text.strip()
    if _AGO.fullmatch(text):
        return (now or datetime.now(UTC)) - parse_duration(text)
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        raise MonitorError(
            f"{text[:40]!r}: give a duration like 2d or 12h, or a date like 2026-11-01"
        ) from None
    d = d.replace(tzinfo=UTC) if d.tzinfo is None else d
    return d + timedelta(days=1) if end and _DATE.fullmatch(text) else d
