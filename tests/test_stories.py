"""Syndicated copies of one story cluster; different stories on the same event do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from datasketch import MinHash
from sqlalchemy import Engine, select

from monitor.config import Source as SourceConfig
from monitor.crawl.items import ArticleData
from monitor.digest.build import build_digest
from monitor.matching import Matcher
from monitor.store.engine import transaction
from monitor.store.models import Article, StoryBand
from monitor.store.queries import find_hits, story_copies
from monitor.store.repo import prune_story_bands, store_article, sync_sources
from monitor.stories import NUM_PERM, THRESHOLD, shingles, signature, similarity
from tests.conftest import DATA


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


@pytest.fixture
def store(engine: Engine) -> Engine:
    with transaction(engine) as s:
        sync_sources(s, [SourceConfig(n, "feed", f"http://{n}.test/rss", 900) for n in SOURCES])
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
        hits = find_hits(s)
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


def test_old_bands_are_pruned(store: Engine) -> None:
    put(store, "afp-wire", "wire_full", 0)
    with transaction(store) as s:
        assert s.scalar(select(StoryBand.article_id).limit(1)) is not None
        assert prune_story_bands(s, datetime.now(UTC) - timedelta(days=14)) == 0
        assert prune_story_bands(s, datetime.now(UTC) + timedelta(days=1)) == 32
        assert s.scalar(select(StoryBand.article_id).limit(1)) is None
