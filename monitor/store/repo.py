"""Writes to the store. Callers open the session (one per item, job or command) and commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from monitor import config as cfg
from monitor import stories
from monitor.crawl.items import ArticleData, SourceStatus
from monitor.dedup import canonical_url, content_hash, url_key
from monitor.matching import Hit as MatchHit
from monitor.schedule import RATE_WINDOW, adaptive_interval
from monitor.store.models import (
    Article,
    ArticleRevision,
    ArticleUrl,
    CrawlRun,
    Hit,
    Source,
    StoryBand,
    utcnow,
)
from monitor.store.upsert import insert_ignore

#: An article whose page could not be fetched is tried again this many times in later crawls.
MAX_FETCH_ATTEMPTS = 3


@dataclass(frozen=True)
class Stored:
    article_id: int
    new_article: bool
    new_hits: tuple[str, ...]  # watchlists newly hit
    revised: bool = False  # a stored article whose title or text changed
    story_id: int | None = None


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
                    interval_seconds=int(s.interval),
                    consecutive_failures=0,
                )
            )
        else:
            if row.url != s.url or row.kind != s.kind:
                row.next_check_at = None  # a new address is checked at once
                row.fetch_url, row.gone = None, False
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
) -> None:
    """Store a check's outcome and when to check next: after a success, the interval, or
    up to ``max_interval`` for a source that rarely has anything new; after failures, an
    exponential backoff (at least what Retry-After asked, at most a day)."""
    now = now or utcnow()
    src = session.scalars(select(Source).where(Source.name == name)).one()
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


def _adapted(
    session: Session, src: Source, base: timedelta, maximum: timedelta, now: datetime
) -> timedelta:
    """The source's publishing rate over the last week (or the time it has been checked,
    if shorter: ``checks`` at the base interval) turned into its next interval."""
    history = min(RATE_WINDOW, base * (src.checks or 0))
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


def set_feed_title(session: Session, url: str, title: str) -> None:
    article_id = session.scalars(
        select(ArticleUrl.article_id).where(ArticleUrl.url_key == url_key(url))
    ).first()
    if article_id is not None:
        session.execute(
            update(Article)
            .where(Article.id == article_id, Article.feed_title.is_(None))
            .values(feed_title=title)
        )


def store_article(
    session: Session, data: ArticleData, hits: Sequence[MatchHit], signature: bytes | None = None
) -> Stored:
    """Insert or complete (or revise) the article reached by any of its URLs, and its
    hits. ``signature`` is the text's MinHash (monitor.stories), for story clustering."""
    urls = {url_key(u): canonical_url(u) for u in [data.url, *data.other_urls] if u}
    source_id = session.scalars(select(Source.id).where(Source.name == data.source)).one()
    article_id = session.scalars(
        select(ArticleUrl.article_id).where(ArticleUrl.url_key.in_(list(urls))).limit(1)
    ).first()
    new_article = article_id is None
    revised = False
    story_id = None
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
            feed_title=data.feed_title,
            minhash=signature,
        )
        stmt = insert_ignore(session, Article.__table__, ["url_key"]).values(**values)  # type: ignore[arg-type]
        inserted = session.execute(stmt.returning(Article.id)).scalar()
        new_article = inserted is not None
        if inserted is None:
            article_id = session.scalars(select(Article.id).where(Article.url_key == key)).one()
        else:
            article_id = inserted
            story_id = assign_story(session, article_id, signature)
    else:
        revised = _complete_or_revise(session, article_id, data, signature)
    session.execute(
        insert_ignore(session, ArticleUrl.__table__, ["url_key"]),  # type: ignore[arg-type]
        [{"url_key": k, "url": u, "article_id": article_id} for k, u in urls.items()],
    )
    new_hits = []
    now = utcnow()
    for h in hits:
        fields = _hit_fields(h)
        stmt = insert_ignore(session, Hit.__table__, ["article_id", "watchlist"]).values(  # type: ignore[arg-type]
            article_id=article_id, watchlist=h.watchlist, created_at=now, changed_at=now, **fields
        )
        if session.execute(stmt.returning(Hit.id)).scalar() is not None:
            new_hits.append(h.watchlist)
        elif revised:
            # Not a new hit: the same one, due again to whoever had it, marked "updated".
            session.execute(
                update(Hit)
                .where(Hit.article_id == article_id, Hit.watchlist == h.watchlist)
                .values(**fields, updated=True, changed_at=now)
            )
    return Stored(article_id, new_article, tuple(new_hits), revised, story_id)


def _hit_fields(h: MatchHit) -> dict[str, object]:
    return {
        "matched": list(h.matched),
        "matches": [
            {"term": m.term, "field": m.field, "start": m.start, "end": m.end} for m in h.matches
        ],
        "snippet": h.snippet.text,
        "highlights": [list(r) for r in h.snippet.highlights],
    }


def assign_story(session: Session, article_id: int, signature: bytes | None) -> int:
    """The story of a new article: that of the most similar recent article above the
    threshold, else its own. Its bands are stored for the articles that come later."""
    story = article_id
    if signature is not None:
        keys = stories.bands(signature)
        candidates = session.execute(
            select(Article.id, Article.story_id, Article.minhash).where(
                Article.id.in_(
                    select(StoryBand.article_id)
                    .where(StoryBand.band.in_(keys))
                    .distinct()
                    .limit(200)
                )
            )
        ).all()
        best = 0.0
        for cid, cstory, sig in candidates:
            if cid == article_id or sig is None:
                continue
            sim = stories.similarity(signature, sig)
            if sim >= stories.THRESHOLD and sim > best:
                best, story = sim, cstory or cid
        session.execute(
            insert_ignore(session, StoryBand.__table__, ["band", "article_id"]),  # type: ignore[arg-type]
            [{"band": b, "article_id": article_id} for b in keys],
        )
    session.execute(update(Article).where(Article.id == article_id).values(story_id=story))
    return story


def prune_story_bands(session: Session, older_than: datetime) -> int:
    """Copies of a story appear within days: bands of older articles only cost space."""
    # The first article seen since the cut-off, through ix_articles_first_seen_at: min(id)
    # would walk the primary key from the oldest article (1-5 s at a million articles).
    oldest_kept = session.scalar(
        select(Article.id)
        .where(Article.first_seen_at >= older_than)
        .order_by(Article.first_seen_at, Article.id)
        .limit(1)
    )
    stmt = delete(StoryBand)
    if oldest_kept is not None:
        stmt = stmt.where(StoryBand.article_id < oldest_kept)
    return session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]


def _complete_or_revise(
    session: Session, article_id: int, data: ArticleData, signature: bytes | None
) -> bool:
    """A stored article seen again: fill in the text if an earlier fetch failed, or keep a
    revision if its title or text changed. True when it was revised."""
    art = session.get(Article, article_id)
    assert art is not None
    if data.feed_title:
        art.feed_title = data.feed_title
    if art.text is None:
        art.fetch_attempts += 1
        if data.text is not None:
            art.text, art.fetch_error = data.text, None
            art.title = art.title or data.title
            art.published_at = art.published_at or data.published_at
            art.content_hash = content_hash(art.title, art.text)
            art.minhash = signature
        elif data.fetch_error:
            art.fetch_error = data.fetch_error
        return False
    if data.text is None:
        return False
    title = data.title or art.title
    new_hash = content_hash(title, data.text)
    if new_hash == art.content_hash:
        return False
    now = utcnow()
    session.add(
        ArticleRevision(
            article_id=article_id,
            seen_at=now,
            old_title=art.title,
            new_title=title,
            old_hash=art.content_hash,
            new_hash=new_hash,
        )
    )
    art.title, art.text, art.content_hash, art.updated_at = title, data.text, new_hash, now
    art.minhash = signature or art.minhash
    return True


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
