"""Every hit with its match metadata, streamed for `monitor export`: the rows a spreadsheet
or a notebook wants, at tens of thousands a second in constant memory.

Why the SQL does the formatting: turning a million timestamps and JSON columns into Python
objects and back costs more than the database reading them. Times come out as ISO 8601 text
and the JSON columns as their stored text, so the writer copies them through.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, literal, type_coerce
from sqlalchemy.orm import Session

from monitor.domain.filters import HitFilter
from monitor.store.hits import filtered
from monitor.store.models import Article, Hit, Source

#: The exported fields, in order; ``matched`` and ``matches`` hold JSON text.
FIELDS = (
    "hit_id",
    "watchlist",
    "found",
    "article_id",
    "story_id",
    "source",
    "url",
    "title",
    "published",
    "first_seen",
    "matched",
    "matches",
    "snippet",
    "sent_at",
    "updated",
    "lang",
    "removed",
)
JSON_FIELDS = frozenset({"matched", "matches"})
BOOL_FIELDS = frozenset({"updated"})


def _iso(session: Session, col: Any) -> ColumnElement[Any]:
    """A UTC timestamp as ISO 8601 text with its offset, formatted by the database."""
    if session.get_bind().dialect.name == "postgresql":
        fmt = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
        return func.to_char(func.timezone("UTC", col), fmt)
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC by the store's contract).
    raw = type_coerce(col, Text)
    return func.replace(raw, " ", "T").op("||")(literal("+00:00"))


def _json_text(col: Any) -> ColumnElement[Any]:
    return cast(col, Text)


def iter_export(
    session: Session, f: HitFilter, batch: int = 5000
) -> Generator[tuple[Any, ...], None, None]:
    """Rows of :data:`FIELDS` for every hit of ``f``, oldest hit first (by id), as the
    driver returns them (``updated`` is 0/1 on SQLite, a bool on PostgreSQL)."""
    columns = [
        Hit.id,
        Hit.watchlist,
        _iso(session, Hit.created_at),
        Article.id,
        Article.story_id,
        Source.name,
        Article.url,
        Article.title,
        _iso(session, Article.published_at),
        _iso(session, Article.first_seen_at),
        _json_text(Hit.matched),
        _json_text(Hit.matches),
        Hit.snippet,
        _iso(session, Hit.sent_at),
        Hit.updated,
        Article.lang,
        _iso(session, Article.removed_at),
    ]
    stmt = filtered(session, f, columns).order_by(Hit.id)
    if session.get_bind().dialect.name != "sqlite":
        # A server-side cursor (constant memory), through SQLAlchemy: its streaming result
        # reads ahead of the driver's cursor, so that cursor is not to be read directly.
        for row in session.execute(stmt.execution_options(yield_per=batch)):
            yield tuple(row)
        return
    # SQLite: the driver's own rows, from the cursor SQLAlchemy executed (a plain result
    # reads nothing ahead). Its Row objects cost more per row than SQLite does: 80,000 vs
    # 200,000 rows per CPU-second (benchmarks/README.md).
    result = session.connection().execute(stmt)  # Core: a CursorResult, not the ORM's
    cursor = result.cursor
    try:
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        result.close()
