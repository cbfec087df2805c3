"""A bogus rel=canonical or a redirect many articles share must not fold a site's stories
into one (issue "Detection you can trust"): what the extractor accepts, what the store keeps,
and a real crawl of a site whose CMS gives every page the same canonical."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from monitor.crawl.extract import extract_article
from monitor.demo.server import FixtureSite
from monitor.domain import stories
from monitor.domain.articles import ArticleData
from monitor.domain.sources import SourceSpec
from monitor.domain.urls import plausible_alias
from monitor.matching import Matcher
from monitor.store.articles import Incoming, store_articles
from monitor.store.engine import transaction
from monitor.store.models import Article, ArticleRevision, ArticleUrl, Hit
from monitor.store.sources import sync_sources
from tests.helpers import db_query, feed, run_monitor, write_config

LINK = "https://news.test/2026/11/20/drones-cross-the-caspian-a2001"
MATCHER = Matcher({"iran": "Iran"})
TOWNS = ["Tabriz", "Shiraz", "Isfahan", "Mashhad", "Qom", "Ahvaz", "Kerman", "Yazd"]


@pytest.mark.parametrize(
    "alias",
    [
        "https://news.test/",
        "https://news.test",
        "https://news.test/?lang=en",
        "https://news.test/2026/11/",  # the folder the article is filed under
        "https://news.test/world/",
        "https://news.test/tag/iran",
        "https://news.test/login?next=/2026/11/20/x",
        "https://consent.news.test/?continue=1",
        "javascript:alert(1)",
    ],
)
def test_root_section_listing_and_walls_never_name_an_article(alias: str) -> None:
    assert not plausible_alias(alias, LINK)


@pytest.mark.parametrize(
    "alias",
    [
        LINK,
        "https://www.news.test/amp/drones-cross-the-caspian-a2001",  # AMP: the same slug
        "https://news.test/2026/11/20/drones-cross-the-caspian",  # an article's shape
        "https://other.test/world/2026/11/20/drones-a2001",  # a feed proxy's redirect target
    ],
)
def test_article_urls_can_name_it(alias: str) -> None:
    assert plausible_alias(alias, LINK)


def page(canonical: str, body: str) -> bytes:
    return (
        f'<html><head><title>Story</title><link rel="canonical" href="{canonical}"></head>'
        f"<body><article><h1>Story</h1><p>{body}</p></article></body></html>"
    ).encode()


@pytest.mark.parametrize("canonical", ["/", "https://news.test/", "/world/", "/tag/iran"])
def test_extractor_drops_a_root_or_section_canonical(canonical: str) -> None:
    text = "Officials in Tabriz said the talks with Iran would resume next week. " * 5
    assert extract_article(page(canonical, text), LINK).canonical_url is None
    assert extract_article(page(LINK + "?x=1", text), LINK).canonical_url == LINK + "?x=1"


def story(i: int) -> str:
    town = TOWNS[i]
    return (
        f"Officials in {town} said on day {i} that a new road to Iran would open. "
        f"The governor of {town} spoke of trade, of {i + 3} new schools and of the "
        f"harvest in the valleys around {town}, which farmers called the best in years."
    )


@pytest.fixture
def store(engine: Engine) -> Engine:
    with transaction(engine) as s:
        sync_sources(s, [SourceSpec("wire", "feed", "http://news.test/rss", timedelta(minutes=15))])
    return engine


def incoming(i: int, shared: str, text: str | None = None) -> Incoming:
    data = ArticleData(
        source="wire",
        url=f"http://news.test/2026/11/2{i}/story-number-{i}",
        title=f"Story {i} about Iran",
        text=text or story(i),
        other_urls=[shared],
    )
    return Incoming(data, MATCHER.match(data.fields()), stories.signature(data.text))


SHARED = "http://news.test/2026/11/20/the-one-story-every-page-claims"


@pytest.mark.parametrize("batched", [True, False])
def test_one_shared_canonical_keeps_eight_articles_and_their_hits(
    store: Engine, batched: bool
) -> None:
    batch = [incoming(i, SHARED) for i in range(8)]
    stored = []
    with transaction(store) as s:
        if batched:
            stored = store_articles(s, batch)
        else:
            for one in batch:
                stored += store_articles(s, [one])
    assert [x.new_article for x in stored] == [True] * 8
    assert all(x.new_hits == ("iran",) for x in stored)
    with transaction(store) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 8
        assert s.scalar(select(func.count()).select_from(Hit)) == 8
        assert s.scalar(select(func.count()).select_from(ArticleRevision)) == 0
        # Only the first holds the shared URL; the others are named by their links.
        held = s.scalars(select(ArticleUrl.url).where(ArticleUrl.url == SHARED)).all()
        assert len(held) == 1
        urls = set(s.scalars(select(Article.url)))
    assert {f"http://news.test/2026/11/2{i}/story-number-{i}" for i in range(1, 8)} <= urls


def test_the_same_story_through_its_canonical_is_still_one_article(store: Engine) -> None:
    with transaction(store) as s:
        first = store_articles(s, [incoming(0, SHARED)])[0]
    # Another link (a tracking variant courlan does not know) to the same story, edited.
    edited = story(0).replace("best in years", "best in a decade")
    again = incoming(0, SHARED, text=edited)
    again.data.url = "http://news.test/2026/11/20/story-number-0?ref=homepage"
    with transaction(store) as s:
        second = store_articles(s, [again])[0]
    assert second.article_id == first.article_id and not second.new_article
    assert second.revised  # a revision of the same story, not a new article


def write_site(root: Path) -> None:
    """Eight articles whose CMS gives each the site root as canonical, eight that all claim
    the "world" section, four that redirect to one consent page; one RSS feed lists them."""
    items = []

    def article(path: str, canonical: str, i: int) -> None:
        target = root / path.lstrip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(canonical, story(i % 8)).decode(), "utf-8")
        items.append(f"<item><title>Story {i}</title><link>{{{{BASE}}}}{path}</link></item>")

    for i in range(8):
        article(f"/2026/11/2{i}/root-canonical-story-{i}/", "/", i)
    for i in range(8, 16):
        article(f"/world/2026/11/2{i - 8}/section-canonical-story-{i}/", "/world/", i)
    consent = root / "consent" / "index.html"
    consent.parent.mkdir(parents=True)
    consent.write_bytes(page("/consent/", "Before you continue, accept our cookies."))
    for i in range(16, 20):
        path = root / f"walled-story-{i}.html"
        path.write_text("moved", "utf-8")
        path.with_name(path.name + ".headers").write_text(
            "Status: 302\nLocation: /consent/?continue=1\n", "utf-8"
        )
        items.append(
            f"<item><title>Iran story {i}</title><link>{{{{BASE}}}}/walled-story-{i}.html</link>"
            "</item>"
        )
    (root / "index.html").write_text("<html><body>Home</body></html>", "utf-8")
    (root / "rss.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        + "".join(items)
        + "</channel></rss>",
        "utf-8",
    )


@pytest.mark.slow
@pytest.mark.usefixtures("db_url")
def test_crawl_of_a_site_with_one_canonical_stores_every_story(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    write_site(root)
    with FixtureSite(root) as site:
        config = write_config(tmp_path, feed("cms", site.url("/rss.xml")))
        result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    assert db_query("SELECT count(*) FROM articles") == [(20,)]
    assert db_query("SELECT count(*) FROM hits WHERE watchlist = 'iran'") == [(20,)]
    assert db_query("SELECT count(*) FROM article_revisions") == [(0,)]
    urls = {u for (u,) in db_query("SELECT url FROM article_urls")}
    assert site.url("/") not in urls and site.url("/world/") not in urls
    assert not any("consent" in u for u in urls)
