"""Reads from the store: what `monitor hits`, `monitor sources`, the digest and the daemon ask."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, Text, and_, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from monitor.store import search as fulltext
from monitor.store.models import Article, CrawlRun, Delivery, Digest, Hit, RecipientState, Source

_HITS: Table = Hit.__table__  # type: ignore[assignment]
_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_SOURCES: Table = Source.__table__  # type: ignore[assignment]


def iso(d: datetime | None) -> str | None:
    """A time for JSON output, or null."""
    return d.isoformat() if d else None


@dataclass(frozen=True)
class HitRow:
    id: int
    watchlist: str
    matched: list[str]
    url: str
    title: str | None
    source: str
    published: datetime | None
    first_seen: datetime
    snippet: str
    highlights: list[list[int]]
    sent_at: datetime | None
    story_id: int | None = None
    updated: bool = False
    created: datetime | None = None  # when the hit was found
    changed: datetime | None = None  # when it was found or its article last revised

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "watchlist": self.watchlist,
            "matched": self.matched,
            "url": self.url,
            "title": self.title,
            "source": self.source,
            "published": iso(self.published),
            "first_seen": self.first_seen.isoformat(),
            "snippet": self.snippet,
            "highlights": self.highlights,
            "sent_at": iso(self.sent_at),
            "story_id": self.story_id,
            "updated": self.updated,
        }


def hit_columns(updated: Any = Hit.updated) -> list[Any]:
    """The columns of a ``HitRow``, in the order of its fields (the hit list adds its own
    after them)."""
    return [
        Hit.id,
        Hit.watchlist,
        Hit.matched,
        Article.url,
        Article.title,
        Source.name,
        Article.published_at,
        Article.first_seen_at,
        Hit.snippet,
        Hit.highlights,
        Hit.sent_at,
        Article.story_id,
        updated,
        Hit.created_at,
        Hit.changed_at,
    ]


def _hit_select(updated: Any = Hit.updated) -> Select[Any]:
    return (
        select(*hit_columns(updated))
        .join(Article, Article.id == Hit.article_id)
        .join(Source, Source.id == Article.source_id)
    )


def of_sources(names: Sequence[str]) -> ColumnElement[bool]:
    """Hits of these sources: a range of ``ix_hits_source_created`` per source."""
    return Hit.source_id.in_(select(Source.id).where(Source.name.in_(list(names))))


def _rows(session: Session, stmt: Select[Any]) -> list[HitRow]:
    return [HitRow(*r) for r in session.execute(stmt)]


def find_hits(
    session: Session,
    *,
    watchlists: Sequence[str] = (),
    sources: Sequence[str] = (),
    since: datetime | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[HitRow]:
    """Hits newest first (by when they were found; with ``search``, a full-text search over
    the article's title and text, by newest article, then newest hit), filtered."""
    stmt = _hit_select()
    if watchlists:
        stmt = stmt.where(Hit.watchlist.in_(list(watchlists)))
    if sources:
        stmt = stmt.where(of_sources(sources))
    if since is not None:
        stmt = stmt.where(Hit.created_at >= since)
    if search:
        return [HitRow(*r) for r in fulltext.newest_matching(session, stmt, search, limit=limit)]
    return _rows(session, stmt.order_by(Hit.created_at.desc(), Hit.id.desc()).limit(limit))


@dataclass(frozen=True)
class Due:
    """A recipient's due hits: those its message shows, and how many more each watchlist
    has (counted in the message, marked delivered with the shown ones)."""

    hits: list[HitRow]
    more: dict[str, int]
    oldest: dict[str, datetime]  # of the watchlists with more: when their oldest became due


def due_condition(
    state: RecipientState, watchlists: Sequence[str]
) -> tuple[Any, ColumnElement[bool], ColumnElement[bool]]:
    """ "Due to this recipient": in its watchlists, changed since its floor, and not delivered
    in this version. The deliveries alias, the clause to outer-join it on, the WHERE clause."""
    had = aliased(Delivery)
    join = and_(had.hit_id == Hit.id, had.recipient_id == state.id)
    where = and_(
        Hit.watchlist.in_(list(watchlists)),
        Hit.changed_at >= state.floor_at,
        or_(had.id.is_(None), had.hit_changed_at < Hit.changed_at),
    )
    return had, join, where


def due_hits(session: Session, state: RecipientState, watchlists: Sequence[str]) -> list[HitRow]:
    """Every hit due to this recipient (``due_for_digest`` without a cap)."""
    return due_for_digest(session, state, watchlists, None).hits


def due_for_digest(
    session: Session, state: RecipientState, watchlists: Sequence[str], per_watchlist: int | None
) -> Due:
    """Hits this recipient has not had in their current version, ``updated`` when it had an
    older one; of each watchlist the newest ``per_watchlist`` (by when they became due), the
    others only counted: a backlog of days makes a message the mail server still takes, and
    the question reads the rows it shows, not every due one. Without ``sent_at`` and
    ``created`` (the digest needs neither)."""
    had, join, where = due_condition(state, watchlists)
    # The due hits first, then their articles: a delivered hit costs an index lookup, not a
    # read of its article's row (on SQLite the columns after `text`, in overflow pages).
    # MATERIALIZED keeps SQLite from flattening it into one join that reads every article.
    newest = (Hit.changed_at.desc(), Hit.id.desc())
    due = (
        select(
            Hit.id,
            had.id.is_not(None).label("updated"),
            func.row_number().over(partition_by=Hit.watchlist, order_by=newest).label("rank"),
            func.count().over(partition_by=Hit.watchlist).label("total"),
            func.min(Hit.changed_at).over(partition_by=Hit.watchlist).label("oldest"),
        )
        .outerjoin(had, join)
        .where(where)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    hits, articles, sources = _HITS, _ARTICLES, _SOURCES
    stmt = (
        select(
            hits.c.id,
            hits.c.watchlist,
            cast(hits.c.matched, Text),  # decoded below, without SQLAlchemy's JSON layers
            articles.c.url,
            articles.c.title,
            sources.c.name,
            articles.c.published_at,
            articles.c.first_seen_at,
            hits.c.snippet,
            cast(hits.c.highlights, Text),
            articles.c.story_id,
            due.c.updated,
            hits.c.changed_at,
            due.c.total,
            due.c.oldest,
        )
        .select_from(due)
        .join(hits, hits.c.id == due.c.id)
        .join(articles, articles.c.id == hits.c.article_id)
        .join(sources, sources.c.id == articles.c.source_id)
        .order_by(hits.c.watchlist, hits.c.id)
    )
    if per_watchlist is not None:
        stmt = stmt.where(due.c.rank <= per_watchlist)
    # Core rows (the columns of the tables, not of the mapped classes): no ORM loading.
    loads = json.loads
    rows: list[HitRow] = []
    totals: dict[str, tuple[int, Any]] = {}
    # fmt: off
    for i, w, m, u, t, src, pub, seen, snip, hl, story, upd, changed, total, oldest in (
        session.connection().execute(stmt)
    ):
        rows.append(HitRow(i, w, loads(m), u, t, src, pub, seen, snip, loads(hl), None, story,
                           bool(upd), None, changed))
        totals[w] = total, oldest
    # fmt: on
    shown = Counter(h.watchlist for h in rows)
    more = {w: n - shown[w] for w, (n, _) in totals.items() if n > shown[w]}
    return Due(rows, more, {w: totals[w][1] for w in more})


#: How far back "usual" looks, and the least history that makes it meaningful.
USUAL_WINDOW = timedelta(days=28)
USUAL_MIN_HISTORY = timedelta(days=7)


def usual_hits(
    session: Session, watchlists: Sequence[str], now: datetime, span: timedelta
) -> dict[str, float]:
    """Each watchlist's average number of hits per ``span`` over the four weeks before the
    latest ``span``; empty when the archive is younger than a week (no "usual" yet)."""
    end = now - span
    oldest = session.scalar(select(func.min(Hit.created_at)))
    if oldest is None or end - oldest < USUAL_MIN_HISTORY:
        return {}
    start = max(oldest, end - USUAL_WINDOW)
    counts = dict(
        session.execute(
            select(Hit.watchlist, func.count())
            .where(
                Hit.watchlist.in_(list(watchlists)), Hit.created_at >= start, Hit.created_at < end
            )
            .group_by(Hit.watchlist)
        ).all()
    )
    return {w: counts.get(w, 0) * (span / (end - start)) for w in watchlists}


@dataclass(frozen=True)
class SourceRow:
    name: str
    kind: str
    url: str
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_check_at: datetime | None
    articles: int
    hits: int
    failing_since: datetime | None = None
    gone: bool = False
    checks: int = 0
    not_modified: int = 0
    fetch_url: str | None = None
    articles_week: int = 0  # new articles over the last 7 days
    now: datetime | None = None
    #: A source failing for this long is "broken": reported, still checked at the longest
    #: backoff ([daemon] broken_after, passed by the caller).
    broken_after: timedelta = field(kw_only=True)

    @property
    def state(self) -> str:
        """ok, failing, broken (410 Gone, or failing for longer than broken_after), new."""
        if self.consecutive_failures:
            if self.gone:
                return "broken"
            since = self.failing_since or self.last_error_at
            now = self.now or datetime.now(UTC)
            if since is not None and now - since >= self.broken_after:
                return "broken"
            return "failing"
        return "ok" if self.last_success_at else "new"

    @property
    def share_304(self) -> float | None:
        return self.not_modified / self.checks if self.checks else None

    @property
    def per_day(self) -> float:
        return self.articles_week / 7

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "url": self.url,
            "state": self.state,
            "last_success": iso(self.last_success_at),
            "last_error": self.last_error,
            "last_error_at": iso(self.last_error_at),
            "failing_since": iso(self.failing_since),
            "consecutive_failures": self.consecutive_failures,
            "next_check": iso(self.next_check_at),
            "articles": self.articles,
            "hits": self.hits,
            "checks": self.checks,
            "share_304": self.share_304,
            "articles_per_day_last_week": round(self.per_day, 2),
            "moved_to": self.fetch_url,
        }


def source_rows(
    session: Session,
    names: Sequence[str] | None = None,
    *,
    now: datetime | None = None,
    broken_after: timedelta,
    counts: bool = True,
) -> list[SourceRow]:
    """Each source's state; with ``counts``, its articles and hits (all time and last week:
    a pass over every article and hit, 0.3-0.7 s at a million articles), else zeros, for
    the digest and `monitor status`, which show states only."""
    now = now or datetime.now(UTC)
    zero = literal(0)
    n_articles: Any = zero
    n_hits: Any = zero
    n_week: Any = zero
    if counts:
        articles = (
            select(
                Article.source_id,
                func.count(Article.id).label("n"),
                func.count(Article.id)
                .filter(Article.first_seen_at >= now - timedelta(days=7))
                .label("week"),
            )
            .group_by(Article.source_id)
            .subquery()
        )
        hits = (
            select(Hit.source_id, func.count(Hit.id).label("n")).group_by(Hit.source_id).subquery()
        )
        n_articles = func.coalesce(articles.c.n, 0)
        n_hits = func.coalesce(hits.c.n, 0)
        n_week = func.coalesce(articles.c.week, 0)
    stmt = select(
        Source.name,
        Source.kind,
        Source.url,
        Source.last_success_at,
        Source.last_error,
        Source.last_error_at,
        Source.consecutive_failures,
        Source.next_check_at,
        n_articles,
        n_hits,
        Source.failing_since,
        Source.gone,
        Source.checks,
        Source.not_modified,
        Source.fetch_url,
        n_week,
    ).order_by(Source.name)
    if counts:
        stmt = stmt.outerjoin(articles, articles.c.source_id == Source.id).outerjoin(
            hits, hits.c.source_id == Source.id
        )
    if names is not None:
        stmt = stmt.where(Source.name.in_(list(names)))
    columns = [f.name for f in fields(SourceRow)][: len(stmt.selected_columns)]
    return [
        SourceRow(**dict(zip(columns, r, strict=True)), now=now, broken_after=broken_after)
        for r in session.execute(stmt)
    ]


def recent_runs(session: Session, limit: int = 5) -> list[CrawlRun]:
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))


@dataclass(frozen=True)
class ArticleRow:
    id: int
    url: str
    title: str | None
    summary: str | None
    text: str | None
    source: str
    published: datetime | None
    first_seen: datetime

    def fields(self) -> dict[str, str | None]:
        return {"title": self.title, "summary": self.summary, "text": self.text}


def iter_articles(
    session: Session, since: datetime | None = None, batch: int = 500
) -> Iterator[ArticleRow]:
    """Every stored article, newest first, streamed in batches (constant memory)."""
    stmt = (
        select(
            Article.id,
            Article.url,
            Article.title,
            Article.summary,
            Article.text,
            Source.name,
            Article.published_at,
            Article.first_seen_at,
        )
        .join(Source, Source.id == Article.source_id)
        .order_by(Article.first_seen_at.desc(), Article.id.desc())
        .execution_options(yield_per=batch)
    )
    if since is not None:
        stmt = stmt.where(Article.first_seen_at >= since)
    for row in session.execute(stmt):
        yield ArticleRow(*row)


@dataclass(frozen=True)
class StoryCopy:
    article_id: int
    source: str
    url: str
    published: datetime | None


def story_copies(session: Session, story_ids: Sequence[int]) -> dict[int, list[StoryCopy]]:
    """Every stored copy of these stories, earliest published first."""
    out: dict[int, list[StoryCopy]] = {}
    if not story_ids:
        return out
    rows = session.execute(
        select(Article.story_id, Article.id, Source.name, Article.url, Article.published_at)
        .join(Source, Source.id == Article.source_id)
        .where(Article.story_id.in_(list(set(story_ids))))
        .order_by(Article.published_at, Article.id)
    )
    for story, aid, source, url, published in rows:
        if story is not None:
            out.setdefault(story, []).append(StoryCopy(aid, source, url, published))
    return out


def recent_digests(session: Session, limit: int = 5) -> list[Digest]:
    return list(session.scalars(select(Digest).order_by(Digest.id.desc()).limit(limit)))
