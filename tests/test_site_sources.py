"""Site and sitemap sources in real crawls (issue #16): fixture news sites, each on its own
127.0.0.N host (tests/newssites.py), crawled by the real `monitor crawl`, on SQLite and on
PostgreSQL; and the `monitor sources discover|import|export` commands."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.crawl.opml import read_opml
from tests.helpers import DATA, db_query, feed, run_monitor, write_config
from tests.newssites import ARTICLES, Sites, serve_sites

SITES = (
    "feedsite",
    "robotssite",
    "conventional",
    "indexsite",
    "jsonsite",
    "homepage",
    "feedplus",
    "walledhome",
)


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[Sites]:
    with serve_sites(tmp_path / "sites") as s:
        yield s


def site_source(name: str, url: str) -> str:
    return f'\n[[sources]]\nname = "{name}"\nsite = "{url}"\n'


def sitemap_source(name: str, url: str) -> str:
    return f'\n[[sources]]\nname = "{name}"\nsitemap = "{url}"\n'


def stored(url_like: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    """url -> (title, text's first words, fetch_error) of the articles whose URL is like this."""
    rows = db_query(
        f"SELECT url, title, text, fetch_error FROM articles WHERE url LIKE '{url_like}'"  # noqa: S608
    )
    return {u: (t, x[:20] if x else None, e) for u, t, x, e in rows}


def found(config: Path) -> dict[str, dict[str, object]]:
    listing = run_monitor("sources", "--format", "json", config=config)
    assert listing.returncode == 0, listing.stderr
    return {s["name"]: s for s in json.loads(listing.stdout)}


def test_site_sources_find_every_article_whichever_way_the_site_offers_them(
    tmp_path: Path, db_url: str, sites: Sites
) -> None:
    config = write_config(
        tmp_path,
        "".join(site_source(n, sites.url(n)) for n in (*SITES, "walls"))
        + sitemap_source("gz", sites.url("gzsite", "/news.xml.gz"))
        + sitemap_source("big", sites.url("bigsite", "/huge.xml"))
        + sitemap_source("biggz", sites.url("bigsite", "/huge.xml.gz"))
        + sitemap_source("index", sites.url("indexsite", "/sitemap_index.xml")),
        extra='max_sitemap_size = "10MB"',
    )
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr

    # Every article of every site, with its text, in one crawl.
    for name in (*SITES, "gzsite"):
        articles = stored(f"%/{name}-council-story-%")
        assert set(articles) == set(sites.article_urls(name)), name
        assert all(text and text.startswith("The regional") for _, text, _ in articles.values())
    # Headlines come from the feed, else from the news sitemap's news:title.
    assert stored("%/robotssite-council-story-number-1.html").popitem()[1][0] == (
        "robotssite council story 1 (sitemap)"
    )
    assert stored("%/jsonsite-council-story-number-2.html").popitem()[1][0] == (
        "jsonsite council story 2"
    )
    # The index's archive child is never fetched, by the site source or the sitemap source.
    assert "/sitemaps/news-latest.xml" in sites.servers["indexsite"].requests
    assert "/sitemaps/archive-2019.xml" not in sites.servers["indexsite"].requests

    sources = found(config)
    used = {
        name: [(f["kind"], f["url"]) for f in sources[name]["found"] if f["used"]]  # type: ignore[attr-defined]
        for name in (*SITES, "walls")
    }
    assert used == {
        "feedsite": [("feed", sites.url("feedsite", "/rss.xml"))],
        "robotssite": [("sitemap", sites.url("robotssite", "/sitemaps/google-news.xml"))],
        "conventional": [("sitemap", sites.url("conventional", "/sitemap_news.xml"))],
        "indexsite": [("sitemap", sites.url("indexsite", "/sitemap_index.xml"))],
        "jsonsite": [("feed", sites.url("jsonsite", "/feed.json"))],
        "homepage": [("section", sites.url("homepage"))],
        # The feed lists three, the news sitemap all five: both are used.
        "feedplus": [
            ("feed", sites.url("feedplus", "/rss.xml")),
            ("sitemap", sites.url("feedplus", "/news-sitemap.xml")),
        ],
        "walls": [("feed", sites.url("walls", "/rss.xml"))],
        # Its homepage is a challenge answered 403: the sitemap is found all the same.
        "walledhome": [("sitemap", sites.url("walledhome", "/sitemap_news.xml"))],
    }
    how = {f["kind"]: f["how"] for f in sources["robotssite"]["found"]}  # type: ignore[attr-defined]
    assert how == {"sitemap": "robots.txt"}

    # A 30 MB sitemap under a 10 MB cap is refused, plain or gzip, with a clear error.
    assert sources["big"]["state"] == "failing"
    assert sources["big"]["last_error"] == (
        "TooLarge: Expected to receive 31457280 bytes which is larger than download max size "
        "(10485760) (raise [crawl] max_sitemap_size if this is expected)"
    )
    assert sources["biggz"]["last_error"] == (
        "TooLarge: the sitemap grows past 10485760 bytes when gunzipped ([crawl] "
        f"max_sitemap_size) (from {sites.url('bigsite', '/huge.xml.gz')})"
    )
    assert db_query("SELECT count(*) FROM articles WHERE url LIKE '%bigsite%'") == [(0,)]

    # Walls: two blocked pages, one thin; stored with the feed's headline and no text, the
    # headline matched; counted on the source, shown by `monitor sources`.
    walls = stored("%/walls-council-story-%")
    assert {u.rsplit("-", 1)[1]: (e or "").split(":")[0] for u, (_, _, e) in walls.items()} == {
        "1.html": "",
        "2.html": "",
        "3.html": "Blocked",
        "4.html": "Blocked",
        "5.html": "Thin",
    }
    assert all(text is None for _, text, e in walls.values() if e)
    assert walls[sites.url("walls", "/2026/11/23/walls-council-story-number-3.html")][0] == (
        "Iran talks resume in Oman"
    )
    assert db_query(
        "SELECT a.url FROM hits h JOIN articles a ON a.id = h.article_id WHERE h.watchlist = 'iran'"
    ) == [(sites.url("walls", "/2026/11/23/walls-council-story-number-3.html"),)]
    assert (sources["walls"]["blocked_pages"], sources["walls"]["thin_pages"]) == (2, 1)
    assert db_query("SELECT count(*) FROM articles WHERE text LIKE '%Just a moment%'") == [(0,)]
    table = run_monitor("sources", config=config)
    assert "site: feed" in table.stdout and "2 blocked" in table.stdout
    status = run_monitor("status", config=config)
    assert "blocked: walls" in status.stdout
    digest = run_monitor("digest", "--dry-run", config=config)
    assert digest.returncode == 0, digest.stderr
    assert "* walls: blocked since" in digest.stdout
    assert "pages: 2 blocked (a bot or consent wall), 1 thin (no text)" in digest.stdout

    # The second crawl uses what was found: no new discovery, no article fetched again.
    before = db_query("SELECT name, discovered_at FROM sources ORDER BY name")
    requests = {n: len(s.requests) for n, s in sites.servers.items()}
    again = run_monitor("crawl", config=config)
    assert again.returncode == 0, again.stderr
    assert db_query("SELECT name, discovered_at FROM sources ORDER BY name") == before
    conventional = sites.servers["conventional"].requests[requests["conventional"] :]
    # One request for what the site source uses, not its homepage too, and not robots.txt
    # (the first crawl's is kept for a day: monitor.crawl.robots).
    assert sorted(conventional) == ["/sitemap_news.xml"]
    feedsite = sites.servers["feedsite"].requests[requests["feedsite"] :]
    assert sorted(feedsite) == ["/rss.xml"]
    feedplus = sites.servers["feedplus"].requests[requests["feedplus"] :]
    assert sorted(feedplus) == ["/news-sitemap.xml", "/rss.xml"]
    homepage = sites.servers["homepage"].requests[requests["homepage"] :]
    assert sorted(homepage) == ["/"]
    # A sitemap is asked for conditionally, as a feed is: unchanged, it is a 304.
    assert sites.servers["gzsite"].responses[-1] == ("/news.xml.gz", 304)
    # The blocked and thin pages are tried again.
    walls_again = sites.servers["walls"].requests[requests["walls"] :]
    assert sorted(p.rsplit("-", 1)[-1] for p in walls_again if "story" in p) == [
        "3.html",
        "4.html",
        "5.html",
    ]

    # Export: the feeds the monitor reads, site sources' discovered feeds among them.
    exported = run_monitor("sources", "export", config=config)
    assert exported.returncode == 0, exported.stderr
    assert {f.url for f in read_opml(exported.stdout.encode())} == {
        sites.url("feedsite", "/rss.xml"),
        sites.url("jsonsite", "/feed.json"),
        sites.url("feedplus", "/rss.xml"),
        sites.url("walls", "/rss.xml"),
    }


def test_a_json_feed_works_as_a_feed_source(tmp_path: Path, db_url: str, sites: Sites) -> None:
    """JSON Feed wherever feeds work: as a plain `feed =` source, not only when discovered."""
    config = write_config(tmp_path, feed("jsonfeed", sites.url("jsonsite", "/feed.json")))
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    articles = stored("%/jsonsite-council-story-%")
    assert set(articles) == set(sites.article_urls("jsonsite"))
    assert all(text and text.startswith("The regional") for _, text, _ in articles.values())
    assert stored("%/jsonsite-council-story-number-2.html").popitem()[1][0] == (
        "jsonsite council story 2"
    )
    assert found(config)["jsonfeed"]["state"] == "ok"


def test_a_broken_finding_is_discovered_again(tmp_path: Path, db_url: str, sites: Sites) -> None:
    config = write_config(tmp_path, site_source("feedsite", sites.url("feedsite")))
    assert run_monitor("crawl", config=config).returncode == 0
    # The site drops its feed and publishes a news sitemap instead.
    root = sites.servers["feedsite"].root
    (root / "rss.xml").unlink()
    (root / "index.html").write_text("<html><body>No feed</body></html>")
    from tests.newssites import news_sitemap

    (root / "sitemap_news.xml").write_text(news_sitemap("feedsite", list(range(1, ARTICLES + 1))))
    assert run_monitor("crawl", config=config).returncode == 0
    sources = found(config)
    assert [(f["kind"], f["used"]) for f in sources["feedsite"]["found"]] == [  # type: ignore[attr-defined]
        ("sitemap", True)
    ]
    assert sources["feedsite"]["state"] == "ok"


def test_discover_prints_sources_to_paste(tmp_path: Path, sites: Sites) -> None:
    result = run_monitor("sources", "discover", sites.url("feedplus"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line == "# feed: announced on the homepage; 3 entries, newest 2026-11-23 10:00 UTC; used"
        for line in lines
    )
    assert any(
        line == "# sitemap: robots.txt; 5 entries, newest 2026-11-25 10:00 UTC; used"
        for line in lines
    )
    pasted = tomllib.loads(result.stdout)["sources"]
    assert pasted == [
        {"name": "127-0-0-17-feed", "feed": sites.url("feedplus", "/rss.xml")},
        {"name": "127-0-0-17-sitemap", "sitemap": sites.url("feedplus", "/news-sitemap.xml")},
    ]
    # Pasted into a configuration, it loads.
    config = write_config(tmp_path, result.stdout)
    assert run_monitor("sources", "--format", "json", config=config).returncode == 0

    index = run_monitor("sources", "discover", sites.url("indexsite"))
    assert "# sitemap: robots.txt, a sitemap index; 5 entries" in index.stdout

    nothing = run_monitor("sources", "discover", sites.url("bigsite"))
    assert nothing.returncode == 0 and nothing.stdout == ""
    assert "note: nothing found at" in nothing.stderr


def test_discover_obeys_robots_txt(tmp_path: Path) -> None:
    from monitor.demo.server import FixtureSite
    from tests.newssites import _rss

    www = tmp_path / "www"
    (www / "private").mkdir(parents=True)
    (www / "index.html").write_text(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/private/rss.xml">'
        "</head><body></body></html>"
    )
    (www / "private" / "rss.xml").write_text(_rss("x", [1, 2]))
    (www / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    with FixtureSite(www, host="127.0.0.23") as server:
        result = run_monitor("sources", "discover", server.url("/"))
        assert "/private/rss.xml" not in server.requests
    assert result.returncode == 0 and result.stdout == ""
    assert "RobotsTxtForbidden" in result.stderr


def test_import_opml_from_a_feed_reader(tmp_path: Path) -> None:
    path = DATA / "opml" / "netnewswire.opml"
    result = run_monitor("sources", "import", str(path), "--interval", "1h")
    assert result.returncode == 0, result.stderr
    assert "# Медуза (in Russia / In Russian)" in result.stdout
    pasted = tomllib.loads(result.stdout)["sources"]
    assert [(s["name"], s["feed"], s["interval"]) for s in pasted] == [
        ("the-moscow-times", "https://www.themoscowtimes.com/rss/news", "1h"),
        ("meduza", "https://meduza.io/rss/en/all", "1h"),
        ("meduza.io", "https://meduza.io/rss/all", "1h"),
        ("meduza-2", "https://meduza.io/rss2/all", "1h"),
        ("al-jazeera-co-news", "https://www.aljazeera.com/xml/rss/all.xml?a=1&b=2", "1h"),
        ("hacker-news", "https://news.ycombinator.com/rss", "1h"),
    ]
    config = write_config(tmp_path, result.stdout)
    before = config.read_text()
    listing = run_monitor("sources", "--format", "json", config=config)
    assert listing.returncode == 0, listing.stderr
    assert len(json.loads(listing.stdout)) == 6
    # Names already configured are not reused; the file is never edited.
    again = run_monitor("sources", "import", str(path), config=config)
    assert tomllib.loads(again.stdout)["sources"][0]["name"] == "the-moscow-times-2"
    assert config.read_text() == before
    bad = run_monitor("sources", "import", str(path), "--interval", "soon")
    assert bad.returncode == 2 and "--interval" in bad.stderr


def test_import_opml_from_a_url(tmp_path: Path) -> None:
    from monitor.demo.server import FixtureSite

    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "subs.opml").write_bytes((DATA / "opml" / "netnewswire.opml").read_bytes())
    with FixtureSite(tmp_path / "www", host="127.0.0.21") as server:
        result = run_monitor("sources", "import", server.url("/subs.opml"))
    assert result.returncode == 0, result.stderr
    assert len(tomllib.loads(result.stdout)["sources"]) == 6
    missing = run_monitor("sources", "import", str(tmp_path / "nope.opml"))
    assert missing.returncode != 0 and "cannot read" in missing.stderr


def test_blocked_or_thin_pages_put_a_source_in_needs_attention() -> None:
    from datetime import UTC, datetime, timedelta

    from monitor.app import needing_attention
    from monitor.store.sources import SourceRow

    now = datetime(2026, 11, 20, 12, tzinfo=UTC)

    def row(name: str, blocked: int, thin: int, at: datetime | None) -> SourceRow:
        return SourceRow(
            name, "site", "https://x.example/", now, None, None, 0, None, 0, 0,
            blocked_pages=blocked, thin_pages=thin, page_trouble_at=at, now=now,
            broken_after=timedelta(days=2),
        )  # fmt: skip

    recent = row("recent", 2, 1, now - timedelta(hours=3))
    old = row("old", 5, 0, now - timedelta(days=2))
    thin = row("thin", 0, 4, now - timedelta(minutes=5))
    assert needing_attention([recent, old, thin]) == [recent, thin]
    assert recent.attention == (
        "blocked",
        now - timedelta(hours=3),
        "pages: 2 blocked (a bot or consent wall), 1 thin (no text)",
    )
    assert thin.attention is not None and thin.attention[0] == "thin"
    assert old.attention is None and old.pages_note is not None
