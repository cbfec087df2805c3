"""A story first reached through a section page gets its feed headline and summary when a
feed lists it, and is matched again: a term only the feed's summary carries is a hit, no
hit is stored twice, no page is fetched again (issue "Detection you can trust")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from monitor.demo.server import FixtureSite
from monitor.domain.articles import ArticleData
from monitor.domain.sources import SourceSpec
from monitor.store.articles import FeedFill, complete_from_feed, store_article
from monitor.store.engine import transaction
from monitor.store.models import Article
from monitor.store.sources import sync_sources
from tests.helpers import db_query, feed, run_monitor, section, write_config

SUMMARY = "Talks with Iran resumed in Vienna, diplomats said."
TEXT = (
    "Diplomats from Russia and Europe met in Vienna on Monday for a new round of talks on "
    "the nuclear programme. The delegations said the mood was constructive and that they "
    "would meet again within a month."
)


def write_site(root: Path) -> None:
    """A section page and a feed listing the same two stories; the feed's summaries name
    Iran, the pages do not."""
    links = []
    items = []
    for i in (1, 2):
        path = f"/2026/11/2{i}/vienna-talks-resume-round-{i}"
        target = root / path.lstrip("/") / "index.html"
        target.parent.mkdir(parents=True)
        target.write_text(
            f"<html><head><title>Vienna talks, round {i}</title></head><body><article>"
            f"<h1>Vienna talks, round {i}</h1><p>{TEXT}</p><p>{TEXT}</p></article></body></html>",
            "utf-8",
        )
        links.append(f'<li><a href="{path}/">Vienna talks, round {i}</a></li>')
        items.append(
            f"<item><title>Vienna talks, round {i}</title><link>{{{{BASE}}}}{path}/</link>"
            f"<description>{SUMMARY}</description></item>"
        )
    (root / "news").mkdir()
    (root / "news" / "index.html").write_text(
        "<html><body><main><ul>" + "".join(links) + "</ul></main></body></html>", "utf-8"
    )
    (root / "rss.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        + "".join(items)
        + "</channel></rss>",
        "utf-8",
    )


def hits() -> list[tuple[str, str]]:
    return sorted(
        (str(url), str(w))
        for url, w in db_query(
            "SELECT a.url, h.watchlist FROM hits h JOIN articles a ON a.id = h.article_id"
        )
    )


@pytest.mark.slow
@pytest.mark.usefixtures("db_url")
@pytest.mark.parametrize("together", [False, True])
def test_feed_summary_reaches_an_article_first_found_on_a_section_page(
    tmp_path: Path, together: bool
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    write_site(root)
    with FixtureSite(root) as site:
        sources = section("news", site.url("/news/")) + feed("wire", site.url("/rss.xml"))
        config = write_config(tmp_path, sources)
        if not together:  # the section first, the feed in a later crawl
            first = run_monitor("crawl", "--source", "news", config=config)
            assert first.returncode == 0, first.stderr
            assert [w for _, w in hits()] == ["russia", "russia"]
            assert db_query("SELECT count(*) FROM articles WHERE summary IS NULL") == [(2,)]
        result = run_monitor("crawl", config=config)
        assert result.returncode == 0, result.stderr
        pages = [p for p in site.requests if "vienna-talks" in p]
    assert len(pages) == 2  # each page fetched once, by whichever source came first
    assert db_query("SELECT count(*) FROM articles") == [(2,)]
    assert db_query(
        "SELECT count(*) FROM articles WHERE summary LIKE 'Talks with Iran resumed%'"
    ) == [(2,)]
    got = hits()
    assert sorted(w for _, w in got) == ["iran", "iran", "russia", "russia"]  # no hit twice
    assert db_query("SELECT count(*) FROM article_revisions") == [(0,)]
    again = run_monitor("crawl", config=config)  # nothing new: nothing changes
    assert again.returncode == 0, again.stderr
    assert hits() == got


@pytest.fixture
def store(engine: Engine) -> Engine:
    with transaction(engine) as s:
        sync_sources(s, [SourceSpec("news", "section", "http://t.test/", timedelta(minutes=15))])
    return engine


def test_feed_fields_fill_only_what_is_missing(store: Engine) -> None:
    url = "http://t.test/2026/11/21/vienna-talks-resume-round-1"
    with transaction(store) as s:
        assert complete_from_feed(s, [FeedFill(url, "T", "S")]) == ([0], [])  # not stored
        store_article(s, ArticleData(source="news", url=url, title="Page title", text=TEXT), [])
    with transaction(store) as s:
        other = "http://t.test/2026/11/21/not-stored-yet"
        fills = [
            FeedFill(other, "X", "Y"),
            FeedFill(url + "?utm_source=rss", "Feed title", SUMMARY),
        ]
        missing, refilled = complete_from_feed(s, fills)
        assert missing == [0] and [a.url for a in refilled] == [url]
        assert (refilled[0].title, refilled[0].summary, refilled[0].text) == (
            "Page title",
            SUMMARY,
            TEXT,
        )
        assert refilled[0].source == "news"
    with transaction(store) as s:
        feed_title = s.scalar(select(Article.feed_title).where(Article.url == url))
        assert feed_title == "Feed title"
        # complete now: nothing to fill, nothing to match again
        assert complete_from_feed(s, [FeedFill(url, "Other title", "Other summary")]) == ([], [])


def test_many_feed_items_of_one_article_fill_it_once(store: Engine) -> None:
    """A cold crawl lists an article in several feeds: the first headline is kept, the
    first summary fills the gap, the article is matched again once."""
    url = "http://t.test/2026/11/21/vienna-talks-resume-round-2"
    with transaction(store) as s:
        store_article(s, ArticleData(source="news", url=url, title=None, text=TEXT), [])
    fills = [FeedFill(url, None, None), FeedFill(url, "First", None), FeedFill(url, "Second", "S")]
    with transaction(store) as s:
        missing, refilled = complete_from_feed(s, fills)
    assert missing == [] and len(refilled) == 1
    assert (refilled[0].title, refilled[0].summary) == ("First", "S")
    with transaction(store) as s:
        row = s.execute(select(Article.title, Article.summary, Article.feed_title)).one()
    assert tuple(row) == ("First", "S", "First")
