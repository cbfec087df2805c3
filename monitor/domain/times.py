"""Times as the archive's JSON, JSONL and CSV write them."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(d: datetime | None) -> str | None:
    """A time for JSON output (ISO 8601 with its offset), or null."""
    return d.isoformat() if d else None


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 / RFC 3339 time as pages, JSON Feed and sitemaps write it (a day, or a
    time with an offset or "Z"), in UTC; None when absent or not such a time."""
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)
