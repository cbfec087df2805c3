from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.domain.schedule import (
    MAX_BACKOFF,
    MAX_RETRY,
    adaptive_interval,
    delivery_retry_delay,
    digest_due,
    failure_delay,
    following_slot,
    latest_slot,
    next_slot,
    parse_retry_after,
    slot_on,
)

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3, no DST
BERLIN = ZoneInfo("Europe/Berlin")


def test_latest_and_next_slot() -> None:
    at = time(7, 0)
    before = datetime(2026, 11, 27, 3, 59, tzinfo=UTC)  # 06:59 in Moscow
    after = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 07:00 in Moscow
    assert latest_slot(before, at, MOSCOW) == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
    assert latest_slot(after, at, MOSCOW) == after
    assert next_slot(before, at, MOSCOW) == after
    assert next_slot(after, at, MOSCOW) == after + timedelta(days=1)


def test_spring_forward_gap_has_one_slot() -> None:
    # 2026-03-29 02:30 does not exist in Berlin: the clock jumps from 02:00 to 03:00.
    at = time(2, 30)
    slot = slot_on(datetime(2026, 3, 29, 12, tzinfo=UTC), at, BERLIN)
    assert slot.astimezone(BERLIN).date().isoformat() == "2026-03-29"
    day_before = slot_on(datetime(2026, 3, 28, 12, tzinfo=UTC), at, BERLIN)
    day_after = slot_on(datetime(2026, 3, 30, 12, tzinfo=UTC), at, BERLIN)
    assert day_before < slot < day_after
    assert latest_slot(slot + timedelta(minutes=1), at, BERLIN) == slot


def test_fall_back_repeated_hour_has_one_slot() -> None:
    # 2026-10-25 02:30 happens twice in Berlin; the digest goes once, at the first.
    at = time(2, 30)
    slot = slot_on(datetime(2026, 10, 25, 12, tzinfo=UTC), at, BERLIN)
    assert slot == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_pass = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, an hour later
    assert latest_slot(second_pass, at, BERLIN) == slot
    assert next_slot(second_pass, at, BERLIN) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_adaptive_interval_bounds() -> None:
    base, top, day = timedelta(minutes=30), timedelta(hours=6), timedelta(days=1)
    assert adaptive_interval(base, top, 0, timedelta(hours=23)) == base  # too little history
    assert adaptive_interval(base, top, 0, 7 * day) == top
    assert adaptive_interval(base, top, 7, 7 * day) == top  # one a day: 6 hours, capped
    assert adaptive_interval(base, top, 28, 7 * day) == timedelta(hours=1, minutes=30)
    assert adaptive_interval(base, top, 10_000, 7 * day) == base
    assert adaptive_interval(base, base, 0, 7 * day) == base  # adapting switched off


BERLIN = ZoneInfo("Europe/Berlin")


def due_at(now: datetime, **kw: object) -> tuple[bool, datetime | None]:
    args: dict[str, object] = {
        "schedule": "daily",
        "at": time(7, 0),
        "day": 0,
        "zone": BERLIN,
        "every": timedelta(minutes=15),
        "quiet": None,
        "start": datetime(2026, 11, 1, tzinfo=UTC),
        "last_slot_at": None,
        "last_sent_at": None,
        "next_attempt_at": None,
    }
    args.update(kw)
    return digest_due(now=now, **args)  # type: ignore[arg-type]


def test_daily_digest_is_due_once_per_local_slot() -> None:
    slot = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 07:00 in Berlin (CET)
    assert due_at(slot - timedelta(minutes=1), last_slot_at=slot - timedelta(days=1))[0] is False
    assert due_at(slot, last_slot_at=slot - timedelta(days=1)) == (True, slot)
    assert due_at(slot + timedelta(hours=5), last_slot_at=slot)[0] is False  # served
    # The daemon was down for three days: one digest, for the latest slot.
    assert due_at(slot + timedelta(days=3, hours=1), last_slot_at=slot) == (
        True,
        slot + timedelta(days=3),
    )


def test_weekly_digest_on_its_day() -> None:
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    kw = {"schedule": "weekly", "at": time(8, 0), "day": 0}
    assert due_at(monday + timedelta(days=3), last_slot_at=monday, **kw)[0] is False
    assert due_at(monday + timedelta(days=7), last_slot_at=monday, **kw) == (
        True,
        monday + timedelta(days=7),
    )
    assert following_slot(monday, "weekly", time(8, 0), 0, BERLIN) == monday + timedelta(days=7)


def test_immediate_alerts_are_batched() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    kw = {"schedule": "immediate"}
    assert due_at(now, **kw) == (True, None)
    assert due_at(now, last_sent_at=now - timedelta(minutes=5), **kw)[0] is False
    assert due_at(now, last_sent_at=now - timedelta(minutes=15), **kw)[0] is True


def test_quiet_hours_hold_until_they_end_across_midnight() -> None:
    quiet = (time(22, 0), time(7, 30))
    late = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    kw = {"schedule": "immediate", "quiet": quiet}
    assert due_at(late, **kw)[0] is False
    assert due_at(late + timedelta(hours=7), **kw)[0] is False  # 06:30 local
    assert due_at(late + timedelta(hours=8), **kw)[0] is True  # 07:30 local
    # A 07:00 digest inside quiet hours goes out when they end.
    slot = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    served = slot - timedelta(days=1)
    assert due_at(slot, quiet=quiet, last_slot_at=served)[0] is False
    assert due_at(slot + timedelta(minutes=30), quiet=quiet, last_slot_at=served) == (True, slot)


def test_a_failed_attempt_waits_for_its_retry_time() -> None:
    slot = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    retry = slot + timedelta(minutes=15)
    served = slot - timedelta(days=1)
    assert (
        due_at(slot + timedelta(minutes=5), next_attempt_at=retry, last_slot_at=served)[0] is False
    )
    assert due_at(retry, next_attempt_at=retry, last_slot_at=served) == (True, slot)


def test_daily_slot_follows_local_time_across_dst() -> None:
    # Berlin leaves summer time on 2026-10-25: 07:00 local is 05:00 UTC before, 06:00 after.
    before = datetime(2026, 10, 24, 5, 0, tzinfo=UTC)
    after = datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
    assert due_at(after - timedelta(minutes=30), last_slot_at=before)[0] is False
    assert due_at(after, last_slot_at=before) == (True, after)
    assert following_slot(before, "daily", time(7, 0), 0, BERLIN) == after


def test_new_recipient_gets_the_latest_slot_within_its_first_day_only() -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert due_at(now, start=now - timedelta(days=1)) == (True, now.replace(hour=6))
    weekly = {"schedule": "weekly", "day": 0}  # last Monday is four days back
    assert due_at(now, start=now - timedelta(days=1), **weekly)[0] is False


def test_a_failing_source_backs_off_to_a_day_and_honours_retry_after() -> None:
    quarter = timedelta(minutes=15)
    waits = [failure_delay(quarter, n, None) / quarter for n in range(1, 10)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 96, 96]  # 96 x 15 minutes = a day
    assert failure_delay(quarter, 10_000, None) == MAX_BACKOFF  # no overflow
    assert failure_delay(quarter, 1, 3600) == timedelta(hours=1)  # the server asked
    assert failure_delay(quarter, 1, 10 * 86400) == MAX_BACKOFF  # ...but at most a day
    assert failure_delay(quarter, 3, 60) == 4 * quarter  # never less than the backoff
    assert failure_delay(timedelta(days=2), 1, None) == timedelta(days=2)  # nor the interval


def test_a_failing_recipient_retries_doubling_up_to_six_hours() -> None:
    retry = timedelta(minutes=15)
    waits = [delivery_retry_delay(retry, n) / retry for n in range(1, 7)]
    assert waits == [1, 2, 4, 8, 16, 24]
    assert delivery_retry_delay(retry, 10_000) == MAX_RETRY


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert parse_retry_after(" 120 ", now) == 120.0
    assert parse_retry_after("Fri, 27 Nov 2026 12:05:00 GMT", now) == 300.0
    assert parse_retry_after("Fri, 27 Nov 2026 11:00:00 GMT", now) == 0.0  # past: no wait
    assert parse_retry_after("soon", now) is None
