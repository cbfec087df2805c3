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


#: How far back a source's publishing rate is measured.
RATE_WINDOW = timedelta(days=7)
#: Less than this much history says nothing about a source's rate: keep its base interval.
MIN_HISTORY = timedelta(days=1)
#: Checks per article a source publishes: a source with 6 articles a day is checked every
#: hour (1 day / 6 / 4), so a story waits about a quarter of the gap between stories.
CHECKS_PER_ARTICLE = 4


def adaptive_interval(
    base: timedelta, maximum: timedelta, new_articles: int, history: timedelta
) -> timedelta:
    """How long to wait before the next check of a source that answered: the configured
    interval for a busy source, up to ``maximum`` for one that rarely publishes anything new.
    ``new_articles`` were first seen through it over the last ``history`` (at most a week)."""
    if maximum <= base or history < MIN_HISTORY:
        return base
    if new_articles <= 0:
        return maximum
    return min(maximum, max(base, history / new_articles / CHECKS_PER_ARTICLE))
