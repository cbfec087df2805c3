"""Re-checks: an article with hits is fetched again about 1 hour, 1 day and 7 days after it
was first seen (``AFTER``), with its validators (conditional GET), within the normal crawl of
its source. A changed text is a revision (``monitor.store.articles``); a 404/410, or a
redirect to the site's homepage, marks the article removed by the publisher, and its hits
due again so the digest says so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.domain.articles import ArticleData, Rechecked
from monitor.store.models import Article, Hit, Snapshot, Source
from monitor.store.upsert import any_of

#: After the article was first seen: the first, second and third re-check.
AFTER: tuple[timedelta, ...] = (timedelta(hours=1), timedelta(days=1), timedelta(days=7))
#: Re-checks one crawl makes at most (the rest stay due for the next).
MAX_PER_CRAWL = 500


@dataclass(frozen=True)
class DueRecheck:
    article_id: int
    url: str
    source: str
    title: str | None
    etag: str | None
    last_modified: str | None


def next_check(first_seen: datetime, done: int, now: datetime) -> datetime | None:
    """When the re-check after ``done`` ones is due (None: no more); never before ``now``
    when a crawl comes late."""
    if done >= len(AFTER):
        return None
    return max(first_seen + AFTER[done], now) if done else first_seen + AFTER[0]


def due_rechecks(
    session: Session, sources: Sequence[str], now: datetime, limit: int = MAX_PER_CRAWL
) -> list[DueRecheck]:
    """The articles of these sources due for a re-check at ``now``, the most overdue first."""
    if not sources:
        return []
    # Where the page was fetched (its latest snapshot), not the canonical URL the page
    # named: that one need not answer.
    fetched = (
        select(Snapshot.url)
        .where(Snapshot.article_id == Article.id)
        .order_by(Snapshot.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Article.id,
            func.coalesce(fetched, Article.url),
            Source.name,
            Article.title,
            Article.etag,
            Article.last_modified,
        )
        .join(Source, Source.id == Article.source_id)
        .where(
            Article.recheck_at <= now,
            Article.removed_at.is_(None),
            Source.name.in_(list(sources)),
        )
        .order_by(Article.recheck_at)
        .limit(limit)
    )
    return [DueRecheck(*r) for r in rows]


def _validators(item: ArticleData) -> dict[str, str | None]:
    if item.snapshot is None:
        return {}
    headers = {k.lower(): v for k, v in item.snapshot.headers}
    return {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}


def record_rechecks(
    session: Session,
    checked: Sequence[int],
    stored: Sequence[tuple[int, ArticleData]],
    now: datetime,
) -> None:
    """After a batch of articles is stored: ``stored`` (article id, item) with hits get
    their first re-check scheduled and their validators kept; the articles ``checked``
    were re-checked, and move on to the next re-check."""
    with_hits = {aid: item for aid, item in stored if item.analysis and item.analysis.hits}
    with_hits.update({aid: item for aid, item in stored if item.recheck_of is not None})
    if not with_hits:
        return
    arts = session.execute(
        select(Article.id, Article.first_seen_at, Article.rechecks, Article.recheck_at).where(
            any_of(session, Article.__table__.c.id, list(with_hits))
        )
    )
    rechecked = set(checked)
    rows: list[dict[str, object]] = []
    for aid, first_seen, done, due in arts:
        values: dict[str, object] = {"id": aid, **_validators(with_hits[aid])}
        if aid in rechecked:
            values["rechecks"] = done + 1
            values["recheck_at"] = next_check(first_seen, done + 1, now)
        elif due is None and done == 0:
            values["recheck_at"] = next_check(first_seen, 0, now)
        else:
            continue
        rows.append(values)
    if rows:
        # SQLAlchemy's bulk UPDATE by primary key: one executemany for the rows with the
        # same columns. A statement an article cost 0.5 ms of the crawl's CPU each (#19).
        session.execute(update(Article), rows)


def record_outcomes(session: Session, outcomes: Sequence[Rechecked], now: datetime) -> None:
    """Re-checks that stored no article: unchanged (304, or a failed fetch: tried no more
    than the schedule says) or removed by the publisher."""
    for o in outcomes:
        art = session.get(Article, o.article_id)
        if art is None:  # deleted meanwhile
            continue
        if o.removed:
            art.removed_at = art.removed_at or o.seen_at
            art.recheck_at = None
            # Due again: the digest and `monitor hits` say "removed by the publisher".
            session.execute(
                update(Hit).where(Hit.article_id == o.article_id).values(changed_at=now)
            )
            continue
        art.rechecks += 1
        art.recheck_at = next_check(art.first_seen_at, art.rechecks, now)
