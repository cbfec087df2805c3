"""Crawl runs: each `monitor crawl` (or daemon cycle) is recorded, with what it found and
its errors, for `monitor status`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.models import CrawlRun, utcnow


def start_run(
    session: Session, sources: Sequence[str], pid: int, *, stale_before: datetime | None = None
) -> int:
    """A new run. Runs left "running" are closed as aborted, so status stays truthful: all
    of them, or (``stale_before``) those started before it, when runs of other processes
    may be running now (the workers of a cluster crawl side by side, issue #17)."""
    stale = CrawlRun.status == "running"
    if stale_before is not None:
        stale = stale & (CrawlRun.started_at < stale_before)
    session.execute(update(CrawlRun).where(stale).values(status="aborted"))
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


def recent_runs(session: Session, limit: int = 5) -> list[CrawlRun]:
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
