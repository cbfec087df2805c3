"""The schema. Readable by any SQL tool: plain tables, UTC timestamps, JSON as text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns timezone-aware UTC datetimes on every backend (SQLite has no zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Source(Base):
    """A configured source and its fetch state; failures are data, not log lines."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_check_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_entries: Mapped[int | None] = mapped_column(Integer)
    # Conditional GET: the validators of the last good response, and a hash of its body for
    # servers that send none.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(32))
    checks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_modified: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failing_since: Mapped[datetime | None]  # first failure of the current streak
    gone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # 410
    # Where the source lives now, after a permanent redirect (301/308) from its URL.
    fetch_url: Mapped[str | None] = mapped_column(Text)
    # A site source's discovery (issue #16): its findings as JSON (monitor.domain.sources
    # .Finding), and when it was done.
    discovered: Mapped[str | None] = mapped_column(Text)
    discovered_at: Mapped[datetime | None]
    # Article pages that answered 200 but were a bot or consent wall, or had no text.
    blocked_pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    thin_pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    page_trouble_at: Mapped[datetime | None]  # the last blocked or thin page


class Article(Base):
    """One story at one canonical URL, however many URLs led to it."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url_key: Mapped[str] = mapped_column(String(32), unique=True)
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(32))
    fetch_error: Mapped[str | None] = mapped_column(Text)
    fetch_attempts: Mapped[int] = mapped_column(Integer, default=1)
    # The story this article is a copy of: the id of its cluster's first article (itself
    # when it is the first or has no copies). Syndicated copies share it.
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL", name="fk_articles_story_id"), index=True
    )
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # 128 x uint32, for clustering
    updated_at: Mapped[datetime | None]  # last time its title or text changed
    # The headline last seen in a feed entry: when a feed shows another one, the article was
    # rewritten, so its page is fetched again and the change kept as a revision.
    feed_title: Mapped[str | None] = mapped_column(Text)
    # ISO 639-1 (monitor.domain.language); PostgreSQL's search stems by it (migration 0008).
    lang: Mapped[str | None] = mapped_column(String(8))
    # Re-checks of an article with hits (monitor.store.rechecks): when the next is due, how
    # many were made, the page's validators for a conditional GET, and when the publisher
    # was seen to have removed it (404/410, or a redirect to the homepage).
    recheck_at: Mapped[datetime | None]
    rechecks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None]

    source: Mapped[Source] = relationship()
    hits: Mapped[list[Hit]] = relationship(back_populates="article")

    __table_args__ = (
        Index("ix_articles_first_seen_at", "first_seen_at"),
        Index("ix_articles_source_seen", "source_id", "first_seen_at"),
        Index("ix_articles_recheck_at", "recheck_at"),
    )


class ArticleRevision(Base):
    """A change of a stored article's title or text (headlines get rewritten)."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    old_title: Mapped[str | None] = mapped_column(Text)
    new_title: Mapped[str | None] = mapped_column(Text)
    old_hash: Mapped[str] = mapped_column(String(32))
    new_hash: Mapped[str] = mapped_column(String(32))


class Snapshot(Base):
    """An article's page as served, kept in a WARC file of the archive (monitor.archive):
    the file (relative to the archive folder), the record's offset and length in it. Written
    only after the record is flushed to disk. ``pruned_at``: retention deleted the file."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text)  # where it was fetched (after redirects)
    status: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime]
    file: Mapped[str] = mapped_column(Text, index=True)
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(Integer)
    pruned_at: Mapped[datetime | None]


class RobotsTxt(Base):
    """A host's robots.txt as last fetched (2xx and 4xx answers; a 5xx is asked again), so
    that crawls within a day reuse it (``monitor.crawl.robots``): RFC 9309 lets a crawler
    cache it up to 24 hours. ``host`` is the URL's netloc, port included."""

    __tablename__ = "robots_txt"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime]


class ArticleUrl(Base):
    """Every URL seen for an article (feed link, section link, redirect target, canonical)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url_key: Mapped[str] = mapped_column(String(32), unique=True)
    url: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


class Hit(Base):
    """An article matched by a watchlist: one per (article, watchlist), whatever the re-crawls."""

    __tablename__ = "hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # The article's source, kept here too (an article never changes source) so that a
    # source's hits, newest first, are one index range: `monitor hits --source`.
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", name="fk_hits_source_id_sources")
    )
    watchlist: Mapped[str] = mapped_column(String(64))
    matched: Mapped[list[Any]]  # distinct terms that matched
    matches: Mapped[list[Any]]  # [{term, field, start, end}] character offsets per field
    snippet: Mapped[str] = mapped_column(Text)
    highlights: Mapped[list[Any]]  # [[start, end]] ranges of the snippet to highlight
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the hit was created or its article last revised: a recipient whose delivery of
    # this hit is older gets it again, marked "updated".
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The first digest that delivered it, to anyone (per recipient: the deliveries table).
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id"))
    sent_at: Mapped[datetime | None]
    # The article was revised after this hit was first made.
    updated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    article: Mapped[Article] = relationship(back_populates="hits")

    __table_args__ = (
        UniqueConstraint("article_id", "watchlist", name="uq_hits_article_watchlist"),
        Index("ix_hits_created_at", "created_at"),
        Index("ix_hits_watchlist_created", "watchlist", "created_at"),
        Index("ix_hits_source_created", "source_id", "created_at"),
        # The digest's question: what changed in these watchlists since the recipient's floor.
        Index("ix_hits_watchlist_changed", "watchlist", "changed_at"),
        # `monitor hits --updated` (with or without --watchlist): the few revised hits,
        # newest first, without walking every hit.
        Index(
            "ix_hits_updated",
            "created_at",
            sqlite_where=text("updated = 1"),
            postgresql_where=text("updated = true"),
        ),
        Index(
            "ix_hits_updated_watchlist",
            "watchlist",
            "created_at",
            sqlite_where=text("updated = 1"),
            postgresql_where=text("updated = true"),
        ),
    )


class CrawlRun(Base):
    """One crawl cycle: what it did, so `monitor sources` and the logs can tell."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|failed|aborted
    sources: Mapped[list[Any]]
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    hits_new: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]]  # [{source, error}]
    pid: Mapped[int | None] = mapped_column(Integer)


class Digest(Base):
    """One digest run: sent, empty or failed; a hit is tied to the digest that delivered it."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_at: Mapped[datetime | None] = mapped_column(index=True)  # the scheduled time it serves
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16))  # sent | empty | failed
    hit_count: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[list[Any]]
    recipient: Mapped[str | None] = mapped_column(String(64))  # its [[recipients]] name
    destination: Mapped[str | None] = mapped_column(Text)  # SMTP host or .eml path
    message_id: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class RecipientState(Base):
    """A configured recipient's delivery state: what is due for it and how sending went."""

    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every hit changed before this was delivered (or predates the recipient): the digest
    # looks at hits changed since, which keeps its question small however big the archive.
    floor_at: Mapped[datetime]
    last_slot_at: Mapped[datetime | None]  # the latest scheduled time served (sent or empty)
    last_sent_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # after a failure: not before this
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class Delivery(Base):
    """A hit delivered to a recipient, in the version it had then (``hit_changed_at``)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"))
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id", ondelete="CASCADE"), index=True)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id"))
    hit_changed_at: Mapped[datetime]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("recipient_id", "hit_id", name="uq_deliveries_recipient_hit"),
    )
