"""Articles: writing crawled articles and their hits, a batch at a time, in the caller's
transaction; and what is asked of stored articles (which URLs the crawl need not fetch again,
every article for a backtest, the copies of a story).

One statement per table per batch (articles, URLs, hits), not 9-10 per article: the store
pipeline writes its items 100 at a time (benchmarks/README.md, "Store at scale"). The
invariants are those of writing the articles one by one:

- dedup by the unique keys (articles.url_key, article_urls.url_key, hits (article,
  watchlist)) and ``INSERT ... ON CONFLICT DO NOTHING``, never check-then-insert: two crawls
  writing the same article at once still store one article and one hit per watchlist;
- a stored article seen again is completed or revised, its hits then due again;
- a new article joins the story of the most similar recent article, an article earlier in
  the same batch included (candidates from the writer's in-memory LSH index of the recent
  articles, ``monitor.store.story_index``, which sees other writers' articles too).

Items of a batch that reach the same article (a URL key in common, or the same stored
article) are written in successive rounds, in their order, each seeing what the one before
wrote; items that reach different articles cannot affect each other.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from monitor.domain import stories
from monitor.domain.articles import ArticleData
from monitor.domain.urls import canonical_key, canonical_url, content_hash, url_key
from monitor.errors import StorageError
from monitor.matching import Hit as MatchHit
from monitor.store.models import Article, ArticleRevision, ArticleUrl, Hit, Source, utcnow
from monitor.store.upsert import any_of, insert_rows, next_ids

if TYPE_CHECKING:
    import numpy as np

    from monitor.store import story_index  # numpy: imported by the first batch that clusters

log = logging.getLogger(__name__)

_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_URLS: Table = ArticleUrl.__table__  # type: ignore[assignment]
_HITS: Table = Hit.__table__  # type: ignore[assignment]

#: Stored articles compared with a new one at most (those sharing the most recent bands).
MAX_CANDIDATES = 200
#: Values bound in one IN (...): SQLite allows 32,766 parameters a statement.
_IN_CHUNK = 10_000

T = TypeVar("T")


@dataclass(frozen=True)
class Incoming:
    """An article as the crawl hands it over: what it knows, the watchlists it hits, and the
    MinHash of its text (``monitor.domain.stories.signature``) for story clustering."""

    data: ArticleData
    hits: Sequence[MatchHit] = ()
    signature: bytes | None = None


@dataclass(frozen=True)
class Stored:
    article_id: int
    new_article: bool
    new_hits: tuple[str, ...]  # watchlists newly hit
    revised: bool = False  # a stored article whose title or text changed
    story_id: int | None = None


@dataclass
class _Clustering:
    """Story clustering within one ``store_articles`` call: the index, brought up to date
    once before anything is written, and the new articles of its earlier rounds by band key."""

    index: story_index.StoryIndex | None = None
    earlier: dict[int, list[_Item]] = field(default_factory=dict)


@dataclass
class _Item:
    """One incoming article within a batch, and what writing it found."""

    index: int
    incoming: Incoming
    urls: dict[str, str]  # URL key -> canonical URL, every URL it was reached by
    main_key: str  # the key of the URL that names it when new
    link_key: str  # the key of the link it was found by (the others: redirect, canonical)
    article_id: int | None = None
    source_id: int | None = None  # the stored article's source (maybe not the item's)
    new: bool = False
    revised: bool = False
    story_id: int | None = None
    new_hits: list[str] = field(default_factory=list)

    @property
    def data(self) -> ArticleData:
        return self.incoming.data


def store_article(
    session: Session, data: ArticleData, hits: Sequence[MatchHit], signature: bytes | None = None
) -> Stored:
    """Insert or complete (or revise) the article reached by any of its URLs, and its
    hits: a batch of one."""
    return store_articles(session, [Incoming(data, hits, signature)])[0]


def store_articles(
    session: Session, batch: Sequence[Incoming], source_ids: dict[str, int] | None = None
) -> list[Stored]:
    """Write ``batch`` as if its articles were stored one after the other, in order; one
    ``Stored`` each. ``source_ids`` (name -> id) is a cache the caller may keep across
    batches: sources are never deleted while the monitor runs."""
    items = [_prepare(i, incoming) for i, incoming in enumerate(batch)]
    sources = _source_ids(session, {it.data.source for it in items}, source_ids)
    clustering = _Clustering()
    if any(it.incoming.signature is not None for it in items):
        # Before anything is written: the ids of clustering writers are then drawn, and
        # committed, in order; and the index reads the signatures as they were before this
        # batch revised any (storing the articles one by one reads them so too).
        from monitor.store import story_index

        story_index.lock_writers(session)
        clustering.index = story_index.current(session)
    pending = items
    while pending:
        known = _stored_ids(session, pending)
        _drop_false_aliases(session, pending, known)
        now, pending = _next_round(pending, known)
        _write_round(session, now, sources, clustering)
    return [_stored(it) for it in items]


def _stored(it: _Item) -> Stored:
    assert it.article_id is not None  # every round gives its items an article
    return Stored(it.article_id, it.new, tuple(it.new_hits), it.revised, it.story_id)


def _prepare(index: int, incoming: Incoming) -> _Item:
    data = incoming.data
    # courlan: 10-100 us a URL, once (canonical_url caches the last few thousand).
    canonical = {u: canonical_url(u) for u in [data.url, *data.other_urls] if u}
    keys = {u: canonical_key(c) for u, c in canonical.items()}
    urls = {keys[u]: c for u, c in canonical.items()}
    # The canonical URL, when the page gave one, names the article; else the link.
    main = data.other_urls[-1] if data.other_urls else data.url
    link = keys.get(data.url) or url_key(data.url)
    return _Item(index, incoming, urls, keys.get(main) or url_key(main), link)


def _chunks(values: Collection[T]) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _source_ids(session: Session, names: set[str], cache: dict[str, int] | None) -> dict[str, int]:
    cache = {} if cache is None else cache
    missing = names - cache.keys()
    if missing:
        stmt = select(Source.name, Source.id).where(Source.name.in_(missing))
        cache.update((name, id_) for name, id_ in session.execute(stmt))
    unknown = names - cache.keys()
    if unknown:
        raise StorageError(f"articles of unknown sources: {', '.join(sorted(unknown))}")
    return cache


def _stored_ids(session: Session, items: Sequence[_Item]) -> dict[str, int]:
    """URL key -> stored article, for every URL of these items that is known."""
    known: dict[str, int] = {}
    for keys in _chunks({k for it in items for k in it.urls}):
        stmt = select(ArticleUrl.url_key, ArticleUrl.article_id).where(
            any_of(session, _URLS.c.url_key, keys)
        )
        known.update((key, id_) for key, id_ in session.execute(stmt))
    return known


def _drop_false_aliases(session: Session, items: Sequence[_Item], known: dict[str, int]) -> None:
    """An item reaching a stored article only through its redirect target or rel=canonical,
    not by its own link, is that article only if its content is the same story: a CMS that
    gives every page one canonical, or a wall many articles are redirected to, must not
    fold a site's stories into one. Otherwise the alias is forgotten for this item (it is
    stored under its link) and nothing is recorded under it."""
    suspects = [
        it
        for it in items
        if it.link_key not in known and any(k in known for k in it.urls if k != it.link_key)
    ]
    if not suspects:
        return
    ids = {known[k] for it in suspects for k in it.urls if k in known}
    stmt = select(Article.id, Article.content_hash, Article.minhash).where(
        any_of(session, _ARTICLES.c.id, list(ids))
    )
    stored = {id_: (h, sig) for id_, h, sig in session.execute(stmt)}
    for it in suspects:
        data = it.data
        own_hash = content_hash(data.title, data.text or data.summary)
        for key in [k for k in it.urls if k != it.link_key and k in known]:
            stored_hash, stored_sig = stored.get(known[key], (None, None))
            if own_hash == stored_hash or _same_story(it.incoming.signature, stored_sig):
                continue
            log.info(
                "alias held by another article ignored url=%s alias=%s article=%d",
                data.url,
                it.urls[key],
                known[key],
            )
            del it.urls[key]
            if it.main_key == key:
                it.main_key = it.link_key


def _same_story(a: bytes | None, b: bytes | None) -> bool:
    return a is not None and b is not None and stories.similarity(a, b) >= stories.THRESHOLD


def _next_round(pending: list[_Item], known: dict[str, int]) -> tuple[list[_Item], list[_Item]]:
    """The items that can be written together now, and the rest: an item waits for every
    earlier one that shares a URL key or a stored article with it (the first never waits)."""
    now: list[_Item] = []
    later: list[_Item] = []
    keys: set[str] = set()
    articles: set[int] = set()
    for it in pending:
        stored = next((known[k] for k in it.urls if k in known), None)
        if keys.isdisjoint(it.urls) and stored not in articles:
            it.article_id = stored
            now.append(it)
        else:
            later.append(it)
        keys.update(it.urls)
        if stored is not None:
            articles.add(stored)
    return now, later


def _write_round(
    session: Session, items: list[_Item], sources: dict[str, int], clustering: _Clustering
) -> None:
    """Write items that reach distinct articles."""
    seen_again = [it for it in items if it.article_id is not None]
    if seen_again:
        # One SELECT puts them in the session, where _complete_or_revise finds each.
        ids = [it.article_id for it in seen_again]
        loaded = session.scalars(select(Article).where(any_of(session, _ARTICLES.c.id, ids)))
        source_of = {a.id: a.source_id for a in loaded}
        for it in seen_again:
            assert it.article_id is not None
            it.source_id = source_of[it.article_id]
            it.revised = _complete_or_revise(session, it.article_id, it.data, it.incoming.signature)
    fresh = [it for it in items if it.article_id is None]
    if fresh:
        _insert_articles(session, fresh, sources, clustering)
    urls = [
        {"url_key": k, "url": u, "article_id": it.article_id}
        for it in items
        for k, u in it.urls.items()
    ]
    insert_rows(session, _URLS, urls, ignore=["url_key"])
    _insert_hits(session, items)


def _insert_articles(
    session: Session, items: list[_Item], sources: dict[str, int], clustering: _Clustering
) -> None:
    """New articles, each with its story, in one INSERT. Their ids are drawn first, so that
    each row carries its story_id: an UPDATE afterwards would write every row twice (on
    PostgreSQL recomputing its tsvector and adding to every index)."""
    signed = [it for it in items if it.incoming.signature is not None]
    for it, id_ in zip(items, next_ids(session, _ARTICLES, len(items)), strict=True):
        it.article_id = id_
    matrix = stories.band_keys([_signature_of(it) for it in signed])
    keys = matrix.tolist()
    bands = {it.index: list(dict.fromkeys(k)) for it, k in zip(signed, keys, strict=True)}
    stored = _stored_candidates(session, bands, clustering.index, matrix)
    roots = _choose_stories(items, bands, stored, clustering.earlier)
    rows = [
        {
            "id": it.article_id,
            "url_key": it.main_key,
            "url": it.urls[it.main_key],
            "source_id": sources[it.data.source],
            "title": it.data.title,
            "summary": it.data.summary,
            "text": it.data.text,
            "published_at": it.data.published_at,
            "first_seen_at": utcnow(),
            "fetch_error": it.data.fetch_error,
            "fetch_attempts": 1,
            "content_hash": content_hash(it.data.title, it.data.text or it.data.summary),
            "feed_title": it.data.feed_title,
            "lang": it.data.lang,
            "minhash": it.incoming.signature,
            # A story named after another new article is set once that one is stored.
            "story_id": None if it.index in roots else it.story_id,
        }
        for it in items
    ]
    returned = insert_rows(
        session, _ARTICLES, rows, ignore=["url_key"], returning=[_ARTICLES.c.url_key]
    )
    inserted = {key for (key,) in returned}
    # Not inserted: another crawl stored the article since the URL lookup.
    others = [it.main_key for it in items if it.main_key not in inserted]
    existing: dict[str, tuple[int, int]] = {}
    if others:
        stmt = select(Article.url_key, Article.id, Article.source_id).where(
            any_of(session, _ARTICLES.c.url_key, others)
        )
        existing.update((key, (id_, src)) for key, id_, src in session.execute(stmt))
    for it in items:
        it.new = it.main_key in inserted
        if it.new:
            it.source_id = sources[it.data.source]
        else:
            (it.article_id, it.source_id), it.story_id = existing[it.main_key], None
    new = [it for it in items if it.new]
    _store_stories(session, new, roots)
    for it in new:  # candidates for the new articles of later rounds
        for b in bands.get(it.index, ()):
            clustering.earlier.setdefault(b, []).append(it)


def _choose_stories(
    items: list[_Item],
    bands: dict[int, list[int]],
    stored: dict[int, list[_Candidate]],
    earlier_rounds: dict[int, list[_Item]],
) -> dict[int, _Item]:
    """The story of each new article: that of the most similar recent article above the
    threshold (stored before, or earlier in the batch), else its own. Returns, for stories
    named after another article of this round, that article (item index -> item)."""
    roots: dict[int, _Item] = {}
    # band -> new articles of this batch before (earlier rounds' have their final story),
    # kept only for the bands that more than one article of the batch has: for most
    # articles none, and the rest of the loop is then skipped.
    in_batch = {b: list(its) for b, its in earlier_rounds.items()}
    shared = {b for b, n in Counter(chain.from_iterable(bands.values())).items() if n > 1}
    shared.update(in_batch)
    for it in items:
        it.story_id = it.article_id
        signature = it.incoming.signature
        if signature is None:
            continue
        # The first of the most similar, at or above the threshold: stored ones first,
        # the most recent first; then the batch's, which win only when more similar.
        best = 0.0
        cands = [c for c in stored[it.index] if c[2] and c[0] != it.article_id]
        if cands:
            sims = stories.similarities(signature, [c[2] for c in cands if c[2]])
            k = int(sims.argmax())
            if sims[k] >= stories.THRESHOLD:
                best, (cid, cstory, _) = float(sims[k]), cands[k]
                it.story_id = cstory or cid
        mine = [b for b in bands[it.index] if b in shared]
        earlier = list({o.index: o for b in mine for o in in_batch.get(b, ())}.values())
        if earlier:
            sims = stories.similarities(signature, [_signature_of(o) for o in earlier])
            k = int(sims.argmax())
            if sims[k] >= stories.THRESHOLD and sims[k] > best:
                o = earlier[k]
                it.story_id = o.story_id
                root = roots.get(o.index, o if o.story_id == o.article_id else None)
                if root is not None:
                    roots[it.index] = root
        for b in mine:
            in_batch.setdefault(b, []).append(it)
    return roots


def _signature_of(it: _Item) -> bytes:
    assert it.incoming.signature is not None
    return it.incoming.signature


def _store_stories(session: Session, items: list[_Item], roots: dict[int, _Item]) -> None:
    """The stories named after another new article of the round."""
    named = []
    for it in items:
        root = roots.get(it.index)
        if root is not None:
            # The one it copies was stored by another crawl meanwhile: a story of its own.
            it.story_id = root.article_id if root.new else it.article_id
            named.append({"b_id": it.article_id, "b_story": it.story_id})
    if named:
        session.execute(
            update(_ARTICLES)
            .where(_ARTICLES.c.id == bindparam("b_id"))
            .values(story_id=bindparam("b_story")),
            named,
        )


_Candidate = tuple[int, int | None, bytes | None]  # article id, story id, signature


def _stored_candidates(
    session: Session,
    bands: dict[int, list[int]],
    index: story_index.StoryIndex | None,
    matrix: np.ndarray,
) -> dict[int, list[_Candidate]]:
    """Item index -> the stored articles sharing a band with it, the most recent first (one
    query a batch, for their story and current signature). ``matrix``: the band keys of
    ``bands`` as ``stories.band_keys`` gave them (a numpy array: no conversion back)."""
    if index is None or not bands:
        return {i: [] for i in bands}
    by_band = index.lookup(matrix)
    ids = {
        i: sorted(set().union(*shared), reverse=True)[:MAX_CANDIDATES]
        if (shared := [by_band[b] for b in keys if b in by_band])
        else []
        for i, keys in bands.items()
    }
    found: dict[int, _Candidate] = {}
    for chunk in _chunks({c for cs in ids.values() for c in cs}):
        stmt = select(Article.id, Article.story_id, Article.minhash).where(
            any_of(session, _ARTICLES.c.id, chunk)
        )
        found.update((aid, (aid, story, sig)) for aid, story, sig in session.execute(stmt))
    return {i: [found[c] for c in cs if c in found] for i, cs in ids.items()}


@dataclass(frozen=True)
class FeedFill:
    """A feed's headline and summary for an article the crawl did not fetch."""

    url: str
    title: str | None
    summary: str | None


@dataclass(frozen=True)
class Refilled:
    """A stored article a feed item filled in, as it now is: to be matched again."""

    id: int
    url: str
    source_id: int
    source: str
    title: str | None
    summary: str | None
    text: str | None
    lang: str | None


#: URL keys asked for in one query (SQLite binds at most 32,766 parameters).
_KEYS_PER_QUERY = 5000


def complete_from_feed(
    session: Session, items: Sequence[FeedFill]
) -> tuple[list[int], list[Refilled]]:
    """Feeds' headlines and summaries for stored articles (first reached through a section
    page, or fetched for another source): they fill in the title and summary an article
    lacks, and the first headline a feed showed is kept. Returns the positions of the items
    whose article is not stored (yet), and the articles something was filled in for (to be
    matched again: a term only the feed's summary carries is a hit too).

    One query per 5,000 URLs and one UPDATE per kind of change, whatever the number of
    items: a cold crawl sees each article in several feeds, and asking one by one cost more
    CPU than storing the articles (benchmarks/README.md, "One way down")."""
    if not items:
        return [], []
    keys = [url_key(it.url) for it in items]
    article_of: dict[str, int] = {}
    fields: dict[int, dict[str, str | None]] = {}
    unique = list(dict.fromkeys(keys))
    for i in range(0, len(unique), _KEYS_PER_QUERY):
        chunk = unique[i : i + _KEYS_PER_QUERY]
        rows = session.execute(
            select(
                ArticleUrl.url_key, Article.id, Article.title, Article.summary, Article.feed_title
            )
            .join(Article, Article.id == ArticleUrl.article_id)
            .where(any_of(session, _URLS.c.url_key, chunk))
        )
        for key, aid, title, summary, feed_title in rows:
            article_of[key] = aid
            fields[aid] = {"title": title, "summary": summary, "feed_title": feed_title}
    missing: list[int] = []
    changes: dict[int, dict[str, str]] = {}
    filled: set[int] = set()
    for n, (it, key) in enumerate(zip(items, keys, strict=True)):
        found = article_of.get(key)
        if found is None:
            missing.append(n)
            continue
        now, change = fields[found], changes.setdefault(found, {})
        for name, value in (("feed_title", it.title), ("title", it.title), ("summary", it.summary)):
            if now[name] is None and value:
                now[name] = change[name] = value
                if name != "feed_title":
                    filled.add(found)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for aid, change in changes.items():
        if change:
            by_columns.setdefault(tuple(sorted(change)), []).append({"id": aid, **change})
    for rows_ in by_columns.values():
        session.execute(update(Article), rows_)  # by primary key, one executemany
    if not filled:
        return missing, []
    got = session.execute(
        select(
            Article.id,
            Article.url,
            Article.source_id,
            Source.name,
            Article.title,
            Article.summary,
            Article.text,
            Article.lang,
        )
        .join(Source, Source.id == Article.source_id)
        .where(Article.id.in_(sorted(filled)))
        .order_by(Article.id)
    )
    return missing, [Refilled(*row) for row in got]


def add_hits(
    session: Session, article_id: int, source_id: int, hits: Sequence[MatchHit]
) -> list[str]:
    """Hits of a stored article matched again; the watchlists newly hit (the others are
    kept as they are: no duplicate, nothing due again)."""
    rows = _hit_rows(article_id, source_id, hits, utcnow())
    returning = [_HITS.c.watchlist]
    got = insert_rows(session, _HITS, rows, ignore=["article_id", "watchlist"], returning=returning)
    return [w for (w,) in got]


def _hit_rows(
    article_id: int | None, source_id: int | None, hits: Sequence[MatchHit], now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "source_id": source_id,
            "watchlist": h.watchlist,
            "created_at": now,
            "changed_at": now,
            **_hit_fields(h),
        }
        for h in hits
    ]


def _insert_hits(session: Session, items: list[_Item]) -> None:
    now = utcnow()
    rows = [
        row for it in items for row in _hit_rows(it.article_id, it.source_id, it.incoming.hits, now)
    ]
    returning = [_HITS.c.article_id, _HITS.c.watchlist]
    inserted = set(
        insert_rows(session, _HITS, rows, ignore=["article_id", "watchlist"], returning=returning)
    )
    requeued = []
    for it in items:
        for h in it.incoming.hits:
            if (it.article_id, h.watchlist) in inserted:
                inserted.discard((it.article_id, h.watchlist))
                it.new_hits.append(h.watchlist)
            elif it.revised:
                # Not a new hit: the same one, due again to whoever had it, marked "updated".
                requeued.append(
                    {"b_article": it.article_id, "b_watchlist": h.watchlist, **_hit_fields(h)}
                )
    if requeued:
        session.execute(
            update(_HITS)
            .where(
                _HITS.c.article_id == bindparam("b_article"),
                _HITS.c.watchlist == bindparam("b_watchlist"),
            )
            .values(updated=True, changed_at=now),
            requeued,
        )


def _hit_fields(h: MatchHit) -> dict[str, Any]:
    return {
        "matched": list(h.matched),
        "matches": [
            {"term": m.term, "field": m.field, "start": m.start, "end": m.end} for m in h.matches
        ],
        "snippet": h.snippet.text,
        "highlights": [list(r) for r in h.snippet.highlights],
    }


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
            art.lang = data.lang or art.lang
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
    art.lang = data.lang or art.lang
    return True


#: An article whose page could not be fetched is tried again this many times in later crawls.
MAX_FETCH_ATTEMPTS = 3


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


@dataclass(frozen=True)
class ArticleRow:
    id: int
    url: str
    title: str | None
    summary: str | None
    text: str | None
    source: str
    published: datetime | None
    first_seen: datetime
    lang: str | None  # ISO 639-1 (monitor.domain.language)

    def fields(self) -> dict[str, str | None]:
        return {"title": self.title, "summary": self.summary, "text": self.text}


def iter_articles(
    session: Session, since: datetime | None = None, batch: int = 500
) -> Iterator[ArticleRow]:
    """Every stored article, newest first, streamed in batches (constant memory)."""
    stmt = (
        select(
            Article.id,
            Article.url,
            Article.title,
            Article.summary,
            Article.text,
            Source.name,
            Article.published_at,
            Article.first_seen_at,
            Article.lang,
        )
        .join(Source, Source.id == Article.source_id)
        .order_by(Article.first_seen_at.desc(), Article.id.desc())
        .execution_options(yield_per=batch)
    )
    if since is not None:
        stmt = stmt.where(Article.first_seen_at >= since)
    for row in session.execute(stmt):
        yield ArticleRow(*row)


@dataclass(frozen=True)
class StoryCopy:
    article_id: int
    source: str
    url: str
    published: datetime | None


def story_copies(session: Session, story_ids: Sequence[int]) -> dict[int, list[StoryCopy]]:
    """Every stored copy of these stories, earliest published first."""
    out: dict[int, list[StoryCopy]] = {}
    if not story_ids:
        return out
    rows = session.execute(
        select(Article.story_id, Article.id, Source.name, Article.url, Article.published_at)
        .join(Source, Source.id == Article.source_id)
        .where(Article.story_id.in_(list(set(story_ids))))
        .order_by(Article.published_at, Article.id)
    )
    for story, aid, source, url, published in rows:
        if story is not None:
            out.setdefault(story, []).append(StoryCopy(aid, source, url, published))
    return out
