"""Times as the archive's JSON, JSONL and CSV write them."""

from __future__ import annotations

from datetime import datetime


def iso(d: datetime | None) -> str | None:
    """A time for JSON output (ISO 8601 with its offset), or null."""
    return d.isoformat() if d else None
