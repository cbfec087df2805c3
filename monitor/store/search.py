"""Full-text search over article titles and text, kept in sync by the database itself
(SQLite FTS5 with triggers, PostgreSQL tsvector + GIN; see migration 0002).

User input never reaches the search syntax raw: its words are quoted (FTS5) or parsed by
``websearch_to_tsquery`` (PostgreSQL), so no input raises a syntax error. Words are ANDed.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, false, literal_column, select, text
from sqlalchemy.orm import Session

from monitor.store.models import Article

_WORDS = re.compile(r"\w+")


def fts5_query(user_text: str) -> str | None:
    """Each word as an FTS5 string ("a" "b" is a AND b); None when there is no word."""
    words = _WORDS.findall(user_text)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or None


def matches(session: Session, user_text: str) -> ColumnElement[bool]:
    """A condition on Article for 'its title or text contains these words'."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        query = fts5_query(user_text)
        if query is None:
            return false()
        ids: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(text("articles_fts"))
            .where(text("articles_fts MATCH :fts").bindparams(fts=query))
        )
        return Article.id.in_(ids)
    if dialect == "postgresql":
        if not _WORDS.search(user_text):
            return false()
        cleaned = user_text.replace("\x00", " ")  # PostgreSQL text cannot hold NUL
        condition = text("articles.search @@ websearch_to_tsquery('simple', :q)")
        return condition.bindparams(q=cleaned)  # type: ignore[return-value]
    raise NotImplementedError(f"no full-text search on {dialect}")
