"""Pure arithmetic on hit counts: fill the quiet days, sum weeks, draw a sparkline, tell a
spike (a day far above the watchlist's usual level) from ordinary variation, and the stretch
of the past a "usual" level is measured over (the trend charts' spikes and the digest's
"usual" counts alike)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

BARS = "▁▂▃▄▅▆▇█"

#: "Usual" is the level over this much of the past (less where the record is younger)...
BASELINE = timedelta(days=28)
#: ... and says nothing over less than this.
MIN_BASELINE = timedelta(days=7)


def baseline(history: timedelta) -> timedelta | None:
    """How much of the past before a moment its usual level is measured over, given
    ``history``, the length of the record before it: BASELINE, or all of a younger record;
    None when that is shorter than MIN_BASELINE (no usual level yet)."""
    if history < MIN_BASELINE:
        return None
    return min(history, BASELINE)


def fill_days(counts: Mapping[date, int], first: date, last: date) -> list[tuple[date, int]]:
    """One (day, count) per day from ``first`` to ``last``, zero where nothing was caught."""
    days = (last - first).days + 1
    return [(first + timedelta(d), counts.get(first + timedelta(d), 0)) for d in range(days)]


def by_week(days: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """Daily counts summed per ISO week, each labelled by its Monday."""
    weeks: dict[date, int] = {}
    for day, n in days:
        monday = day - timedelta(day.weekday())
        weeks[monday] = weeks.get(monday, 0) + n
    return sorted(weeks.items())


def sparkline(values: Sequence[int]) -> str:
    """One block character per value, scaled to the largest; a zero is the lowest bar."""
    top = max(values, default=0)
    if top == 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, v * (len(BARS) - 1) // top)] for v in values)


def spikes(values: Sequence[int], *, factor: float = 3.0, min_count: int = 5) -> list[bool]:
    """Whether each day is a spike: at least ``min_count`` hits, at least twice the mean of
    its baseline (the days before it, see :func:`baseline`) and ``factor`` standard
    deviations above that mean. A watchlist that is always busy is not spiking; a quiet one
    that wakes up is."""
    out = []
    for i, v in enumerate(values):
        span = baseline(timedelta(days=i))  # the days before it in ``values``
        if span is None or v < min_count:
            out.append(False)
            continue
        before = values[i - span.days : i]
        mean = statistics.fmean(before)
        spread = statistics.pstdev(before)
        out.append(v >= 2 * mean and v > mean + factor * spread)
    return out
