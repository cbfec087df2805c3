"""The LSH index of recent articles' MinHash signatures, in the writer's memory.

It replaced the table ``story_bands`` (migration 0007): 32 band rows per article, each a
random B-tree insert with a foreign-key check, and a lookup of 3,200 bands per batch of 100,
were most of the cost of storing an article (benchmarks/README.md, "Store at scale").

The articles keep their signature (``articles.minhash``): a writer builds the index on first
use from the signatures of the articles first seen in the last ``WINDOW``, then, at every
batch, reads the articles stored since (``id >`` the largest it has seen; one primary-key
range scan). That includes other processes' articles: two crawls writing at once still
cluster each other's copies. Exact because articles become visible in the order of their
ids: on SQLite every write transaction holds the database (BEGIN IMMEDIATE) and ids follow
the largest one; on PostgreSQL, where ids come from a sequence and transactions commit in
any order, a batch that clusters takes a transaction-level advisory lock first
(``lock_writers``), so that no article with a smaller id can still be uncommitted.

The index is a candidate filter only: candidates are read back from the store (story and
current signature) and compared, so a stale entry can cost a comparison, never a wrong story.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from monitor import stories
from monitor.store.models import Article, utcnow

#: Copies of a story appear within days; older articles are not candidates.
WINDOW = timedelta(days=14)
#: Rebuilt from the store after this long (drops articles that left the window).
REBUILD_AFTER = timedelta(hours=12)
#: Keys added since the last merge are kept in a dict; merged into the sorted arrays when
#: there are more than this. A constant, not a share of the arrays: the dict costs ~200
#: bytes an entry, and a quarter of the arrays let it hold 160,000 entries (30 MB) in a
#: 20,000-article crawl.
_MERGE_AT = 20_000
#: The advisory lock of writers that cluster (PostgreSQL), an arbitrary constant.
_LOCK_KEY = 0x6D6F6E69746F7201


@dataclass
class StoryIndex:
    """Band key -> ids of the articles with that band. Sorted numpy arrays (16 bytes an
    entry, 512 bytes an article), plus a dict of the entries added since the last merge."""

    built_at: datetime
    last_id: int = 0  # every article with a smaller or equal id has been read
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    recent: dict[int, list[int]] = field(default_factory=dict)
    recent_entries: int = 0

    def __len__(self) -> int:
        return len(self.keys) + self.recent_entries

    def add(self, ids: list[int], signatures: list[bytes]) -> None:
        keys = stories.band_keys(signatures)
        if len(ids) > 1000:  # a build: straight into the arrays
            self._merge(keys.ravel(), np.repeat(np.asarray(ids, np.int64), stories.BANDS))
            return
        for id_, row in zip(ids, keys.tolist(), strict=True):
            for key in row:
                self.recent.setdefault(key, []).append(id_)
        self.recent_entries += len(ids) * stories.BANDS
        if self.recent_entries > _MERGE_AT:
            pending = [(k, i) for k, ids_ in self.recent.items() for i in ids_]
            self.recent, self.recent_entries = {}, 0
            self._merge(
                np.fromiter((k for k, _ in pending), np.uint64, len(pending)),
                np.fromiter((i for _, i in pending), np.int64, len(pending)),
            )

    def _merge(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """The new entries sorted, then inserted into the sorted arrays (one new copy of
        each, not the three of concatenating and sorting everything again)."""
        order = np.argsort(keys, kind="stable")
        keys, ids = keys[order], ids[order]
        at = np.searchsorted(self.keys, keys, side="right")  # after equal keys: stable
        self.keys, self.ids = np.insert(self.keys, at, keys), np.insert(self.ids, at, ids)

    def lookup(self, keys: list[int]) -> dict[int, set[int]]:
        """Band key -> the ids of the indexed articles that have it, for these keys."""
        out: dict[int, set[int]] = {}
        n = len(self.keys)
        if n and keys:
            # Sorted needles: each search starts near the last (3x faster at 700,000 keys).
            wanted = np.sort(np.asarray(keys, np.uint64))
            left = np.searchsorted(self.keys, wanted)
            found = self.keys[np.minimum(left, n - 1)] == wanted
            for key, start in zip(wanted[found].tolist(), left[found].tolist(), strict=True):
                end = start + 1
                while end < n and self.keys[end] == key:  # a band shared by several
                    end += 1
                out[key] = set(self.ids[start:end].tolist())
        for key in keys:
            found = self.recent.get(key)
            if found:
                out.setdefault(key, set()).update(found)
        return out


_indexes: weakref.WeakKeyDictionary[Engine, StoryIndex] = weakref.WeakKeyDictionary()


def current(session: Session) -> StoryIndex:
    """The index of this session's database, brought up to date (in the caller's
    transaction, after ``lock_writers``)."""
    engine = session.get_bind().engine
    index = _indexes.get(engine)
    now = utcnow()
    if index is None or now - index.built_at > REBUILD_AFTER:
        index = _indexes[engine] = _build(session, now)
    elif not _refresh(session, index):
        # Nothing new: unless ids went back (SQLite reuses them after the newest articles
        # were deleted, which only tests do), the index is current.
        newest = session.scalar(select(func.max(Article.id))) or 0
        if newest < index.last_id:
            index = _indexes[engine] = _build(session, now)
    return index


def _build(session: Session, now: datetime) -> StoryIndex:
    # The first article of the window through ix_articles_first_seen_at, then the primary
    # key from there: min(id) over a time range would walk the primary key from the start.
    first = session.scalar(
        select(Article.id)
        .where(Article.first_seen_at >= now - WINDOW)
        .order_by(Article.first_seen_at, Article.id)
        .limit(1)
    )
    index = StoryIndex(built_at=now)
    if first is None:
        index.last_id = session.scalar(select(func.max(Article.id))) or 0
        return index
    index.last_id = first - 1
    _refresh(session, index)
    return index


def _refresh(session: Session, index: StoryIndex) -> bool:
    """Add the articles stored since the index last looked; True if there were any."""
    rows = session.execute(
        select(Article.id, Article.minhash).where(Article.id > index.last_id).order_by(Article.id)
    ).all()
    if not rows:
        return False
    signed = [(id_, sig) for id_, sig in rows if sig is not None]
    index.add([i for i, _ in signed], [s for _, s in signed])
    index.last_id = rows[-1][0]
    return True


def lock_writers(session: Session) -> None:
    """On PostgreSQL, wait for any other clustering writer's transaction to end (see the
    module's docstring); SQLite's write transactions exclude each other already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def forget(engine: Engine) -> None:
    """Drop the index of this database (it is rebuilt on next use)."""
    _indexes.pop(engine, None)
