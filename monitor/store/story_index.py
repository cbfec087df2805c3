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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from monitor.domain import stories
from monitor.store.models import Article, utcnow

#: Copies of a story appear within days; older articles are not candidates.
WINDOW = timedelta(days=14)
#: Rebuilt from the store after this long (drops articles that left the window).
REBUILD_AFTER = timedelta(hours=12)
#: Entries added a batch at a time are kept in small sorted arrays, merged into the large
#: ones when there are more than this: merging into the large arrays copies them (16 bytes
#: an entry, 6.4 MB at 400,000), so not at every batch.
_MERGE_AT = 20_000
#: The advisory lock of writers that cluster (PostgreSQL), an arbitrary constant.
_LOCK_KEY = 0x6D6F6E69746F7201


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, np.uint64), np.empty(0, np.int64)


@dataclass
class StoryIndex:
    """Band key -> ids of the articles with that band: two pairs of sorted numpy arrays
    (16 bytes an entry, 512 bytes an article), the large one and the entries added since
    its last merge. No Python object per entry: a dict of lists cost ~200 bytes an entry
    and a Python loop over each article's 32 bands, a sixth of a batch's store time."""

    built_at: datetime
    last_id: int = 0  # every article with a smaller or equal id has been read
    keys: np.ndarray = field(default_factory=lambda: _empty()[0])
    ids: np.ndarray = field(default_factory=lambda: _empty()[1])
    recent_keys: np.ndarray = field(default_factory=lambda: _empty()[0])
    recent_ids: np.ndarray = field(default_factory=lambda: _empty()[1])

    def __len__(self) -> int:
        return len(self.keys) + len(self.recent_keys)

    def add(self, ids: list[int], signatures: list[bytes]) -> None:
        keys = stories.band_keys(signatures).ravel()
        repeated = np.repeat(np.asarray(ids, np.int64), stories.BANDS)
        if len(ids) > 1000:  # a build: straight into the large arrays
            self.keys, self.ids = _merged(self.keys, self.ids, keys, repeated)
            return
        self.recent_keys, self.recent_ids = _merged(
            self.recent_keys, self.recent_ids, keys, repeated
        )
        if len(self.recent_keys) > _MERGE_AT:
            self.keys, self.ids = _merged(self.keys, self.ids, self.recent_keys, self.recent_ids)
            self.recent_keys, self.recent_ids = _empty()

    def lookup(self, keys: Sequence[int] | np.ndarray) -> dict[int, set[int]]:
        """Band key -> the ids of the indexed articles that have it, for these keys (a
        list, or ``stories.band_keys``' array as it is: converting it costs more)."""
        out: dict[int, set[int]] = {}
        wanted = np.unique(np.asarray(keys, np.uint64))  # sorted needles: 3x faster
        if not wanted.size:
            return out
        for have, ids in ((self.keys, self.ids), (self.recent_keys, self.recent_ids)):
            if not len(have):
                continue
            start = np.searchsorted(have, wanted, side="left")
            found = have[np.minimum(start, len(have) - 1)] == wanted
            keys_found = wanted[found]  # few: the end of each only for them
            end = np.searchsorted(have, keys_found, side="right")
            for key, a, b in zip(
                keys_found.tolist(), start[found].tolist(), end.tolist(), strict=True
            ):
                out.setdefault(key, set()).update(ids[a:b].tolist())
        return out


def _merged(
    keys: np.ndarray, ids: np.ndarray, new_keys: np.ndarray, new_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The new entries sorted, then inserted into the sorted arrays (one new copy of each,
    not the three of concatenating and sorting everything again)."""
    order = np.argsort(new_keys, kind="stable")
    new_keys, new_ids = new_keys[order], new_ids[order]
    at = np.searchsorted(keys, new_keys, side="right")  # after equal keys: stable
    return np.insert(keys, at, new_keys), np.insert(ids, at, new_ids)


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
