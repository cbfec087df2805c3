"""Full-text search over article titles and text, kept in sync by the database itself
(SQLite FTS5 with triggers, PostgreSQL tsvector + GIN; see migration 0002).

User input never reaches the search syntax raw: its words are quoted (FTS5) or parsed by
``websearch_to_tsquery`` (PostgreSQL), so no input raises a syntax error. Words are ANDed.
Results come newest article first, an article's hits newest first (``hits.id``, so the order
is stable). Both backends avoid sorting every match of a common word:

- SQLite reads the FTS index in descending rowid order and stops at the limit (20 s -> under
  10 ms for "iran" in a million articles, benchmarks/README.md).
- PostgreSQL materializes the ids of matching articles through the GIN index, in windows of
  the newest articles first (``WINDOWS``), and stops at the first window that fills the limit.
  Asked for ``ORDER BY id DESC LIMIT n`` in one query, the planner walks the primary key
  backwards whenever it underestimates how rare a word is (any word outside its statistics,
  misspellings first), de-TOASTing every tsvector: 5-26 s at a million articles.
  The windows are exact: every article outside a window is older than every one inside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, TextClause, column, func, select, table, text
from sqlalchemy.orm import Session

from monitor.store.models import Article, Hit

_WORDS = re.compile(r"\w+")
_FTS = table("articles_fts", column("rowid"))

#: The newest article ids PostgreSQL searches first, in turn, before all of them: a common
#: word fills a page of results in the first, a rare or misspelled one reaches the last.
WINDOWS: tuple[int, ...] = (5_000, 50_000, 500_000)


def fts5_query(user_text: str) -> str | None:
    """Each word as an FTS5 string ("a" "b" is a AND b); None when there is no word."""
    words = _WORDS.findall(user_text)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or None


def newest_matching(
    session: Session,
    stmt: Select[Any],
    user_text: str,
    *,
    limit: int | None = None,
    windows: Sequence[int] | None = None,
) -> list[Any]:
    """The rows of ``stmt`` (over hits joined to their articles) whose article's title or
    text contain every word of ``user_text``: newest article first, then newest hit, at most
    ``limit``. ``windows`` (increasing; default ``WINDOWS``) applies to PostgreSQL only."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        query = fts5_query(user_text)
        if query is None:
            return []
        stmt = (
            stmt.join(_FTS, _FTS.c.rowid == Article.id)
            .where(text("articles_fts MATCH :fts").bindparams(fts=query))
            .order_by(_FTS.c.rowid.desc(), Hit.id.desc())
        )
        return list(session.execute(stmt.limit(limit)))
    if dialect == "postgresql":
        if not _WORDS.search(user_text):
            return []
        cleaned = user_text.replace("\x00", " ")  # PostgreSQL text cannot hold NUL
        condition = text("articles.search @@ websearch_to_tsquery('simple', :q)").bindparams(
            q=cleaned
        )
        stmt = stmt.order_by(Article.id.desc(), Hit.id.desc()).limit(limit)
        if limit is None:  # everything is asked for: no window can stop early
            windows = ()
        rows: list[Any] = []
        for window in [*(WINDOWS if windows is None else windows), None]:
            rows = list(session.execute(_in_window(stmt, condition, window)))
            if limit is not None and len(rows) >= limit:
                break
        return rows
    raise NotImplementedError(f"no full-text search on {dialect}")


def _in_window(stmt: Select[Any], condition: TextClause, window: int | None) -> Select[Any]:
    """``stmt`` restricted to the matching articles among the newest ``window`` ids (all
    when None), found through the GIN index first (MATERIALIZED keeps the planner from
    folding the search back into a walk of the primary key)."""
    ids = select(Article.id).where(condition)
    if window is not None:
        newest = select(func.max(Article.id)).correlate(None).scalar_subquery()
        ids = ids.where(Article.id > newest - window)
    matching = ids.cte("matching").prefix_with("MATERIALIZED")
    return stmt.where(Article.id.in_(select(matching.c.id)))
