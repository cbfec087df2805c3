"""Sources: the configured ones kept in step, which are due, each check's outcome (and so
when to check next), the validators of conditional requests, and each source's state for
`monitor sources`, `monitor status`, the web view and the digest. Callers open the session
(one per item batch, job or command) and commit."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from monitor.domain.schedule import RATE_WINDOW, adaptive_interval, failure_delay
from monitor.domain.sources import (
    PAGE_TROUBLE_WINDOW,
    Finding,
    SourceSpec,
    SourceState,
    SourceStatus,
    describe_findings,
    findings_from_json,
    findings_to_json,
    source_state,
)
from monitor.domain.times import iso
from monitor.errors import StorageError
from monitor.store.models import Article, Hit, Source, utcnow
from monitor.store.upsert import insert_ignore


def sync_sources(session: Session, sources: Iterable[SourceSpec]) -> None:
    """Make the sources table agree with the configured sources (kept rows keep their
    state). Only what the configuration names is read, not whole rows (each crawl and
    command starts here: loading every source's row was 7% of a warm crawl of 176), and
    only a source whose configuration changed is written."""
    existing = {
        name: (kind, url, seconds)
        for name, kind, url, seconds in session.execute(
            select(Source.name, Source.kind, Source.url, Source.interval_seconds)
        )
    }
    for s in sources:
        row = existing.get(s.name)
        if row is None:
            # Another process (a crawl starting beside the daemon) may add it too.
            session.execute(
                insert_ignore(session, Source.__table__, ["name"]).values(  # type: ignore[arg-type]
                    name=s.name,
                    kind=s.kind,
                    url=s.url,
                    interval_seconds=_seconds(s.interval),
                    consecutive_failures=0,
                )
            )
            continue
        if row == (s.kind, s.url, _seconds(s.interval)):
            continue
        values: dict[str, Any] = {
            "kind": s.kind,
            "url": s.url,
            "interval_seconds": _seconds(s.interval),
        }
        if row[:2] != (s.kind, s.url):  # a new address is checked at once, a new site discovered
            values |= {"next_check_at": None, "fetch_url": None, "gone": False}
            values |= {"discovered": None, "discovered_at": None}
        session.execute(update(Source).where(Source.name == s.name).values(**values))


def _seconds(interval: timedelta) -> int:
    return int(interval.total_seconds())


#: Up to this many names, ``due_sources`` sends them with its query; beyond, it asks for
#: every due source and keeps the named ones here. psycopg sends at most 65,535 parameters
#: a query (`monitor run` with more sources failed on PostgreSQL), and 100,000 names as
#: parameters took 1.4 s of client CPU against 0.08 s for the whole answer
#: (benchmarks/README.md, the cluster section).
NAMES_IN_QUERY = 1000


def due_sources(session: Session, names: Iterable[str], now: datetime) -> list[str]:
    """The named sources that are due, most overdue first (never checked ones before all)."""
    wanted = list(names)
    if len(wanted) <= NAMES_IN_QUERY:
        return _due(session, now, wanted)
    return keep_named(_due(session, now, None), wanted)


def due_source_names(session: Session, now: datetime) -> list[str]:
    """Every stored source that is due, most overdue first: ``due_sources`` without the
    names (sources no longer configured among them)."""
    return _due(session, now, None)


def keep_named(due: Sequence[str], names: Iterable[str]) -> list[str]:
    """``due`` in its order, only the names in ``names``."""
    wanted = set(names)
    return [n for n in due if n in wanted]


def _due(session: Session, now: datetime, names: list[str] | None) -> list[str]:
    stmt = select(Source.name).where(
        (Source.next_check_at.is_(None)) | (Source.next_check_at <= now)
    )
    if names is not None:
        stmt = stmt.where(Source.name.in_(names))
    order = (Source.next_check_at.is_not(None), Source.next_check_at, Source.name)
    return list(session.execute(stmt.order_by(*order)).scalars())


def record_source_result(
    session: Session,
    name: str,
    *,
    error: str | None,
    entries: int | None,
    now: datetime | None = None,
    status: SourceStatus | None = None,
    max_interval: timedelta | None = None,
    source: Source | None = None,
) -> None:
    """Store a check's outcome and when to check next: after a success, the interval, or
    up to ``max_interval`` for a source that rarely has anything new; after failures, an
    exponential backoff (at least what Retry-After asked, at most a day). ``source``: its
    row, when the caller read many at once (``sources_named``)."""
    now = now or utcnow()
    src = source or session.scalars(select(Source).where(Source.name == name)).one_or_none()
    if src is None:  # as store_articles says of articles of a source it does not know
        raise StorageError(f"result of an unknown source: {name}")
    src.last_checked_at = now
    src.checks = (src.checks or 0) + 1
    interval = timedelta(seconds=src.interval_seconds)
    if error is None:
        src.last_success_at = now
        src.consecutive_failures = 0
        src.failing_since = None
        src.gone = False
        if max_interval is not None and max_interval > interval:
            interval = _adapted(session, src, interval, max_interval, now)
        src.next_check_at = now + interval
        if status is not None and status.moved_to:
            src.fetch_url = status.moved_to
        if status is not None and status.discovered is not None:
            src.discovered, src.discovered_at = findings_to_json(status.discovered), now
        if status is not None and status.not_modified:
            src.not_modified = (src.not_modified or 0) + 1
        else:
            src.last_entries = entries
        return
    src.last_error = error[:2000]
    src.last_error_at = now
    src.consecutive_failures = (src.consecutive_failures or 0) + 1
    if src.consecutive_failures == 1 or src.failing_since is None:
        src.failing_since = now
    if status is not None and status.gone:
        src.gone = True
    retry_after = status.retry_after if status is not None else None
    src.next_check_at = now + failure_delay(interval, src.consecutive_failures, retry_after)


def never_checked(session: Session, names: Collection[str]) -> bool:
    """Whether one of these sources was never checked (asked without the names as
    parameters: a crawl may have more than a query takes)."""
    new = session.scalars(select(Source.name).where(Source.last_checked_at.is_(None)))
    return bool(keep_named(list(new), names))


def sources_named(session: Session, names: Collection[str]) -> dict[str, Source]:
    """The rows of these sources, in one query (the crawl records a batch of checks at a
    time: one query and one flushed UPDATE each was a fifth of a warm cycle's CPU)."""
    return {src.name: src for src in session.scalars(select(Source).where(Source.name.in_(names)))}


#: ``session.info`` key: (source id, start of its rate window) -> articles first seen since.
_RECENT = "monitor.recent_articles"


def _history(checks: int, base: timedelta) -> timedelta:
    """How far back a source's publishing rate is read: a week, or the time it has been
    checked if shorter (``checks`` at the base interval)."""
    return min(RATE_WINDOW, base * checks)


def count_recent_articles(session: Session, sources: Iterable[Source], now: datetime) -> None:
    """Count now what ``record_source_result`` will read to adapt these sources' intervals
    at ``now`` (the articles of each in its rate window, this check included): one query a
    distinct window, usually one, instead of one a source (5% of a warm crawl of 176). Kept
    in the session; a source recorded at another time, or not counted, is asked on its own."""
    by_start: dict[datetime, list[int]] = {}
    for src in sources:
        base = timedelta(seconds=src.interval_seconds)
        by_start.setdefault(now - _history((src.checks or 0) + 1, base), []).append(src.id)
    counted = session.info.setdefault(_RECENT, {})
    for start, ids in by_start.items():
        found = _articles_since(session, ids, start)
        counted.update(((i, start), found.get(i, 0)) for i in ids)


def _articles_since(session: Session, ids: Sequence[int], start: datetime) -> dict[int, int]:
    """Source id -> its articles first seen from ``start`` on (sources without any left out)."""
    with session.no_autoflush:  # counts articles: the sources' pending changes can wait
        rows = session.execute(
            select(Article.source_id, func.count())
            .where(Article.source_id.in_(ids), Article.first_seen_at >= start)
            .group_by(Article.source_id)
        )
        return {source_id: n for source_id, n in rows}


def _adapted(
    session: Session, src: Source, base: timedelta, maximum: timedelta, now: datetime
) -> timedelta:
    """The source's publishing rate over its window (``_history``) turned into its next
    interval."""
    history = _history(src.checks or 0, base)
    start = now - history
    new = session.info.get(_RECENT, {}).pop((src.id, start), None)
    if new is None:
        new = _articles_since(session, [src.id], start).get(src.id, 0)
    return adaptive_interval(base, maximum, new, history)


def save_validators(source: Source, status: SourceStatus) -> None:
    """Remember a source's validators once every article it listed has been handled: a
    crawl killed before then must not leave the next one believing nothing changed.
    Set on its row (``sources_named``), written with the session's other changes to it: an
    UPDATE statement of its own was checked against every source row the session holds
    (three quarters of recording a crawl's 176 sources)."""
    source.etag = status.etag
    source.last_modified = status.last_modified
    source.body_hash = status.body_hash


def count_page_trouble(
    session: Session, name: str, *, blocked: int, thin: int, now: datetime | None = None
) -> None:
    """Count article pages of a source that were a bot or consent wall (``blocked``) or had
    no text (``thin``): never stored as articles, shown by `monitor sources` and the digest."""
    if not blocked and not thin:
        return
    session.execute(
        update(Source)
        .where(Source.name == name)
        .values(
            blocked_pages=Source.blocked_pages + blocked,
            thin_pages=Source.thin_pages + thin,
            page_trouble_at=now or utcnow(),
        )
    )


def discoveries(
    session: Session, names: Sequence[str]
) -> dict[str, tuple[list[Finding], datetime | None]]:
    """name -> (what discovery found, when), for site sources."""
    rows = session.execute(
        select(Source.name, Source.discovered, Source.discovered_at).where(
            Source.name.in_(list(names))
        )
    )
    return {n: (findings_from_json(d), at) for n, d, at in rows}


def fetch_state(
    session: Session, names: Sequence[str]
) -> dict[str, tuple[str | None, str | None, str | None, str | None]]:
    """name -> (etag, last_modified, body_hash, fetch_url), for conditional requests to
    where the source lives now."""
    rows = session.execute(
        select(
            Source.name, Source.etag, Source.last_modified, Source.body_hash, Source.fetch_url
        ).where(Source.name.in_(list(names)))
    )
    return {n: (e, lm, bh, url) for n, e, lm, bh, url in rows}


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
    discovered: str | None = None  # a site source's findings (JSON)
    blocked_pages: int = 0
    thin_pages: int = 0
    page_trouble_at: datetime | None = None
    now: datetime | None = None
    #: failing this long is "broken" ([daemon] broken_after, passed by the caller)
    broken_after: timedelta = field(kw_only=True)

    @property
    def state(self) -> SourceState:
        """ok, failing, broken, new: ``monitor.domain.sources.source_state``."""
        return source_state(
            failures=self.consecutive_failures,
            gone=self.gone,
            failing_since=self.failing_since,
            last_error_at=self.last_error_at,
            last_success_at=self.last_success_at,
            now=self.now or datetime.now(UTC),
            broken_after=self.broken_after,
        )

    @property
    def findings(self) -> list[Finding]:
        return findings_from_json(self.discovered)

    @property
    def found(self) -> str | None:
        """ "site: feed ..., news sitemap ..." for a site source, else None."""
        return describe_findings(self.findings) if self.kind == "site" else None

    @property
    def page_trouble(self) -> bool:
        """Blocked or thin pages within the last day."""
        at = self.page_trouble_at
        return at is not None and (self.now or datetime.now(UTC)) - at < PAGE_TROUBLE_WINDOW

    @property
    def pages_note(self) -> str | None:
        """ "pages: 3 blocked (a bot or consent wall), 1 thin (no text)", or None."""
        if not (self.blocked_pages or self.thin_pages):
            return None
        return (
            f"pages: {self.blocked_pages} blocked (a bot or consent wall), "
            f"{self.thin_pages} thin (no text)"
        )

    @property
    def attention(self) -> tuple[str, datetime | None, str] | None:
        """(state, since when, what is wrong) when the source needs attention: failing or
        broken, or pages blocked or thin within the last day; else None."""
        if self.state in ("failing", "broken"):
            return self.state, self.failing_since, self.last_error or ""
        if self.page_trouble:
            kind = "blocked" if self.blocked_pages else "thin"
            return kind, self.page_trouble_at, self.pages_note or ""
        return None

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
            "found": [f.as_dict() for f in self.findings] if self.kind == "site" else None,
            "blocked_pages": self.blocked_pages,
            "thin_pages": self.thin_pages,
            "page_trouble_at": iso(self.page_trouble_at),
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
        Source.discovered,
        Source.blocked_pages,
        Source.thin_pages,
        Source.page_trouble_at,
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
