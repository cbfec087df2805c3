"""The batch writer stores what storing the articles one at a time stores, and the store
pipeline loses nothing it buffers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, select

from monitor.archive.warc import ArchiveWriter
from monitor.config import ArchiveConfig
from monitor.config import Source as SourceConfig
from monitor.crawl.context import CrawlTally
from monitor.crawl.pipelines import StorePipeline
from monitor.domain.articles import ArticleData
from monitor.domain.sources import SourceSpec, SourceStatus
from monitor.domain.stories import signature
from monitor.errors import StorageError
from monitor.matching import Matcher
from monitor.store.articles import Incoming, Stored, store_article, store_articles
from monitor.store.engine import transaction
from monitor.store.models import Article, ArticleRevision, ArticleUrl, Hit, Source, utcnow
from monitor.store.sources import sync_sources
from tests.helpers import DATA

MATCHER = Matcher({"iran": "Iran", "russia": "Russia", "rail": "railway OR rail"})
SOURCES = ["wire", "daily"]
EVERY = timedelta(minutes=15)


def story(name: str) -> str:
    return (DATA / "stories" / f"{name}.txt").read_text("utf-8")


@pytest.fixture
def store(engine: Engine) -> Engine:
    with transaction(engine) as s:
        every = timedelta(minutes=15)
        sync_sources(s, [SourceSpec(n, "feed", f"http://{n}.test/rss", every) for n in SOURCES])
    return engine


def incoming(url: str, body: str | None, *, title: str = "Iran and Russia", **kw: Any) -> Incoming:
    source = "daily" if "daily" in url else "wire"
    data = ArticleData(source=source, url=url, title=title, text=body, **kw)
    return Incoming(data, MATCHER.match(data.fields()), signature(body))


def base() -> list[Incoming]:
    """Stored before each run: an article to revise, one whose fetch failed, one with two
    URLs."""
    return [
        incoming("http://wire.test/revised", story("other_same_event")),
        incoming("http://wire.test/failed", None, fetch_error="HTTP 503"),
        incoming(
            "http://wire.test/two-urls",
            story("other_same_event_2"),
            other_urls=["http://wire.test/two-urls-alias"],
        ),
    ]


def cases() -> list[Incoming]:
    """A batch with every way an item can meet the store or an earlier item."""
    return [
        incoming("http://wire.test/full", story("wire_full")),
        incoming("http://daily.test/truncated", story("wire_truncated")),  # a copy: same story
        incoming(
            "http://daily.test/short", story("wire_full"), other_urls=["http://wire.test/full"]
        ),
        incoming("http://wire.test/revised", story("wire_edited"), title="Rail deal revised"),
        incoming("http://wire.test/failed", story("other_same_event_2") + " Completed."),
        incoming("http://wire.test/two-urls", story("wire_full") + " One."),  # 2 revisions
        incoming("http://wire.test/two-urls-alias", story("wire_full") + " Two."),
        incoming("http://daily.test/edited", story("wire_edited")),
        incoming("http://daily.test/edited", story("wire_edited")),  # the same item twice
        incoming("http://daily.test/brief", "Iran brief: too short to cluster."),
    ]


def snapshot(engine: Engine, stored: list[Stored]) -> dict[str, Any]:
    """The store's content with ids replaced by URL keys (they differ between runs)."""
    with transaction(engine) as s:
        key = {i: k for i, k in s.execute(select(Article.id, Article.url_key))}
        return {
            "articles": sorted(
                (a.url_key, key.get(a.story_id or 0), a.title, a.text, a.content_hash,
                 a.fetch_attempts, a.fetch_error, a.minhash is not None, a.feed_title)
                for a in s.scalars(select(Article))
            ),
            "urls": sorted((u.url_key, key[u.article_id]) for u in s.scalars(select(ArticleUrl))),
            "hits": sorted(
                (key[h.article_id], h.watchlist, h.snippet, h.updated, h.changed_at > h.created_at)
                for h in s.scalars(select(Hit))
            ),
            "revisions": sorted(
                (key[r.article_id], r.old_title, r.new_title, r.old_hash, r.new_hash)
                for r in s.scalars(select(ArticleRevision))
            ),
            "stored": [
                (key[st.article_id], st.new_article, st.new_hits, st.revised,
                 key.get(st.story_id or 0))
                for st in stored
            ],
        }  # fmt: skip


def run(engine: Engine, write: Callable[[Any, list[Incoming]], list[Stored]]) -> dict[str, Any]:
    with transaction(engine) as s:
        for model in (Hit, ArticleRevision, ArticleUrl, Article):
            s.execute(delete(model))
    with transaction(engine) as s:
        for item in base():
            store_article(s, item.data, item.hits, item.signature)
    with transaction(engine) as s:
        stored = write(s, cases())
    return snapshot(engine, stored)


def test_a_batch_stores_what_storing_one_at_a_time_stores(store: Engine) -> None:
    def one_at_a_time(s: Any, items: list[Incoming]) -> list[Stored]:
        return [store_article(s, i.data, i.hits, i.signature) for i in items]

    expected = run(store, one_at_a_time)
    assert run(store, store_articles) == expected
    # And the cases do what they are there for.
    full = expected["stored"][0][0]
    assert [st[4] for st in expected["stored"][:2]] == [full, full]  # clustered in the batch
    assert expected["stored"][2][:2] == (full, False)  # an alias of the article just stored
    assert [st[3] for st in expected["stored"][3:7]] == [True, False, True, True]
    assert len(expected["revisions"]) == 3
    assert expected["stored"][7][1] and not expected["stored"][8][1]  # stored once
    assert any(h[3] and h[4] for h in expected["hits"])  # revised articles' hits changed


def test_a_batch_with_an_unknown_source_stores_nothing(store: Engine) -> None:
    stray = incoming("http://wire.test/stray", story("wire_full"))
    stray = replace(stray, data=replace(stray.data, source="nowhere"))
    with pytest.raises(StorageError, match="nowhere"):
        with transaction(store) as s:
            store_articles(s, [incoming("http://wire.test/ok", story("wire_edited")), stray])
    with transaction(store) as s:
        assert s.scalars(select(Article.id)).all() == []


class FakeTimer:
    """Stands in for the reactor's delayed call: the test decides when time has passed."""

    def __init__(self) -> None:
        self.scheduled: float | None = None

    def schedule(self, delay: float = 0) -> None:
        self.scheduled = self.scheduled if self.scheduled is not None else delay

    def cancel(self) -> None:
        self.scheduled = None


def pipeline(
    engine: Engine, batch: int, archive_dir: Path = Path("/nonexistent/archive")
) -> tuple[StorePipeline, FakeTimer]:
    config = SimpleNamespace(
        sources=[
            SourceConfig(n, kind="feed", url=f"http://{n}.test/rss", interval=EVERY)
            for n in SOURCES
        ],
        archive=ArchiveConfig(dir=archive_dir),
    )
    ctx = SimpleNamespace(
        engine=engine,
        matcher=MATCHER,
        tally=CrawlTally(),
        config=config,
        feed_items=[],
        pipelines_open=0,
        now=utcnow,
        archive=ArchiveWriter(archive_dir, utcnow),
    )
    crawler = SimpleNamespace(stats=SimpleNamespace(inc_value=lambda *a, **k: None))
    pipe = StorePipeline(ctx, crawler, batch=batch, seconds=1.0)  # type: ignore[arg-type]
    timer = FakeTimer()
    pipe._later = timer  # type: ignore[assignment]
    return pipe, timer


def stored_urls(engine: Engine) -> set[str]:
    with transaction(engine) as s:
        return set(s.scalars(select(Article.url)))


def etag(engine: Engine) -> str | None:
    with transaction(engine) as s:
        return s.scalar(select(Source.etag).where(Source.name == "wire"))


def test_pipeline_writes_batches_and_stores_the_rest_when_the_spider_closes(
    store: Engine,
) -> None:
    pipe, timer = pipeline(store, batch=3)
    pipe.process_item(SourceStatus("wire", error=None, entries=5, new=5, etag='"v2"'))
    urls = [f"http://wire.test/{i}" for i in range(5)]
    for url in urls:
        pipe.process_item(ArticleData(source="wire", url=url, title="Iran", text="Iran talks"))
    assert stored_urls(store) == set(urls[:3])  # one batch of 3, 2 buffered
    assert pipe.ctx.tally.of("wire").articles_done == 3
    assert timer.scheduled == 1.0
    assert etag(store) is None  # validators wait until every listed article is stored
    pipe.close_spider()
    assert stored_urls(store) == set(urls)
    assert etag(store) == '"v2"'
    tally = pipe.ctx.tally
    assert (tally.articles_new, tally.hits_new, tally.store_errors) == (5, 5, 0)
    assert timer.scheduled is None


def test_pipeline_stores_a_trickle_after_a_delay(store: Engine) -> None:
    pipe, timer = pipeline(store, batch=100)
    pipe.process_item(ArticleData(source="wire", url="http://wire.test/1", title="Iran"))
    assert stored_urls(store) == set() and timer.scheduled == 1.0
    pipe.flush()  # what the delayed call does
    assert stored_urls(store) == {"http://wire.test/1"}


def test_pipeline_batch_that_fails_is_stored_one_by_one(store: Engine) -> None:
    pipe, _ = pipeline(store, batch=3)
    for source in ["wire", "nowhere", "daily"]:
        pipe.process_item(ArticleData(source=source, url=f"http://{source}.test/1", title="Iran"))
    assert stored_urls(store) == {"http://wire.test/1", "http://daily.test/1"}
    assert pipe.ctx.tally.store_errors == 1
    assert pipe.ctx.tally.of("nowhere").articles_done == 0


@pytest.mark.parametrize("batched", [False, True], ids=["one", "batch"])
def test_hits_keep_their_articles_source(store: Engine, batched: bool) -> None:
    """A hit's source is its article's, also when another source reaches the article (an
    alias) and its revised text adds a watchlist: `monitor hits --source` reads it."""
    first = incoming("http://wire.test/x", story("wire_full"), title="Iran talks")
    again = incoming(
        "http://daily.test/x",
        story("wire_full") + " Rail links too.",
        title="Iran talks and a rail deal",
        other_urls=["http://wire.test/x"],
    )
    fresh = incoming("http://daily.test/y", story("other_same_event"), title="Russia rail")
    with transaction(store) as s:
        store_article(s, first.data, first.hits, first.signature)
    with transaction(store) as s:
        if batched:
            store_articles(s, [again, fresh])
        else:
            for item in (again, fresh):
                store_article(s, item.data, item.hits, item.signature)
    with transaction(store) as s:
        source = {name: id_ for name, id_ in s.execute(select(Source.name, Source.id))}
        rows = s.execute(
            select(Article.url, Hit.watchlist, Hit.source_id, Article.source_id).join(Hit)
        ).all()
    assert {(url, w) for url, w, _, _ in rows} >= {
        ("http://wire.test/x", "rail"),
        ("http://daily.test/y", "rail"),
    }
    assert all(hit_src == art_src for _, _, hit_src, art_src in rows)
    assert {src for url, _, src, _ in rows if "wire.test" in url} == {source["wire"]}
    assert {src for url, _, src, _ in rows if "daily.test" in url} == {source["daily"]}


def test_sqlite_gets_a_batchs_articles_in_id_order(store: Engine) -> None:
    """FTS5 writes out the terms it holds whenever a rowid is smaller than the last one: in
    url_key order (random), a batch made up to a segment per article."""
    if store.dialect.name != "sqlite":
        pytest.skip("the order matters to SQLite's FTS5 only")
    inserted: list[list[int]] = []

    def capture(conn: Any, cursor: Any, sql: str, params: Any, *args: Any) -> None:
        if sql.startswith("INSERT INTO articles "):
            columns = sql[sql.index("(") + 1 : sql.index(")")].split(", ")
            width = len(columns)
            flat = list(params)
            inserted.append(flat[columns.index("id") :: width])

    batch = [incoming(f"http://wire.test/{n}", f"Iran story {n} words") for n in range(30)]
    event.listen(store, "before_cursor_execute", capture)
    try:
        with transaction(store) as s:
            stored = store_articles(s, batch)
    finally:
        event.remove(store, "before_cursor_execute", capture)
    ids = [st.article_id for st in stored]
    assert inserted == [sorted(ids)]
    with store.connect() as c:
        found = c.exec_driver_sql(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'story' ORDER BY rowid"
        ).scalars()
        assert list(found) == sorted(ids)
