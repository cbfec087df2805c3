"""Pure: filling days, weeks, sparklines, and what counts as a spike."""

from __future__ import annotations

from datetime import date, timedelta

from monitor.domain.trend import BASELINE, baseline, by_week, fill_days, sparkline, spikes


def test_fill_days_and_weeks() -> None:
    days = fill_days(
        {date(2026, 11, 2): 3, date(2026, 11, 10): 1}, date(2026, 11, 1), date(2026, 11, 10)
    )
    assert len(days) == 10 and days[1] == (date(2026, 11, 2), 3) and days[0][1] == 0
    assert by_week(days) == [
        (date(2026, 10, 26), 0),
        (date(2026, 11, 2), 3),
        (date(2026, 11, 9), 1),
    ]


def test_sparkline_scales_to_the_largest() -> None:
    assert sparkline([0, 4, 8]) == "▁▄█"
    assert sparkline([0, 0]) == "▁▁" and sparkline([]) == ""


def test_a_spike_is_far_above_the_usual_level() -> None:
    steady = [10, 12, 9, 11, 10, 13, 10, 11, 12, 10]
    assert not any(spikes([*steady, 14]))  # a busy day, not a spike
    assert spikes([*steady, 40])[-1]
    assert not spikes([0, 0, 0, 0, 0, 0, 0, 3])[-1]  # too few hits to mean anything
    assert spikes([0, 0, 0, 0, 0, 0, 0, 6])[-1]  # a quiet watchlist waking up
    assert not any(spikes([0, 0, 50]))  # too little history to judge


def test_the_baseline_is_four_weeks_or_all_of_at_least_one() -> None:
    """One rule for the charts' spikes (daily counts) and the digest's "usual" (times)."""
    assert baseline(timedelta(days=6, hours=23)) is None  # too young to say what is usual
    assert baseline(timedelta(days=7)) == timedelta(days=7)
    assert baseline(timedelta(days=20, hours=5)) == timedelta(days=20, hours=5)
    assert baseline(timedelta(days=400)) == BASELINE == timedelta(days=28)
    # Spikes are judged on (at most) the 28 days before: a burst 29 days back is forgotten.
    assert spikes([50, *[0] * 28, 6])[-1]
    assert not spikes([50, *[0] * 27, 6])[-1]
