"""The hit list's filters, sorts and keyset pages, on a real archive (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.domain.filters import BadCursor, Cursor, HitFilter
from monitor.errors import MonitorError
from monitor.store.hits import iter_hits, page_hits
from monitor.store.readonly import make_reader, read_session
from tests.archive import Archive, build_archive


@pytest.fixture
def archive(tmp_path: Path, db_url: str) -> Archive:
    return build_archive(tmp_path, db_url)


def listing(a: Archive, f: HitFilter) -> list[tuple[int, str]]:
    engine = make_reader(a.url)
    try:
        with read_session(engine) as s:
            return [(h.article_id, h.watchlist) for h in iter_hits(s, f)]
    finally:
        engine.dispose()


def test_newest_first_and_filters(archive: Archive) -> None:
    ids = archive.ids
    every = listing(archive, HitFilter())
    assert every[0] == (ids["hostile"], "iran") and len(every) == 58
    assert {w for _, w in listing(archive, HitFilter(watchlists=("drones",)))} == {"drones"}
    assert {a for a, _ in listing(archive, HitFilter(sources=("wire",)))} == {
        ids["wire"],
        ids["revised"],
    }
    day = listing(
        archive,
        HitFilter(since=archive.now - timedelta(days=3), until=archive.now - timedelta(days=2)),
    )
    assert {a for a, _ in day} == {ids[f"spike-{i}"] for i in range(12)} | {ids["daily-2"]}
    assert listing(archive, HitFilter(updated_only=True)) == [(ids["revised"], "russia")]
    tehran = listing(archive, HitFilter(terms=("TEHRAN",)))
    assert len(tehran) == 14 and {w for _, w in tehran} == {"iran"}
    assert sorted(listing(archive, HitFilter(story=ids["wire"]))) == sorted(
        [
            (ids["copy"], "iran"),
            (ids["copy"], "drones"),
            (ids["wire"], "iran"),
            (ids["wire"], "drones"),
        ]
    )


def test_one_row_per_story_counts_its_copies(archive: Archive) -> None:
    engine = make_reader(archive.url)
    with read_session(engine) as s:
        rows = list(iter_hits(s, HitFilter(per="story", since=archive.now - timedelta(days=1))))
    engine.dispose()
    story = [r for r in rows if r.story_id == archive.ids["wire"]]
    assert {(r.article_id, r.watchlist, r.copies) for r in story} == {
        (archive.ids["wire"], "iran", 2),
        (archive.ids["wire"], "drones", 2),
    }


def test_full_text_search_newest_or_most_relevant(archive: Archive) -> None:
    found = listing(archive, HitFilter(search="convoy drones"))
    assert {a for a, _ in found} == {archive.ids["wire"], archive.ids["copy"]}
    assert found[0][0] == archive.ids["copy"]  # the newer article first
    best = listing(archive, HitFilter(search="Tehran talks", sort="relevance"))
    assert best and all(a in {archive.ids[f"spike-{i}"] for i in range(12)} for a, _ in best[:12])
    assert listing(archive, HitFilter(search='"unbalanced (* OR')) == []
    with pytest.raises(MonitorError, match="needs a full-text search"):
        HitFilter(sort="relevance")


@pytest.mark.parametrize(
    "f",
    [HitFilter(), HitFilter(search="report"), HitFilter(search="report", sort="relevance")],
    ids=["time", "search", "relevance"],
)
def test_pages_cover_the_list_once(archive: Archive, f: HitFilter) -> None:
    engine = make_reader(archive.url)
    with read_session(engine) as s:
        whole = [h.id for h in iter_hits(s, f)]
        for size in (1, 7):  # 1: an article's hits outnumber a page
            paged: list[int] = []
            cursor = None
            for _ in range(100):
                page = page_hits(s, f, limit=size, cursor=cursor)
                paged += [h.id for h in page.rows]
                if page.next is None:
                    break
                cursor = Cursor.decode(page.next)
            assert sorted(paged) == sorted(whole) and len(paged) == len(set(paged)) > 7
            if f.sort == "time" and not f.search:
                assert paged == whole
        other = Cursor.decode(page_hits(s, HitFilter(), limit=1).next or "")
        if f.search:
            with pytest.raises(BadCursor):
                page_hits(s, f, limit=7, cursor=other)
    engine.dispose()
    with pytest.raises(BadCursor):
        Cursor.decode("not a cursor!")


def test_relevance_ranks_the_newest_matches_only(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.store.hits as hits

    monkeypatch.setattr(hits, "RELEVANCE_WINDOW", 3)
    monkeypatch.setattr(hits, "PG_RELEVANCE_WINDOW", 3)
    found = {a for a, _ in listing(archive, HitFilter(search="Tehran", sort="relevance"))}
    newest = sorted({a for a, _ in listing(archive, HitFilter(search="Tehran"))}, reverse=True)
    assert found == set(newest[:3])


def test_search_pages_through_windows_match_the_whole_list(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL tries windows of the newest ids before every match (tiny ones here, so a
    page crosses several); the pages must still be the whole list, newest article first."""
    import monitor.store.search as search

    monkeypatch.setattr(search, "PG_WINDOWS", (1, 2, 5))
    engine = make_reader(archive.url)
    with read_session(engine) as s:
        for words in ("report", "Tehran", "no such wordd"):
            f = HitFilter(search=words)
            whole = [(h.article_id, h.id) for h in iter_hits(s, f)]
            paged: list[tuple[int, int]] = []
            cursor = None
            for _ in range(200):
                page = page_hits(s, f, limit=3, cursor=cursor)
                paged += [(h.article_id, h.id) for h in page.rows]
                if page.next is None:
                    break
                cursor = Cursor.decode(page.next)
            assert sorted(paged) == sorted(whole) and len(paged) == len(set(paged))
            articles = [a for a, _ in paged]
            assert articles == sorted(articles, reverse=True)
            assert (len(whole) > 3) == (words != "no such wordd")
    engine.dispose()
