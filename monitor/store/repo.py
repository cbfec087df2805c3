"""Writes to the store. Callers open the session (one per item, job or command) and commit."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor import config as cfg
from monitor.crawl.items import SourceStatus
from monitor.schedule import RATE_WINDOW, adaptive_interval
from monitor.store.ingest import Stored as Stored
from monitor.store.ingest import store_article as store_article  # articles: ingest.py
from monitor.store.models import (
    Article,
    ArticleUrl,
    CrawlRun,
    Source,
    utcnow,
)
from monitor.store.upsert import insert_ignore

#: An article whose page could not be fetched is tried again this many times in later crawls.
MAX_FETCH_ATTEMPTS = 3


def sync_sources(session: Session, sources: Iterable[cfg.Source]) -> None:
    """Make the sources table agree with the configuration (kept rows keep their state)."""
    existing = {s.name: s for s in session.scalars(select(Source))}
    for s in sources:
        row = existing.get(s.name)
        if row is None:
            # Another process (a crawl starting beside the daemon) may add it too.
            session.execute(
                insert_ignore(session, Source.__table__, ["name"]).values(  # type: ignore[arg-type]
                    name=s.name,
                    kind=s.kind,
                    url=s.url,
                    interval_seconds=int(s.interval.total_seconds()),
                    consecutive_failures=0,
                )
            )
        else:
            if row.url != s.url or row.kind != s.kind:
                row.next_check_at = None  # a new address is checked at once
                row.fetch_url, row.gone = None, False
            row.kind, row.url = s.kind, s.url
            row.interval_seconds = int(s.interval.total_seconds())
    session.flush()


def due_sources(session: Session, names: Iterable[str], now: datetime) -> list[str]:
    rows = session.execute(
        select(Source.name)
        .where(
            Source.name.in_(list(names)),
            (Source.next_check_at.is_(None)) | (Source.next_check_at <= now),
        )
        .order_by(Source.next_check_at.is_not(None), Source.next_check_at, Source.name)
    )
    return list(rows.scalars())


#: The longest a failing source waits between checks.
MAX_BACKOFF = timedelta(days=1)


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
    src = source or session.scalars(select(Source).where(Source.name == name)).one()
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
    delay = min(interval * 2 ** min(src.consecutive_failures - 1, 20), MAX_BACKOFF)
    if status is not None and status.retry_after:
        delay = max(delay, min(timedelta(seconds=status.retry_after), MAX_BACKOFF))
    src.next_check_at = now + max(delay, interval)


def sources_named(session: Session, names: Collection[str]) -> dict[str, Source]:
    """The rows of these sources, in one query (the crawl records a batch of checks at a
    time: one query and one flushed UPDATE each was a fifth of a warm cycle's CPU)."""
    return {src.name: src for src in session.scalars(select(Source).where(Source.name.in_(names)))}


def _adapted(
    session: Session, src: Source, base: timedelta, maximum: timedelta, now: datetime
) -> timedelta:
    """The source's publishing rate over the last week (or the time it has been checked,
    if shorter: ``checks`` at the base interval) turned into its next interval."""
    history = min(RATE_WINDOW, base * (src.checks or 0))
    with session.no_autoflush:  # counts articles: the sources' pending changes can wait
        new = session.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.source_id == src.id, Article.first_seen_at >= now - history)
        )
    return adaptive_interval(base, maximum, int(new or 0), history)


def save_validators(session: Session, name: str, status: SourceStatus) -> None:
    """Remember a source's validators once every article it listed has been handled: a
    crawl killed before then must not leave the next one believing nothing changed."""
    session.execute(
        update(Source)
        .where(Source.name == name)
        .values(etag=status.etag, last_modified=status.last_modified, body_hash=status.body_hash)
    )


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


def known_articles(session: Session, keys: Sequence[str]) -> dict[str, str | None]:
    """URL key -> headline last seen in a feed, for URLs whose article is stored and need
    not be fetched again (unless that headline changes)."""
    if not keys:
        return {}
    rows = session.execute(
        select(ArticleUrl.url_key, Article.feed_title)
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(
            ArticleUrl.url_key.in_(list(keys)),
            (Article.text.is_not(None)) | (Article.fetch_attempts >= MAX_FETCH_ATTEMPTS),
        )
    )
    return {key: title for key, title in rows}


def known_url_keys(session: Session, keys: Sequence[str]) -> set[str]:
    return set(known_articles(session, keys))


def start_run(session: Session, sources: Sequence[str], pid: int) -> int:
    # A run left "running" by a killed process is closed here, so status stays truthful.
    session.execute(update(CrawlRun).where(CrawlRun.status == "running").values(status="aborted"))
    run = CrawlRun(
        sources=list(sources),
        errors=[],
        pid=pid,
        status="running",
        articles_new=0,
        hits_new=0,
        started_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    articles_new: int,
    hits_new: int,
    errors: list[dict[str, str]],
    status: str,
) -> None:
    run = session.get(CrawlRun, run_id)
    assert run is not None
    run.finished_at = utcnow()
    run.articles_new, run.hits_new, run.errors, run.status = (
        articles_new,
        hits_new,
        errors,
        status,
    )
