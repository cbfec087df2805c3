"""Pure time arithmetic: digest slots in the user's zone, kept in UTC; how often a source is
checked, and how long a source or a recipient waits after failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from email.utils import parsedate_to_datetime
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


#: The longest a failing source waits between checks.
MAX_BACKOFF = timedelta(days=1)


def backoff(base: timedelta, failures: int, limit: timedelta, *, doublings: int = 20) -> timedelta:
    """The wait after ``failures`` failures in a row: ``base``, doubled for each failure after
    the first (at most ``doublings`` times, which keeps the arithmetic finite), at most
    ``limit``."""
    return min(base * 2 ** min(failures - 1, doublings), limit)


def failure_delay(interval: timedelta, failures: int, retry_after: float | None) -> timedelta:
    """How long a source that failed its last ``failures`` checks waits before the next: an
    exponential backoff from its interval, at most MAX_BACKOFF; at least what the server's
    Retry-After asked (seconds; that too at most MAX_BACKOFF), and never less than the
    interval."""
    delay = backoff(interval, failures, MAX_BACKOFF)
    if retry_after:
        delay = max(delay, min(timedelta(seconds=retry_after), MAX_BACKOFF))
    return max(delay, interval)


#: The longest wait between retries of a recipient whose digest could not be delivered.
MAX_RETRY = timedelta(hours=6)


def delivery_retry_delay(retry: timedelta, failures: int) -> timedelta:
    """How long a recipient whose last ``failures`` deliveries failed waits before the
    next attempt: ``retry`` (the configured wait), doubling, at most MAX_RETRY."""
    return backoff(retry, failures, MAX_RETRY, doublings=16)


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Seconds a Retry-After header asks to wait: a number of seconds, or an HTTP date
    (then counted from ``now``, never negative); None when it is neither."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def weekly_slot(now: datetime, at: dtime, weekday: int, zone: ZoneInfo) -> datetime:
    """The most recent weekly digest time (``weekday`` 0 is Monday) at or before ``now``."""
    local = now.astimezone(zone)
    day = local - timedelta(days=(local.weekday() - weekday) % 7)
    slot = slot_on(day, at, zone)
    return slot if slot <= now else slot_on(day - timedelta(days=7), at, zone)


def in_quiet_hours(now: datetime, quiet: tuple[dtime, dtime] | None, zone: ZoneInfo) -> bool:
    """Whether the local time falls in [start, end); a range may wrap midnight (22:00-07:00)."""
    if quiet is None:
        return False
    t = now.astimezone(zone).time()
    start, end = quiet
    return start <= t < end if start <= end else (t >= start or t < end)


def latest_due_slot(now: datetime, schedule: str, at: dtime, day: int, zone: ZoneInfo) -> datetime:
    if schedule == "weekly":
        return weekly_slot(now, at, day, zone)
    return latest_slot(now, at, zone)


def following_slot(now: datetime, schedule: str, at: dtime, day: int, zone: ZoneInfo) -> datetime:
    """The first scheduled time after ``now``."""
    if schedule == "weekly":
        return weekly_slot(now + timedelta(days=7), at, day, zone)
    return next_slot(now, at, zone)


def digest_due(
    *,
    now: datetime,
    schedule: str,
    at: dtime,
    day: int,
    zone: ZoneInfo,
    every: timedelta,
    quiet: tuple[dtime, dtime] | None,
    start: datetime,
    last_slot_at: datetime | None,
    last_sent_at: datetime | None,
    next_attempt_at: datetime | None,
) -> tuple[bool, datetime | None]:
    """(due, the scheduled time it serves). A daily or weekly digest is due once its latest
    slot is later than the last one served (so a slot missed while the daemon was down is
    sent once, late); an immediate alert at most once per ``every``. Nothing is due during
    the recipient's quiet hours (it goes out when they end) or before a failed attempt's
    retry time. A recipient never served is due for slots after ``start``."""
    if next_attempt_at is not None and now < next_attempt_at:
        return False, None
    if in_quiet_hours(now, quiet, zone):
        return False, None
    if schedule == "immediate":
        return last_sent_at is None or now - last_sent_at >= every, None
    slot = latest_due_slot(now, schedule, at, day, zone)
    served = last_slot_at if last_slot_at is not None else start
    return slot > served, slot
