"""One article and everything the archive knows of it, for `monitor show` and the web view's
article page: its hits (with snippets and match offsets), revisions, URLs and story copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.domain.times import iso
from monitor.store.articles import ArticleRow, StoryCopy, story_copies
from monitor.store.models import Article, ArticleRevision, ArticleUrl, Hit, Source
from monitor.store.snapshots import SnapshotRow, snapshots_of


@dataclass(frozen=True)
class ArticleHit:
    id: int
    watchlist: str
    matched: list[str]
    matches: list[dict[str, Any]]
    snippet: str
    highlights: list[list[int]]
    found: datetime
    sent_at: datetime | None
    updated: bool


@dataclass(frozen=True)
class Revision:
    seen_at: datetime
    old_title: str | None
    new_title: str | None


@dataclass(frozen=True)
class ArticleView(ArticleRow):
    """A stored article (the row the backtest reads too) with all the archive holds of it."""

    updated_at: datetime | None
    fetch_error: str | None
    story_id: int | None
    hits: list[ArticleHit]
    revisions: list[Revision]
    aliases: list[str]  # every URL seen for it, the canonical one included
    copies: list[StoryCopy]  # the other articles of its story, earliest first
    removed_at: datetime | None = None  # seen removed by the publisher
    snapshots: list[SnapshotRow] = field(default_factory=list)  # its pages as served

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "source": self.source,
            "published": iso(self.published),
            "first_seen": iso(self.first_seen),
            "updated_at": iso(self.updated_at),
            "fetch_error": self.fetch_error,
            "story_id": self.story_id,
            "lang": self.lang,
            "removed": iso(self.removed_at),
            "snapshots": [snap.as_dict() for snap in self.snapshots],
            "summary": self.summary,
            "text": self.text,
            "hits": [
                {
                    "id": h.id,
                    "watchlist": h.watchlist,
                    "matched": h.matched,
                    "matches": h.matches,
                    "snippet": h.snippet,
                    "highlights": h.highlights,
                    "found": iso(h.found),
                    "sent_at": iso(h.sent_at),
                    "updated": h.updated,
                }
                for h in self.hits
            ],
            "revisions": [
                {"seen_at": iso(r.seen_at), "old_title": r.old_title, "new_title": r.new_title}
                for r in self.revisions
            ],
            "aliases": self.aliases,
            "copies": [
                {
                    "id": c.article_id,
                    "source": c.source,
                    "url": c.url,
                    "published": iso(c.published),
                }
                for c in self.copies
            ],
        }


def find_article_id(session: Session, ref: str) -> int | None:
    """The article named by ``ref``: its id, or any URL it was seen at (tracking
    parameters, ``www.``, AMP and the like do not matter, as in the crawl)."""
    from monitor.domain.urls import url_key  # courlan: 0.1 s to import, only needed for a URL

    ref = ref.strip()
    if ref.isdigit():
        return session.scalar(select(Article.id).where(Article.id == int(ref)))
    return session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url_key == url_key(ref)))


def load_article(session: Session, article_id: int) -> ArticleView | None:
    row = session.execute(
        select(Article, Source.name)
        .join(Source, Source.id == Article.source_id)
        .where(Article.id == article_id)
    ).first()
    if row is None:
        return None
    a, source = row
    hits = [
        ArticleHit(
            h.id,
            h.watchlist,
            list(h.matched),
            list(h.matches),
            h.snippet,
            list(h.highlights),
            h.created_at,
            h.sent_at,
            h.updated,
        )
        for h in session.scalars(
            select(Hit).where(Hit.article_id == article_id).order_by(Hit.watchlist)
        )
    ]
    revisions = [
        Revision(r.seen_at, r.old_title, r.new_title)
        for r in session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article_id)
            .order_by(ArticleRevision.seen_at, ArticleRevision.id)
        )
    ]
    urls = select(ArticleUrl.url).where(ArticleUrl.article_id == article_id)
    aliases = list(session.scalars(urls.order_by(ArticleUrl.id)))
    copies = []
    if a.story_id is not None:
        story = story_copies(session, [a.story_id]).get(a.story_id, [])
        copies = [c for c in story if c.article_id != a.id]
    return ArticleView(
        id=a.id,
        url=a.url,
        title=a.title,
        summary=a.summary,
        text=a.text,
        source=source,
        published=a.published_at,
        first_seen=a.first_seen_at,
        lang=a.lang,
        updated_at=a.updated_at,
        fetch_error=a.fetch_error,
        story_id=a.story_id,
        hits=hits,
        revisions=revisions,
        aliases=aliases,
        copies=copies,
        removed_at=a.removed_at,
        snapshots=snapshots_of(session, [a.id]).get(a.id, []),
    )
