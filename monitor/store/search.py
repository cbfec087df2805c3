"""Full-text search over article titles and text, kept in sync by the database itself
(SQLite FTS5 with triggers, PostgreSQL tsvector + GIN; see migrations 0002 and 0008: on
PostgreSQL each article's words are stemmed in its language), for the hit
list's searches (``monitor.store.hits``).

User input never reaches the search syntax raw: its words are quoted (FTS5) or parsed by
``websearch_to_tsquery`` (PostgreSQL), so no input raises a syntax error. Words are ANDed.
Results come newest article first. Neither backend may sort every match of a common word
(4-20 s for "iran" in a million articles, benchmarks/README.md):

- SQLite reads the FTS index in descending rowid order and stops at the page's end
  (``matching_newest_first``; FTS5 cannot return rows ordered by ``rowid, hits.id``, so
  nothing orders within an article).
- PostgreSQL: the matching articles among the newest N ids, by a plan chosen here for the
  window's size (``pg_matching_ids``), a larger window tried only when a page is not full
  (``keyset_windows``). Asked for ``ORDER BY id DESC LIMIT n`` in one query, the planner
  walks the primary key backwards whenever it underestimates how rare a word is (any word
  outside its statistics, misspellings first), de-TOASTing every tsvector: 5-26 s at a
  million articles. Windows are exact: every article outside one is older than every
  article inside it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, column, false, func, select, table, text
from sqlalchemy.orm import Session

from monitor.domain.language import PG_CONFIGS
from monitor.store.models import Article
from monitor.store.upsert import any_of

_WORDS = re.compile(r"\w+")
_FTS = table("articles_fts", column("rowid"))

#: PostgreSQL: the windows of the newest N ids a search tries in turn before all of them: a
#: common word fills a page of results in the first, a rare or misspelled one reaches the last.
PG_WINDOWS: tuple[int, ...] = (5_000, 50_000, 500_000)
#: PostgreSQL windows up to this many ids are walked id by id (see pg_matching_ids).
WALK_WINDOW = 5_000


def fts5_query(user_text: str) -> str | None:
    """Each word as an FTS5 string ("a" "b" is a AND b); None when there is no word."""
    words = _WORDS.findall(user_text)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or None


def matching_newest_first(
    session: Session,
    stmt: Select[Any],
    user_text: str,
    *,
    window: int | None = None,
    below: int | None = None,
) -> Select[Any]:
    """``stmt`` restricted to matching articles, newest article first and no order within
    an article: the form keyset pages build on (monitor.store.hits), which on SQLite reads
    the FTS index in rowid order and stops at the page's end, sorting nothing.

    ``below``: only articles older than this id (the page's cursor). ``window``
    (PostgreSQL; see :func:`keyset_windows`): only the matching articles among the
    ``window`` ids under ``below`` (or under the newest), found by :func:`pg_matching_ids`."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        query = fts5_query(user_text)
        if query is None:
            return stmt.where(false())
        stmt = stmt.join(_FTS, _FTS.c.rowid == Article.id).where(
            text("articles_fts MATCH :fts").bindparams(fts=query)
        )
        if below is not None:
            # Said of the FTS5 rowid too, so the full-text scan itself starts at the cursor.
            stmt = stmt.where(Article.id < below, _FTS.c.rowid < below)
        return stmt.order_by(_FTS.c.rowid.desc())
    if dialect == "postgresql":
        if not _WORDS.search(user_text):
            return stmt.where(false())
        ids = pg_matching_ids(session, user_text, window=window, below=below)
        return stmt.where(any_of(session, Article.__table__.c.id, ids)).order_by(Article.id.desc())
    raise NotImplementedError(f"no full-text search on {dialect}")


def pg_matching_ids(
    session: Session,
    user_text: str,
    *,
    window: int | None = None,
    below: int | None = None,
    limit: int | None = None,
) -> list[int]:
    """PostgreSQL: the ids of the articles matching ``user_text`` (under ``below``; among
    the ``window`` ids under it), newest first, at most ``limit``.

    The plan is chosen here, not by the planner, which does not count the cost of testing a
    row: its tsvector is read out of line (TOAST). A small window walks its ids and tests
    each (at most WALK_WINDOW rows: 35-80 ms); a larger one, or all, ANDs the GIN index's
    matches with the id range (a common word's posting list costs ~100 ms to read, so not
    for small windows). Left to itself the planner walked 50,000 ids for "oil": 350 ms
    against 35 ms by bitmaps (benchmarks/README.md)."""
    if not _WORDS.search(user_text):
        return []
    cleaned = user_text.replace("\x00", " ")  # PostgreSQL text cannot hold NUL
    stmt = select(Article.id).where(text(pg_match_sql()).bindparams(q=cleaned))
    if below is not None:
        stmt = stmt.where(Article.id < below)
    if window is not None:
        top = below
        if top is None:
            top = (session.scalar(select(func.max(Article.id))) or 0) + 1
        stmt = stmt.where(Article.id >= top - window)
    off = (
        "enable_bitmapscan" if window is not None and window <= WALK_WINDOW else "enable_indexscan"
    )
    previous = session.scalar(text("SELECT current_setting(:name)").bindparams(name=off))
    session.execute(text("SELECT set_config(:name, 'off', true)").bindparams(name=off))
    try:
        return list(session.scalars(stmt.order_by(Article.id.desc()).limit(limit)))
    finally:
        session.execute(text("SELECT set_config(:name, :v, true)").bindparams(name=off, v=previous))


def pg_tsquery_sql(param: str = "q") -> str:
    """The query ``:param`` parsed as each article's language stems (``monitor_regconfig``,
    migration 0008): a German search finds "Häuser" for "Haus" in German articles only."""
    return f"websearch_to_tsquery(monitor_regconfig(articles.lang), :{param})"


def pg_match_sql(param: str = "q") -> str:
    """Articles matching ``:param`` in their language. The GIN index cannot use a query that
    depends on the row, so the words parsed by every configuration, ORed, select the
    candidates from the index, and each candidate is then tested in its own language."""
    configs = sorted({"simple", *PG_CONFIGS.values()})
    any_language = " || ".join(f"websearch_to_tsquery('{c}', :{param})" for c in configs)
    return f"(articles.search @@ ({any_language}) AND articles.search @@ {pg_tsquery_sql(param)})"


def keyset_windows(session: Session) -> tuple[int | None, ...]:
    """The windows a keyset page of search results tries in turn (None: every match).

    PostgreSQL only: asked for the newest matches at once, its planner walks the primary
    key backwards for any word rarer than its statistics say (7.6 s at a million articles
    for a rare word); a window's matches come from the GIN index. SQLite reads FTS5 newest
    first and stops at the page's end by itself."""
    if session.get_bind().dialect.name == "postgresql":
        return (*PG_WINDOWS, None)
    return (None,)
