from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.schedule import adaptive_interval, latest_slot, next_slot, slot_on

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
