"""Full-text search over article titles and text, kept in sync by the database itself
(SQLite FTS5 with triggers, PostgreSQL tsvector + GIN; see migration 0002).

User input never reaches the search syntax raw: its words are quoted (FTS5) or parsed by
``websearch_to_tsquery`` (PostgreSQL), so no input raises a syntax error. Words are ANDed.
Results come newest article first: on SQLite the FTS index is read in descending rowid order
and the query stops at the limit, instead of sorting every match of a common word (20 s ->
under 10 ms for "iran" in a million articles, benchmarks/README.md).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, column, false, table, text
from sqlalchemy.orm import Session

from monitor.store.models import Article

_WORDS = re.compile(r"\w+")
_FTS = table("articles_fts", column("rowid"))


def fts5_query(user_text: str) -> str | None:
    """Each word as an FTS5 string ("a" "b" is a AND b); None when there is no word."""
    words = _WORDS.findall(user_text)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or None


def newest_matching(session: Session, stmt: Select[Any], user_text: str) -> Select[Any]:
    """``stmt`` (over articles) restricted to articles whose title or text contain every
    word of ``user_text``, newest article first."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        query = fts5_query(user_text)
        if query is None:
            return stmt.where(false())
        return (
            stmt.join(_FTS, _FTS.c.rowid == Article.id)
            .where(text("articles_fts MATCH :fts").bindparams(fts=query))
            .order_by(_FTS.c.rowid.desc())
        )
    if dialect == "postgresql":
        if not _WORDS.search(user_text):
            return stmt.where(false())
        cleaned = user_text.replace("\x00", " ")  # PostgreSQL text cannot hold NUL
        condition = text("articles.search @@ websearch_to_tsquery('simple', :q)")
        return stmt.where(condition.bindparams(q=cleaned)).order_by(Article.id.desc())
    raise NotImplementedError(f"no full-text search on {dialect}")
