"""Pure time arithmetic for the daemon: digest slots in the user's zone, kept in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo


def slot_on(day: datetime, at: dtime, zone: ZoneInfo) -> datetime:
    """The digest time on the local calendar day of ``day``, in UTC. On a DST day a time
    that does not exist (spring forward) or exists twice (fall back) resolves by fold=0, so
    each day has exactly one slot."""
    local_day = day.astimezone(zone).date()
    local = datetime.combine(local_day, at, tzinfo=zone)
    # Round-trip through UTC: a nonexistent local time becomes the real instant after the gap.
    return local.astimezone(UTC)


def latest_slot(now: datetime, at: dtime, zone: ZoneInfo) -> datetime:
    """The most recent digest time at or before ``now``."""
    today = slot_on(now, at, zone)
    if today <= now:
        return today
    return slot_on(now.astimezone(zone) - timedelta(days=1), at, zone)


def next_slot(now: datetime, at: dtime, zone: ZoneInfo) -> datetime:
    today = slot_on(now, at, zone)
    if today > now:
        return today
    return slot_on(now.astimezone(zone) + timedelta(days=1), at, zone)
