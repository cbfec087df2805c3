"""The use cases every front end shares (monitor.app), in process on a real archive: the
answers `monitor hits`, `show`, `feed`, `stats`, `sources` and `status` and the web view
render, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from monitor.app import FEED_HITS_PER_ENTRY, Monitor, UnknownWatchlist
from monitor.config import Config, load_config
from monitor.domain.filters import HitFilter
from monitor.store.engine import make_engine, transaction
from monitor.store.models import Source
from tests.archive import Archive, build_archive


@pytest.fixture
def archive(tmp_path: Path, db_url: str) -> Archive:
    return build_archive(tmp_path, db_url)


@pytest.fixture
def config(archive: Archive) -> Config:
    return load_config(str(archive.config))


def test_feed_reads_enough_hits_for_its_entries_and_refuses_unknown_names(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    import monitor.store.hits as hits

    real = hits.page_hits

    def spy(*args: object, limit: int, **kwargs: object) -> hits.Page:
        asked.append(limit)
        return real(*args, limit=limit, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hits, "page_hits", spy)
    with Monitor.reader(config) as app:
        assert {h.watchlist for h in app.feed("iran", 5)} == {"iran"}
        every = app.feed(None, 5)
    # All watchlists: an article may be a hit of several, so more hits than entries.
    assert asked == [5, 5 * FEED_HITS_PER_ENTRY]
    assert len(every) == 5 * FEED_HITS_PER_ENTRY

    opened: list[str] = []

    def connect() -> Engine:
        opened.append(config.database_url)
        return make_engine(config.database_url)

    app = Monitor(config, connect)
    with pytest.raises(UnknownWatchlist, match="no watchlist named 'nosuch'"):
        app.feed("nosuch", 5)
    assert opened == []  # refused before any database is opened


def test_article_by_id_or_any_url_it_was_seen_at(archive: Archive, config: Config) -> None:
    wire = archive.ids["wire"]
    with Monitor.reader(config) as app:
        assert app.article(wire) is not None
        assert app.article(str(wire)) == app.article(wire)
        seen = app.article("https://wire.test/2026/drones-convoy?utm_campaign=x")
        assert seen is not None and seen.id == wire
        assert app.article(10**9) is None and app.article("http://nowhere.test/") is None


def test_hit_page_and_stream_agree(config: Config) -> None:
    f = HitFilter(watchlists=("iran",))
    with Monitor.reader(config) as app:
        everything = app.hit_page(f, limit=0)
        first = app.hit_page(f, limit=3)
        with app.hit_stream(f, limit=3) as stream:
            streamed = list(stream.rows)
            assert stream.next == first.next
        with app.hit_stream(f) as stream:
            assert [r.id for r in stream.rows] == [r.id for r in everything.rows]
            assert stream.next is None
    assert everything.next is None and len(everything.rows) > 3
    ids = [r.id for r in everything.rows]
    assert [r.id for r in streamed] == [r.id for r in first.rows] == ids[:3]


def test_stats_default_to_the_last_30_days_of_every_watchlist(
    archive: Archive, config: Config
) -> None:
    with Monitor.reader(config) as app:
        stats = app.stats(until=archive.now)
        alone = app.stats(["iran"], until=archive.now, by_source=False)
    assert [s.watchlist for s in stats.series] == ["drones", "iran", "russia"]
    start, end = (archive.now - timedelta(days=30)).date(), archive.now.date()
    assert all((s.periods[0][0], s.periods[-1][0]) == (start, end) for s in stats.series)
    assert stats.sources and alone.sources == []
    assert [s.watchlist for s in alone.series] == ["iran"]


def _fail(engine: Engine, name: str, since: timedelta, archive: Archive) -> None:
    t = archive.now - since
    with transaction(engine) as s:
        s.execute(
            update(Source)
            .where(Source.name == name)
            .values(consecutive_failures=3, last_error="HTTP 500", failing_since=t, last_error_at=t)
        )


def test_source_health_for_sources_status_and_the_digest(archive: Archive, config: Config) -> None:
    engine = make_engine(archive.url)
    _fail(engine, "wire", timedelta(hours=1), archive)
    _fail(engine, "hostile", timedelta(days=3), archive)  # broken_after is 2 days
    engine.dispose()
    with Monitor.writer(config) as app:
        rows = {r.name: r for r in app.sources()}
        status = app.status(now=archive.now)
    assert {n: r.state for n, r in rows.items()} == {
        "daily": "new",  # never fetched: not failing
        "hostile": "broken",
        "wire": "failing",
    }
    assert rows["daily"].articles > 0  # counted for `monitor sources`
    assert [(r.name, r.state) for r in status.attention] == [
        ("hostile", "broken"),
        ("wire", "failing"),
    ]
    assert all(r.articles == 0 for r in status.sources)  # states only for `monitor status`
    [recipient] = status.recipients
    assert recipient.next_at is not None and recipient.next_at > archive.now
    assert status.daemon is None
