"""Writes to the store. Callers open the session (one per item, job or command) and commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor import config as cfg
from monitor.crawl.items import ArticleData
from monitor.dedup import canonical_url, content_hash, url_key
from monitor.matching import Hit as MatchHit
from monitor.store.models import Article, ArticleUrl, CrawlRun, Digest, Hit, Source, utcnow
from monitor.store.upsert import insert_ignore

#: An article whose page could not be fetched is tried again this many times in later crawls.
MAX_FETCH_ATTEMPTS = 3


@dataclass(frozen=True)
class Stored:
    article_id: int
    new_article: bool
    new_hits: tuple[str, ...]  # watchlists newly hit


def sync_sources(session: Session, sources: Iterable[cfg.Source]) -> None:
    """Make the sources table agree with the configuration (kept rows keep their state)."""
    existing = {s.name: s for s in session.scalars(select(Source))}
    for s in sources:
        row = existing.get(s.name)
        if row is None:
            session.add(
                Source(
                    name=s.name,
                    kind=s.kind,
                    url=s.url,
                    interval_seconds=int(s.interval),
                    consecutive_failures=0,
                )
            )
        else:
            if row.url != s.url or row.kind != s.kind:
                row.next_check_at = None  # a new address is checked at once
            row.kind, row.url, row.interval_seconds = s.kind, s.url, int(s.interval)
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


def record_source_result(
    session: Session,
    name: str,
    *,
    error: str | None,
    entries: int | None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    src = session.scalars(select(Source).where(Source.name == name)).one()
    src.last_checked_at = now
    src.next_check_at = now + timedelta(seconds=src.interval_seconds)
    if error is None:
        src.last_success_at = now
        src.consecutive_failures = 0
        src.last_entries = entries
    else:
        src.last_error = error[:2000]
        src.last_error_at = now
        src.consecutive_failures = (src.consecutive_failures or 0) + 1


def known_url_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Keys of URLs whose article is stored and need not be fetched again."""
    if not keys:
        return set()
    rows = session.execute(
        select(ArticleUrl.url_key)
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(
            ArticleUrl.url_key.in_(list(keys)),
            (Article.text.is_not(None)) | (Article.fetch_attempts >= MAX_FETCH_ATTEMPTS),
        )
    )
    return set(rows.scalars())


def store_article(session: Session, data: ArticleData, hits: Sequence[MatchHit]) -> Stored:
    """Insert or complete the article reached by any of its URLs, and its new hits."""
    urls = {url_key(u): canonical_url(u) for u in [data.url, *data.other_urls] if u}
    source_id = session.scalars(select(Source.id).where(Source.name == data.source)).one()
    article_id = session.scalars(
        select(ArticleUrl.article_id).where(ArticleUrl.url_key.in_(list(urls))).limit(1)
    ).first()
    new_article = article_id is None
    if article_id is None:
        # The canonical URL, when the page gave one, names the article; else the link.
        main = data.other_urls[-1] if data.other_urls else data.url
        key = url_key(main)
        values = dict(
            url_key=key,
            url=canonical_url(main),
            source_id=source_id,
            title=data.title,
            summary=data.summary,
            text=data.text,
            published_at=data.published_at,
            first_seen_at=utcnow(),
            fetch_error=data.fetch_error,
            fetch_attempts=1,
            content_hash=content_hash(data.title, data.text or data.summary),
        )
        stmt = insert_ignore(session, Article.__table__, ["url_key"]).values(**values)  # type: ignore[arg-type]
        inserted = session.execute(stmt.returning(Article.id)).scalar()
        new_article = inserted is not None
        article_id = (
            inserted
            if inserted is not None
            else session.scalars(select(Article.id).where(Article.url_key == key)).one()
        )
    else:
        _complete(session, article_id, data)
    session.execute(
        insert_ignore(session, ArticleUrl.__table__, ["url_key"]),  # type: ignore[arg-type]
        [{"url_key": k, "url": u, "article_id": article_id} for k, u in urls.items()],
    )
    new_hits = []
    for h in hits:
        stmt = insert_ignore(session, Hit.__table__, ["article_id", "watchlist"]).values(  # type: ignore[arg-type]
            article_id=article_id,
            watchlist=h.watchlist,
            matched=list(h.matched),
            matches=[
                {"term": m.term, "field": m.field, "start": m.start, "end": m.end}
                for m in h.matches
            ],
            snippet=h.snippet.text,
            highlights=[list(r) for r in h.snippet.highlights],
            created_at=utcnow(),
        )
        if session.execute(stmt.returning(Hit.id)).scalar() is not None:
            new_hits.append(h.watchlist)
    return Stored(article_id, new_article, tuple(new_hits))


def _complete(session: Session, article_id: int, data: ArticleData) -> None:
    """A stored article seen again: fill in the text if an earlier fetch failed."""
    art = session.get(Article, article_id)
    assert art is not None
    if art.text is None:
        art.fetch_attempts += 1
        if data.text is not None:
            art.text, art.fetch_error = data.text, None
            art.title = art.title or data.title
            art.published_at = art.published_at or data.published_at
            art.content_hash = content_hash(art.title, art.text)
        elif data.fetch_error:
            art.fetch_error = data.fetch_error


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


def record_digest(
    session: Session,
    *,
    status: str,
    slot_at: datetime | None,
    recipients: Sequence[str],
    hit_ids: Sequence[int] = (),
    destination: str | None = None,
    message_id: str | None = None,
    error: str | None = None,
) -> int:
    """Record a digest run; when it was delivered, tie its hits to it in the same
    transaction, so a hit is marked sent exactly when its mail was accepted."""
    now = utcnow()
    digest = Digest(
        status=status,
        slot_at=slot_at,
        recipients=list(recipients),
        hit_count=len(hit_ids),
        destination=destination,
        message_id=message_id,
        error=error,
        created_at=now,
    )
    session.add(digest)
    session.flush()
    if status == "sent" and hit_ids:
        session.execute(
            update(Hit)
            .where(Hit.id.in_(list(hit_ids)), Hit.digest_id.is_(None))
            .values(digest_id=digest.id, sent_at=now)
        )
    return digest.id


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count(Article.id))) or 0
