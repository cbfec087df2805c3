"""Hit counts over time, for `monitor stats` and the web view's trend charts: per watchlist
per day (UTC), and per source. Counted in the database, so a year of hits is a few
thousand rows back, not millions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Date, Select, cast, func, select
from sqlalchemy.orm import Session

from monitor.domain.trend import BASELINE, by_week, fill_days, sparkline, spikes
from monitor.store.models import Article, Hit, Source


def _day(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", Hit.created_at), Date)
    return func.date(Hit.created_at)  # SQLite stores UTC text: 'YYYY-MM-DD HH:MM:SS...'


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


_S = TypeVar("_S", bound=Select)  # any row shape


def _in_languages(stmt: _S, langs: Sequence[str]) -> _S:
    """Only hits of articles in these languages (all when none is given)."""
    if not langs:
        return stmt
    return stmt.join(Article, Article.id == Hit.article_id).where(Article.lang.in_(list(langs)))


def daily_counts(
    session: Session,
    since: datetime,
    until: datetime,
    watchlists: Sequence[str] = (),
    langs: Sequence[str] = (),
) -> dict[str, dict[date, int]]:
    """{watchlist: {day: hits found that day}} for hits found in [since, until)."""
    day = _day(session)
    stmt = (
        select(Hit.watchlist, day, func.count())
        .where(Hit.created_at >= since, Hit.created_at < until)
        .group_by(Hit.watchlist, day)
    )
    stmt = _in_languages(stmt, langs)
    if watchlists:
        stmt = stmt.where(Hit.watchlist.in_(list(watchlists)))
    out: dict[str, dict[date, int]] = {}
    for watchlist, d, n in session.execute(stmt):
        out.setdefault(watchlist, {})[_as_date(d)] = n
    return out


def source_counts(
    session: Session,
    since: datetime,
    until: datetime,
    watchlists: Sequence[str] = (),
    langs: Sequence[str] = (),
) -> list[tuple[str, str, int]]:
    """(source, watchlist, hits) for hits found in [since, until), busiest first."""
    n = func.count(Hit.id)
    stmt = (
        select(Source.name, Hit.watchlist, n)
        .join(Source, Source.id == Hit.source_id)
        .where(Hit.created_at >= since, Hit.created_at < until)
        .group_by(Source.name, Hit.watchlist)
        .order_by(n.desc(), Source.name, Hit.watchlist)
    )
    stmt = _in_languages(stmt, langs)
    if watchlists:
        stmt = stmt.where(Hit.watchlist.in_(list(watchlists)))
    return [(s, w, c) for s, w, c in session.execute(stmt)]


@dataclass(frozen=True)
class Series:
    """One watchlist's hits per period over the window asked for."""

    watchlist: str
    periods: list[tuple[date, int]]  # (day, or the Monday of the week; hits)
    spikes: list[bool]  # per period: far above the usual level (daily periods only)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.periods)

    @property
    def sparkline(self) -> str:
        return sparkline([n for _, n in self.periods])

    def as_dict(self) -> dict[str, Any]:
        return {
            "watchlist": self.watchlist,
            "total": self.total,
            "periods": [
                {"start": d.isoformat(), "hits": n, "spike": s}
                for (d, n), s in zip(self.periods, self.spikes, strict=True)
            ],
        }


def watchlist_series(
    session: Session,
    since: datetime,
    until: datetime,
    *,
    watchlists: Sequence[str] = (),
    every: str = "day",
    langs: Sequence[str] = (),
) -> list[Series]:
    """Per watchlist, hits per day (or week) from ``since`` to ``until``; spikes are judged
    against the 28 days before each day, so those are counted too."""
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    baseline_start = datetime.combine(first - BASELINE, datetime.min.time(), since.tzinfo)
    counts = daily_counts(session, baseline_start, until, watchlists, langs)
    names = sorted(set(watchlists) | set(counts)) if watchlists else sorted(counts)
    out = []
    for name in names:
        days = fill_days(counts.get(name, {}), baseline_start.date(), last)
        marks = spikes([n for _, n in days])
        shown = [(d, n, s) for (d, n), s in zip(days, marks, strict=True) if d >= first]
        if every == "week":
            weeks = by_week([(d, n) for d, n, _ in shown])
            spiking = {d - timedelta(d.weekday()) for d, _, s in shown if s}
            out.append(Series(name, weeks, [w in spiking for w, _ in weeks]))
        else:
            out.append(Series(name, [(d, n) for d, n, _ in shown], [s for _, _, s in shown]))
    return out
