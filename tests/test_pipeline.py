"""The store pipeline takes the extraction workers' hits and signatures, matches and signs
only what comes without them, and records sources' results in batches."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import Engine, event, select

from monitor.crawl.pipelines import StorePipeline
from monitor.domain import stories
from monitor.domain.articles import Analysis, ArticleData, FeedItemSeen
from monitor.domain.sources import SourceStatus
from monitor.store.engine import transaction
from monitor.store.models import Article, Hit, Source
from tests.test_ingest import FakeTimer, pipeline, store  # noqa: F401  (store: a fixture)


def hits_by_url(engine: Engine) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with transaction(engine) as s:
        for url, watchlist in s.execute(
            select(Article.url, Hit.watchlist).join(Hit, Hit.article_id == Article.id)
        ):
            out.setdefault(url, set()).add(watchlist)
    return out


def test_pipeline_takes_the_workers_analysis_and_matches_items_without(store: Engine) -> None:  # noqa: F811
    pipe, _ = pipeline(store, batch=10)
    # The worker matched this article (to "iran" only): its hits are stored as they are.
    worker = ArticleData(source="wire", url="http://wire.test/a", title="Iran", text="Russia")
    worker.analysis = Analysis(hits=pipe.ctx.matcher.match({"title": "Iran"}, source="wire"))
    # A feed entry alone (its page failed): the pipeline matches it.
    entry = ArticleData(source="wire", url="http://wire.test/b", title="Russia", fetch_error="x")
    pipe.process_item(worker)
    pipe.process_item(entry)
    pipe.close_spider()
    assert hits_by_url(store) == {
        "http://wire.test/a": {"iran"},
        "http://wire.test/b": {"russia"},
    }


def test_pipeline_stores_the_workers_signature_and_signs_items_without(store: Engine) -> None:  # noqa: F811
    pipe, _ = pipeline(store, batch=10)
    text = " ".join(f"word{i}" for i in range(60))
    worker = ArticleData(source="wire", url="http://wire.test/a", title="A", text=text)
    signed = bytes(range(256)) * 2  # what a worker computed: stored as it is
    worker.analysis = Analysis(hits=[], signature=signed)
    entry = ArticleData(source="wire", url="http://wire.test/b", title="B", text=text)
    pipe.process_item(worker)
    pipe.process_item(entry)
    pipe.close_spider()
    with transaction(store) as s:
        stored = {url: sig for url, sig in s.execute(select(Article.url, Article.minhash))}
    assert stored == {"http://wire.test/a": signed, "http://wire.test/b": stories.signature(text)}


def checked(engine: Engine) -> dict[str, str | None]:
    with transaction(engine) as s:
        rows = s.execute(select(Source.name, Source.last_error, Source.last_checked_at)).all()
    return {name: error for name, error, at in rows if at is not None}


def test_pipeline_records_sources_in_batches_before_their_articles(store: Engine) -> None:  # noqa: F811
    pipe, timer = pipeline(store, batch=3)
    pipe.process_item(SourceStatus("wire", error=None, not_modified=True))
    pipe.process_item(SourceStatus("daily", error="HTTP 500"))
    assert checked(store) == {} and timer.scheduled == 1.0  # buffered
    pipe.flush()  # what the delayed call does
    assert checked(store) == {"wire": None, "daily": "HTTP 500"}
    # A source with new articles: its validators only once they are stored.
    pipe.process_item(SourceStatus("wire", error=None, entries=1, new=1, etag='"v3"'))
    pipe.process_item(ArticleData(source="wire", url="http://wire.test/1", title="Iran"))
    pipe.close_spider()
    with transaction(store) as s:
        assert s.scalar(select(Source.etag).where(Source.name == "wire")) == '"v3"'
    assert pipe.ctx.tally.store_errors == 0


def etag(engine: Engine, name: str) -> str | None:
    with transaction(engine) as s:
        return s.scalar(select(Source.etag).where(Source.name == name))


def test_a_source_is_checked_only_once_the_articles_it_listed_are_stored(store: Engine) -> None:  # noqa: F811
    """A crawl killed between a feed and its articles' batch must leave the source due, so
    that the next crawl (another worker's, minutes later) fetches what is missing."""
    pipe, _ = pipeline(store, batch=10)
    pipe.process_item(SourceStatus("wire", error=None, entries=2, new=2, etag='"v1"'))
    pipe.process_item(ArticleData(source="wire", url="http://wire.test/1", title="Iran"))
    pipe.flush()  # a crawl killed now ...
    assert checked(store) == {}  # ... leaves the source due
    pipe.process_item(ArticleData(source="wire", url="http://wire.test/2", title="Russia"))
    pipe.flush()
    assert checked(store) == {"wire": None}
    assert etag(store, "wire") == '"v1"'


def test_a_source_whose_articles_did_not_all_come_back_is_checked_without_validators(
    store: Engine,  # noqa: F811
) -> None:
    pipe, _ = pipeline(store, batch=10)
    pipe.process_item(SourceStatus("wire", error=None, entries=2, new=2, etag='"v1"'))
    pipe.process_item(ArticleData(source="wire", url="http://wire.test/1", title="Iran"))
    pipe.close_spider()  # the second article never came (its store failed, say)
    assert checked(store) == {"wire": None}  # not due again at every tick ...
    assert etag(store, "wire") is None  # ... and its next check parses the feed again


def test_pipeline_source_batch_that_fails_is_recorded_one_by_one(store: Engine) -> None:  # noqa: F811
    pipe, _ = pipeline(store, batch=3)
    pipe.process_item(SourceStatus("wire", error=None, not_modified=True))
    pipe.process_item(SourceStatus("nowhere", error=None, not_modified=True))
    pipe.process_item(SourceStatus("daily", error=None, not_modified=True))
    assert set(checked(store)) == {"wire", "daily"}
    assert pipe.ctx.tally.store_errors == 1


def test_a_batch_of_source_results_reads_the_sources_once(store: Engine) -> None:  # noqa: F811
    """Each check's row was read (and the last one flushed) by a query of its own: a fifth
    of a warm cycle. Now one SELECT of the sources a batch, one UPDATE statement at the end
    (executemany), the same results."""
    pipe, _ = pipeline(store, batch=10)
    statements: list[str] = []

    def seen(conn: object, cursor: object, sql: str, *args: object) -> None:
        statements.append(" ".join(sql.split()))

    event.listen(store, "before_cursor_execute", seen)
    try:
        pipe.process_item(SourceStatus("wire", error=None, not_modified=True))
        pipe.process_item(SourceStatus("daily", error="HTTP 500"))
        pipe.close_spider()
    finally:
        event.remove(store, "before_cursor_execute", seen)
    assert checked(store) == {"wire": None, "daily": "HTTP 500"}
    reads = [s for s in statements if s.startswith("SELECT") and "FROM sources" in s]
    assert len(reads) == 1, statements
    assert len([s for s in statements if s.startswith("UPDATE sources")]) <= 2  # per column set


def test_a_feed_item_waits_for_the_spider_that_stores_its_article(store: Engine) -> None:  # noqa: F811
    """One crawl, two spiders: the section spider requested the page, so the feed spider
    passes on only the feed's summary (FeedItemSeen); and the feed spider may close before
    the section spider's pipeline stores the article. The summary still reaches it."""
    feed, _ = pipeline(store, batch=10)
    section = StorePipeline(
        feed.ctx, SimpleNamespace(stats=feed.stats), batch=10, seconds=feed.seconds
    )  # type: ignore[arg-type]
    section._later = FakeTimer()  # type: ignore[assignment]
    url = "http://wire.test/2026/11/24/talks"
    feed.process_item(FeedItemSeen("wire", url, "Vienna talks", "Talks with Iran resumed."))
    feed.close_spider()  # the feed spider is done first
    section.process_item(ArticleData(source="wire", url=url, title="Vienna talks", text="x"))
    section.close_spider()
    with transaction(store) as s:
        assert s.scalars(select(Article.summary)).all() == ["Talks with Iran resumed."]
    assert hits_by_url(store) == {url: {"iran"}}  # matched again with the summary
    assert feed.ctx.feed_items == [] and feed.ctx.pipelines_open == 0
