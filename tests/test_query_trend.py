"""Pure: filling days, weeks, sparklines, and what counts as a spike."""

from __future__ import annotations

from datetime import date

from monitor.query.trend import by_week, fill_days, sparkline, spikes


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
