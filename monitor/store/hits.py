"""The hit list: :class:`HitFilter` to SQL, keyset pages, and a stream for the exports;
the one way the CLI (`monitor hits`, `export`, `feed`), the web view, the demo, the tests
and the store benchmark list hits.

Every ordering ends on a unique key (the hit id), so pages never repeat or skip a row. Paging
is by the last row's sort key, not OFFSET: page 1,000 of "Iran" costs what page 1 does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from monitor.domain.filters import BadCursor, Cursor, HitFilter
from monitor.domain.times import iso
from monitor.store import search as fulltext
from monitor.store.models import Article, Hit, Source
from monitor.store.upsert import any_of

_FTS = table("articles_fts", column("rowid"), column("rank"))


@dataclass(frozen=True)
class HitRow:
    id: int
    watchlist: str
    matched: list[str]
    url: str
    title: str | None
    source: str
    published: datetime | None
    first_seen: datetime
    snippet: str
    highlights: list[list[int]]
    sent_at: datetime | None
    story_id: int | None = None
    updated: bool = False
    created: datetime | None = None  # when the hit was found
    changed: datetime | None = None  # when it was found or its article last revised
    lang: str | None = None  # the article's language (ISO 639-1)
    removed: datetime | None = None  # when the publisher was seen to have removed it

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "watchlist": self.watchlist,
            "matched": self.matched,
            "url": self.url,
            "title": self.title,
            "source": self.source,
            "published": iso(self.published),
            "first_seen": self.first_seen.isoformat(),
            "snippet": self.snippet,
            "highlights": self.highlights,
            "sent_at": iso(self.sent_at),
            "story_id": self.story_id,
            "updated": self.updated,
            "lang": self.lang,
            "removed": iso(self.removed),
        }


def hit_columns() -> list[Any]:
    """The columns of a ``HitRow``, in the order of its fields (the hit list adds its own
    after them)."""
    return [
        Hit.id,
        Hit.watchlist,
        Hit.matched,
        Article.url,
        Article.title,
        Source.name,
        Article.published_at,
        Article.first_seen_at,
        Hit.snippet,
        Hit.highlights,
        Hit.sent_at,
        Article.story_id,
        Hit.updated,
        Hit.created_at,
        Hit.changed_at,
        Article.lang,
        Article.removed_at,
    ]


def of_sources(names: Sequence[str]) -> ColumnElement[bool]:
    """Hits of these sources: a range of ``ix_hits_source_created`` per source."""
    return Hit.source_id.in_(select(Source.id).where(Source.name.in_(list(names))))


@dataclass(frozen=True)
class ListedHit(HitRow):
    """A row of the hit list: the hit, its article and, per story, how many copies."""

    article_id: int = 0
    copies: int = 1  # articles in its story (1 when it has no copies)

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        d["article_id"] = self.article_id
        d["found"] = iso(self.created)
        d["copies"] = self.copies
        return d


@dataclass(frozen=True)
class Page:
    rows: list[ListedHit]
    next: str | None  # the cursor of the next page, None on the last one


def _columns(f: HitFilter) -> list[Any]:
    cols: list[Any] = [*hit_columns(), Article.id]
    if f.per == "story":
        other = aliased(Article)
        cols.append(
            select(func.count(other.id)).where(other.story_id == Article.story_id).scalar_subquery()
        )
    return cols


def _terms_condition(session: Session, terms: tuple[str, ...]) -> ColumnElement[bool]:
    """Any of ``terms`` matched: as written, or in other case (SQLite's lower() folds only
    ASCII letters, PostgreSQL's every script)."""
    if session.get_bind().dialect.name == "postgresql":
        elements, value = "json_array_elements_text(hits.matched) AS m(v)", "m.v"
    else:
        elements, value = "json_each(hits.matched) AS m", "m.value"
    sql = f"EXISTS (SELECT 1 FROM {elements} WHERE {value} IN :raw OR lower({value}) IN :low)"  # noqa: S608
    return (
        text(sql).bindparams(
            bindparam("raw", list(terms), expanding=True),
            bindparam("low", [t.lower() for t in terms], expanding=True),
        )
    ).self_group()  # type: ignore[return-value]


def _first_copy_condition() -> ColumnElement[bool]:
    """No earlier copy of the same story has a hit on the same watchlist."""
    earlier, earlier_hit = aliased(Article), aliased(Hit)
    return ~exists(
        select(literal(1))
        .select_from(earlier)
        .join(earlier_hit, earlier_hit.article_id == earlier.id)
        .where(
            earlier.story_id == Article.story_id,
            earlier.id < Article.id,
            earlier_hit.watchlist == Hit.watchlist,
        )
    )


def filtered(
    session: Session,
    f: HitFilter,
    columns: Sequence[Any] | None = None,
    *,
    hits_only: bool = False,
) -> Select[Any]:
    """The filter's rows (of the hit list's columns, or ``columns``), not yet ordered or
    paged.

    ``hits_only``: ``columns`` are of the hits table, so articles are joined only when the
    filter needs them: a page's keys by watchlist, source, time or term then come from the
    hits' indexes alone (joined, SQLite read each of a source's 2,000 articles, 3 KB
    apiece, to sort their hits)."""
    needs_article = f.search or f.story is not None or f.per == "story" or f.langs or f.removed
    if not hits_only or needs_article:
        stmt = (
            select(*(columns if columns is not None else _columns(f)))
            .select_from(Hit)
            .join(Article, Article.id == Hit.article_id)
            .join(Source, Source.id == Hit.source_id)
        )
    else:
        assert columns is not None, "hits_only names the hits' columns"
        stmt = select(*columns).select_from(Hit)
    if f.watchlists:
        stmt = stmt.where(Hit.watchlist.in_(list(f.watchlists)))
    if f.sources:
        stmt = stmt.where(of_sources(f.sources))
    if f.since is not None:
        stmt = stmt.where(Hit.created_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Hit.created_at < f.until)
    if f.terms:
        stmt = stmt.where(_terms_condition(session, f.terms))
    if f.updated_only:
        stmt = stmt.where(Hit.updated == true())  # the form ix_hits_updated names
    if f.story is not None:
        stmt = stmt.where(Article.story_id == f.story)
    if f.langs:
        stmt = stmt.where(Article.lang.in_(list(f.langs)))
    if f.removed:
        stmt = stmt.where(Article.removed_at.is_not(None))
    if f.per == "story":
        stmt = stmt.where(_first_copy_condition())
    return stmt


def _sort_name(f: HitFilter) -> str:
    if f.search:
        return "relevance" if f.sort == "relevance" else "article"
    return "time"


#: Relevance ranks the newest this many matching articles. Scoring is per match (bm25 in
#: FTS5, ts_rank in PostgreSQL): 355,000 articles mention "Iran" in the 1M benchmark, and
#: scoring them all takes seconds; the newest 10,000 take tens of milliseconds, and for news
#: the best match of the recent ones is the one wanted.
RELEVANCE_WINDOW = 10_000
#: PostgreSQL reads each match's tsvector out of line (TOAST) to rank it: 10,000 took
#: 250-550 ms at a million articles, so it ranks the newest 1,000.
PG_RELEVANCE_WINDOW = 1_000


def _relevance(session: Session, stmt: Select[Any], words: str) -> Select[Any]:
    if session.get_bind().dialect.name == "sqlite":
        query = fulltext.fts5_query(words)
        if query is None:
            return stmt.where(false())
        floor = session.scalar(
            text(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT 1 OFFSET :n"
            ).bindparams(q=query, n=RELEVANCE_WINDOW - 1)
        )
        ranked = select(_FTS.c.rowid.label("id"), _FTS.c.rank.label("score")).where(
            text("articles_fts MATCH :fts").bindparams(fts=query)
        )
        if floor is not None:
            ranked = ranked.where(_FTS.c.rowid >= floor)
        best = ranked.subquery("best")
        # FTS5 rank is bm25, lower is better.
        return stmt.join(best, best.c.id == Article.id).order_by(best.c.score, Hit.id.desc())
    # PostgreSQL: the newest matches (from the GIN index, in the smallest window of the
    # newest ids that holds enough of them), then ranked, each tsvector de-TOASTed once.
    ids: list[int] = []
    for window in fulltext.keyset_windows(session):
        ids = fulltext.pg_matching_ids(session, words, window=window, limit=PG_RELEVANCE_WINDOW)
        if len(ids) >= PG_RELEVANCE_WINDOW:
            break
    tsquery = text(fulltext.pg_tsquery_sql("q_rank")).bindparams(q_rank=words.replace("\x00", " "))
    score = func.ts_rank(literal_column("articles.search"), tsquery)
    return stmt.where(any_of(session, Article.__table__.c.id, ids)).order_by(
        score.desc(), Hit.id.desc()
    )


def _after(stmt: Select[Any], key: tuple[Any, ...]) -> Select[Any]:
    """Rows strictly after ``key`` (time, hit id) in the time order (descending keys)."""
    found = datetime.fromisoformat(str(key[0]))
    hit_id = int(key[1])
    return stmt.where(Hit.created_at <= found, or_(Hit.created_at < found, Hit.id < hit_id))


def _ordered(
    session: Session,
    f: HitFilter,
    cursor: Cursor | None,
    columns: Sequence[Any] | None = None,
    *,
    window: int | None = None,
    hits_only: bool = False,
) -> Select[Any]:
    """The filter's rows in its order, after ``cursor``. ``window``: see
    :func:`monitor.store.search.keyset_windows` (searches newest first only)."""
    sort = _sort_name(f)
    if cursor is not None and cursor.sort != sort:
        raise BadCursor("this cursor belongs to a query sorted another way")
    stmt = filtered(session, f, columns, hits_only=hits_only)
    try:
        if sort == "relevance":
            assert f.search is not None
            stmt = _relevance(session, stmt, f.search)
            return stmt if cursor is None else stmt.offset(int(cursor.key[0]))
        if sort == "article":
            assert f.search is not None
            # Newest article first and nothing after it: a tie-breaker (hits.id) would make
            # SQLite sort every match instead of reading the FTS index in order and
            # stopping. So pages end between articles (page_hits), never inside one.
            below = None if cursor is None else int(cursor.key[0])
            return fulltext.matching_newest_first(
                session, stmt, f.search, window=window, below=below
            )
        stmt = stmt.order_by(Hit.created_at.desc(), Hit.id.desc())
        return stmt if cursor is None else _after(stmt, cursor.key)
    except (ValueError, IndexError, TypeError):
        raise BadCursor("this cursor does not fit this query") from None


_FIELDS = [f.name for f in fields(ListedHit)]


def _row(r: Any, per_story: bool) -> ListedHit:
    values = list(r)
    if not per_story:
        values.append(1)
    values[-1] = values[-1] or 1  # copies: a story of one
    return ListedHit(**dict(zip(_FIELDS, values, strict=True)))


def page_hits(session: Session, f: HitFilter, *, limit: int, cursor: Cursor | None = None) -> Page:
    """Up to ``limit`` hits after ``cursor``, and the cursor of the page after them.

    Two steps: the page's keys first (hit and article ids, time), a query the indexes
    answer without reading article rows; then those rows in full. Filtering by a source,
    say, then reads 50 articles instead of every article of the source.
    """
    sort = _sort_name(f)
    keys = [Hit.id, Hit.article_id, Hit.created_at]
    found: list[Any] = []
    # A window holding more than a page holds that page exactly: every article outside
    # it is older than every article in it.
    for window in fulltext.keyset_windows(session) if sort == "article" else (None,):
        stmt = _ordered(session, f, cursor, keys, window=window, hits_only=True)
        stmt = stmt.limit(limit + 1)
        found = list(session.execute(stmt))
        if len(found) > limit:
            break
    more = len(found) > limit
    page = found[:limit]
    if sort == "article" and more:
        boundary = found[limit][1]  # the next page's article: none of its hits here
        page = [r for r in page if r[1] != boundary]
        if not page:  # one article has more hits than a page holds: all of them, then
            stmt = _ordered(session, f, cursor, keys).where(Article.id >= boundary)
            page = list(session.execute(stmt))
    ids = [r[0] for r in page]
    by_id = {}
    if ids:
        stmt = filtered(session, f).where(Hit.id.in_(ids))
        by_id = {row.id: row for row in (_row(r, f.per == "story") for r in session.execute(stmt))}
    rows = [by_id[i] for i in ids if i in by_id]
    if not more:
        return Page(rows, None)
    last = page[-1]
    if sort == "time":
        key: tuple[Any, ...] = (last[2].isoformat(), last[0])
    elif sort == "article":
        key = (last[1],)
    else:
        key = ((int(cursor.key[0]) if cursor else 0) + len(page),)
    return Page(rows, Cursor(sort, key).encode())


def iter_hits(
    session: Session,
    f: HitFilter,
    *,
    cursor: Cursor | None = None,
    limit: int | None = None,
    batch: int = 2000,
) -> Iterator[ListedHit]:
    """Every hit of the filter in order (after ``cursor``), streamed: constant memory,
    however many."""
    stmt = _ordered(session, f, cursor).execution_options(yield_per=batch)
    if limit:
        stmt = stmt.limit(limit)
    for r in session.execute(stmt):
        yield _row(r, f.per == "story")
