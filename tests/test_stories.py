"""Syndicated copies of one story cluster; different stories on the same event do not."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from datasketch import MinHash
from sqlalchemy import Engine, inspect, select, update
from sqlalchemy import text as sql

from monitor.digest.build import build_digest
from monitor.domain.articles import ArticleData
from monitor.domain.filters import HitFilter
from monitor.domain.sources import SourceSpec
from monitor.domain.stories import (
    BANDS,
    NUM_PERM,
    THRESHOLD,
    band_keys,
    shingles,
    signature,
    similarities,
    similarity,
)
from monitor.matching import Matcher
from monitor.store import story_index
from monitor.store.articles import store_article, story_copies
from monitor.store.engine import make_engine, transaction
from monitor.store.hits import iter_hits
from monitor.store.migrate import downgrade, upgrade
from monitor.store.models import Article
from monitor.store.sources import sync_sources
from tests.helpers import DATA


def text(name: str) -> str:
    return (DATA / "stories" / f"{name}.txt").read_text("utf-8")


SAME = [
    ("wire_full", "wire_truncated"),
    ("wire_full", "wire_edited"),
    ("wire_truncated", "wire_edited"),
]
DIFFERENT = [
    ("wire_full", "other_same_event"),
    ("wire_full", "other_same_event_2"),
    ("other_same_event", "other_same_event_2"),
    ("wire_edited", "other_same_event"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_copies_of_one_wire_story_are_similar(a: str, b: str) -> None:
    sa, sb = signature(text(a)), signature(text(b))
    assert sa is not None and sb is not None
    assert similarity(sa, sb) >= THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_stories_on_the_same_event_sharing_a_quote_are_not(a: str, b: str) -> None:
    # Both "other" stories quote the same sentence of the minister as the wire story.
    quote = "first freight trains could run within four years"
    assert quote in text(a) and quote in text(b)
    sa, sb = signature(text(a)), signature(text(b))
    assert sa is not None and sb is not None
    assert similarity(sa, sb) < 0.2


def test_similarities_of_one_signature_with_many_are_those_of_each_pair() -> None:
    names = ["wire_full", "wire_truncated", "wire_edited", "other_same_event"]
    sigs = [s for s in (signature(text(n)) for n in names) if s]
    assert len(sigs) == len(names)
    many = similarities(sigs[0], sigs)
    assert many.tolist() == [similarity(sigs[0], s) for s in sigs]
    assert many[0] == 1.0 and many[1] >= THRESHOLD and many[3] < 0.2
    assert similarities(sigs[0], []).size == 0


@pytest.mark.parametrize("name", ["wire_full", "wire_edited", "other_same_event"])
def test_signature_with_shared_permutations_is_the_one_computed_afresh(name: str) -> None:
    """Stored signatures stay comparable with those of earlier versions: a MinHash that
    draws its own permutations gives the same bytes, over and over."""
    fresh = MinHash(num_perm=NUM_PERM, seed=1)
    fresh.update_batch(list(shingles(text(name))))
    expected = fresh.hashvalues.astype(np.uint32).tobytes()
    assert signature(text(name)) == expected
    assert signature(text(name)) == expected  # the shared permutations are not changed


def test_short_texts_are_not_clustered() -> None:
    assert signature("Iran and Russia sign a rail deal.") is None
    assert signature(None) is None


SOURCES = ["afp-wire", "daily-a", "daily-b", "daily-c", "daily-d"]
EVERY = timedelta(minutes=15)


@pytest.fixture
def store(engine: Engine) -> Engine:
    with transaction(engine) as s:
        every = timedelta(minutes=15)
        sync_sources(s, [SourceSpec(n, "feed", f"http://{n}.test/rss", every) for n in SOURCES])
    return engine


def put(engine: Engine, source: str, name: str, hours: int) -> tuple[int, int | None]:
    body = text(name)
    data = ArticleData(
        source=source,
        url=f"http://{source}.test/2026/11/20/{name}",
        title=body.split(".")[0][:80],
        text=body,
        published_at=datetime(2026, 11, 20, tzinfo=UTC) + timedelta(hours=hours),
    )
    hits = Matcher({"iran": "Iran", "rail": "railway OR rail"}).match(data.fields())
    with transaction(engine) as s:
        stored = store_article(s, data, hits, signature(body))
    return stored.article_id, stored.story_id


def test_store_clusters_copies_and_keeps_every_copy(store: Engine) -> None:
    first, story = put(store, "afp-wire", "wire_full", 0)
    assert story == first  # the first copy names the story
    assert put(store, "daily-a", "wire_truncated", 2)[1] == first
    assert put(store, "daily-b", "wire_edited", 3)[1] == first
    other, other_story = put(store, "daily-c", "other_same_event", 5)
    assert other_story == other  # a story of its own, though it shares a quote
    assert put(store, "daily-d", "other_same_event_2", 6)[1] not in (first, other)
    with transaction(store) as s:
        assert (
            s.scalar(
                select(Article.id)
                .where(Article.story_id == first)
                .order_by(Article.id.desc())
                .limit(1)
            )
            is not None
        )
        copies = story_copies(s, [first])[first]
        assert [c.source for c in copies] == ["afp-wire", "daily-a", "daily-b"]
        hits = list(iter_hits(s, HitFilter()))
    digest = build_digest(
        hits,
        ["iran", "rail"],
        datetime(2026, 11, 21, tzinfo=UTC),
        story_copies(s, [h.story_id for h in hits if h.story_id]),
    )
    iran = next(g for g in digest.groups if g.watchlist == "iran")
    wire = next(e for e in iran.entries if e.source == "afp-wire")
    assert wire.also == ("daily-a", "daily-b")  # shown once, "also reported by 2 outlets"
    assert wire.published == datetime(2026, 11, 20, tzinfo=UTC)  # the earliest publication
    assert len(wire.hit_ids) == 3  # all three copies are marked sent with it
    assert len(iran.entries) == 3  # the wire story, and the two other stories


def test_writers_with_indexes_of_their_own_cluster_each_others_copies(
    store: Engine, db_url: str
) -> None:
    """Two crawl processes: each keeps its own in-memory index, and each sees the articles
    the other stored since it last looked (two engines: two indexes, as two processes)."""
    other = make_engine(db_url)
    try:
        first, _ = put(store, "afp-wire", "wire_full", 0)  # builds the first index
        unrelated, _ = put(other, "daily-c", "other_same_event", 1)  # builds the second
        assert put(other, "daily-a", "wire_truncated", 2)[1] == first  # read from the store
        assert put(store, "daily-d", "other_same_event", 3)[1] == unrelated  # refreshed
        assert put(store, "daily-b", "wire_edited", 4)[1] == first
        assert put(other, "daily-b", "other_same_event_2", 5)[1] not in (first, unrelated)
    finally:
        other.dispose()


def test_articles_older_than_the_window_are_not_candidates(store: Engine) -> None:
    first, _ = put(store, "afp-wire", "wire_full", 0)
    with transaction(store) as s:
        old = datetime.now(UTC) - story_index.WINDOW - timedelta(hours=1)
        s.execute(update(Article).where(Article.id == first).values(first_seen_at=old))
    story_index.forget(store)  # a new process builds its index from the store
    copy, story = put(store, "daily-a", "wire_truncated", 2)
    assert story == copy  # a story of its own: its original is too old
    assert put(store, "daily-b", "wire_edited", 3)[1] == copy  # recent copies still cluster


def test_migration_0007_drops_the_bands_and_its_downgrade_rebuilds_the_recent_ones(
    db_url: str,
) -> None:
    e = make_engine(db_url)
    try:
        upgrade(e, "0006")
        recent, old = signature(text("wire_full")), signature(text("other_same_event"))
        assert recent is not None and old is not None
        now = datetime.now(UTC).replace(tzinfo=None)
        with e.begin() as c:
            c.execute(
                sql(
                    "INSERT INTO sources (id, name, kind, url, interval_seconds, "
                    "consecutive_failures) VALUES (1, 'wire', 'feed', 'http://w/', 60, 0)"
                )
            )
            for id_, sig, seen in ((1, recent, now), (2, old, now - timedelta(days=20))):
                c.execute(
                    sql(
                        "INSERT INTO articles (id, url_key, url, source_id, first_seen_at, "
                        "content_hash, fetch_attempts, minhash) "
                        "VALUES (:id, :key, 'http://w/a', 1, :seen, 'h', 1, :sig)"
                    ),
                    {"id": id_, "key": f"k{id_}", "seen": seen, "sig": sig},
                )
        upgrade(e)
        assert "story_bands" not in inspect(e).get_table_names()
        downgrade(e, "0006")
        with e.connect() as c:
            rows = c.execute(sql("SELECT band, article_id FROM story_bands")).all()
        assert sorted(rows) == sorted((b, 1) for b in set(_bands_before_0007(recent)))
        upgrade(e)
    finally:
        e.dispose()


def _bands_before_0007(sig: bytes) -> list[int]:
    """monitor.stories.bands as it was until 0007, written out again."""
    import hashlib

    out = []
    for i in range(32):
        digest = hashlib.blake2b(bytes([i]) + sig[i * 16 : (i + 1) * 16], digest_size=8)
        out.append(int.from_bytes(digest.digest(), "big", signed=True))
    return out


def test_index_finds_articles_in_its_sorted_arrays_and_in_those_added_since(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Built in bulk (the large arrays), then added to a batch at a time (the small ones),
    then merged into the large ones: every article stays findable by each of its bands, and
    only by them; both pairs stay sorted."""
    sigs = [signature(text(n)) for n in ("wire_full", "other_same_event", "other_same_event_2")]
    assert all(sigs)
    rng = np.random.default_rng(1)
    noise = [rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32).tobytes() for _ in range(1200)]
    index = story_index.StoryIndex(built_at=datetime.now(UTC))
    index.add(list(range(1, 1201)), noise)  # a build
    index.add([2001], [sigs[0]])  # batches
    index.add([2002], [sigs[1]])
    keys = _keys([sigs[0], sigs[1], sigs[2], noise[7]])
    found = index.lookup(keys[0] + keys[1] + keys[2] + keys[3])
    assert set().union(*(found.get(k, set()) for k in keys[0])) == {2001}
    assert set().union(*(found.get(k, set()) for k in keys[1])) == {2002}
    assert not any(found.get(k) for k in keys[2])
    assert set().union(*(found.get(k, set()) for k in keys[3])) == {8}
    assert len(index.recent_keys) == 2 * BANDS and len(index) == 1202 * BANDS
    assert (index.recent_keys[:-1] <= index.recent_keys[1:]).all()
    assert sorted(index.recent_ids.tolist()) == [2001] * BANDS + [2002] * BANDS
    monkeypatch.setattr(story_index, "_MERGE_AT", 2 * BANDS)  # the next batch merges
    index.add([2003], [sigs[2]])
    assert not len(index.recent_keys) and len(index.keys) == len(index) == 1203 * BANDS
    assert (index.keys[:-1] <= index.keys[1:]).all()  # still sorted: lookups rely on it
    found = index.lookup(keys[0] + keys[2])
    assert set().union(*(found.get(k, set()) for k in keys[0])) == {2001}
    assert set().union(*(found.get(k, set()) for k in keys[2])) == {2003}


def _keys(sigs: list[bytes | None]) -> list[list[int]]:
    return [list(dict.fromkeys(k)) for k in band_keys([s for s in sigs if s]).tolist()]


def test_a_writer_waits_for_a_concurrent_one_and_clusters_its_copy(
    store: Engine, db_url: str
) -> None:
    """Two crawls storing copies of one story at the same moment: the second waits for the
    first's transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the writers' advisory lock),
    then finds its article. Without the wait, the second would miss an article whose id
    is below what it has read already, for good."""
    other = make_engine(db_url)
    try:
        put(other, "daily-c", "other_same_event", 0)  # the second writer's index exists
        result: list[tuple[int, int | None]] = []
        with transaction(store) as s:
            data = ArticleData(
                source="afp-wire",
                url="http://afp-wire.test/2026/11/20/wire_full",
                title="Rail deal",
                text=text("wire_full"),
            )
            first = store_article(s, data, [], signature(text("wire_full"))).article_id
            second = threading.Thread(
                target=lambda: result.append(put(other, "daily-a", "wire_truncated", 1))
            )
            second.start()
            second.join(0.5)
            assert second.is_alive()  # waiting for this transaction
        second.join(30)
        assert result and result[0][1] == first
    finally:
        other.dispose()
