"""The pure parts of sources beyond feeds (issue #16): news sitemaps, JSON Feed, what a
homepage announces, which findings a site source uses, walls and thin pages, OPML in and
out, names for pasted sources."""

from __future__ import annotations

import gzip
import tomllib
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from monitor.crawl.discovery import announced_feeds, choose
from monitor.crawl.feeds import Entry, parse_feed
from monitor.crawl.opml import OpmlError, read_opml
from monitor.crawl.sitemaps import news_children, parse_sitemap, robots_sitemaps
from monitor.crawl.walls import page_trouble, trouble_kind
from monitor.domain.sources import (
    Finding,
    describe_findings,
    discovery_due,
    findings_from_json,
    findings_to_json,
)
from monitor.render.opml import opml
from monitor.render.toml import SourceTable, sources_toml, unique_name
from tests.helpers import DATA
from tests.newssites import CLOUDFLARE, CONSENT, THIN, news_sitemap

MB = 1024 * 1024


def _sitemap(site: str = "x", items: tuple[int, ...] = (1, 2)) -> bytes:
    return news_sitemap(site, list(items)).replace("{{BASE}}", "https://x.example").encode()


def test_news_sitemap_entries_carry_headline_and_publication_date() -> None:
    result = parse_sitemap(_sitemap(), "https://x.example/news.xml", MB)
    assert result.kind == "urlset" and result.news and result.error is None
    assert [e.link for e in result.entries] == [
        "https://x.example/2026/11/21/x-council-story-number-1.html",
        "https://x.example/2026/11/22/x-council-story-number-2.html",
    ]
    assert result.entries[0].title == "x council story 1 (sitemap)"
    assert result.entries[0].published_at == datetime(2026, 11, 21, 10, tzinfo=UTC)
    assert result.newest == datetime(2026, 11, 22, 10, tzinfo=UTC)


def test_plain_urlset_is_not_news_and_uses_lastmod() -> None:
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        b"<loc>https://x.example/a</loc><lastmod>2026-11-20</lastmod></url>"
        b"<url><loc>javascript:alert(1)</loc></url></urlset>"
    )
    result = parse_sitemap(body, "https://x.example/s.xml", MB)
    assert not result.news
    assert result.entries == [
        Entry("https://x.example/a", None, None, datetime(2026, 11, 20, tzinfo=UTC))
    ]


def test_gzip_sitemap_and_the_size_cap_after_gunzip() -> None:
    body = gzip.compress(_sitemap())
    assert len(parse_sitemap(body, "https://x.example/n.xml.gz", MB).entries) == 2
    big = gzip.compress(_sitemap().replace(b"</urlset>", b"<!--" + b"x" * 3 * MB + b"--></urlset>"))
    result = parse_sitemap(big, "https://x.example/n.xml.gz", MB)
    assert result.kind == "" and result.entries == []
    assert result.error == (
        f"TooLarge: the sitemap grows past {MB} bytes when gunzipped ([crawl] max_sitemap_size)"
    )
    plain = parse_sitemap(b" " * (MB + 1), "https://x.example/n.xml", MB)
    assert plain.error is not None and plain.error.startswith("TooLarge: the sitemap is")


def test_entities_are_never_expanded() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://x.example/a&b;</loc></url>"
        b"<url><loc>https://x.example/&ext;</loc></url></urlset>"
    )
    result = parse_sitemap(body, "https://x.example/s.xml", MB)
    assert "aaaaaaaaaa" not in "".join(e.link for e in result.entries)
    assert "root:" not in "".join(e.link for e in result.entries)


def test_not_a_sitemap() -> None:
    assert parse_sitemap(b"", "u", MB).error == "NotASitemap: empty response"
    assert parse_sitemap(b"<html><body>hi</body></html>", "u", MB).error == (
        "NotASitemap: the document is <html>"
    )


def test_index_is_followed_into_news_or_recent_children_only() -> None:
    recent = datetime(2026, 11, 25, tzinfo=UTC)
    children = [
        ("https://x.example/sitemaps/archive-2019.xml", datetime(2019, 12, 31, tzinfo=UTC)),
        ("https://x.example/sitemap-posts-2026-11.xml", recent),
        ("https://x.example/sitemaps/news-latest.xml", recent),
        ("https://x.example/googlenews.xml", None),
        ("https://x.example/news-archive.xml", None),
    ]
    assert news_children(children) == [
        "https://x.example/sitemaps/news-latest.xml",
        "https://x.example/googlenews.xml",
    ]
    # None named as news: the one modified last, never all of them.
    dated = [
        ("https://x.example/s-1.xml", datetime(2019, 1, 1, tzinfo=UTC)),
        ("https://x.example/s-2.xml", recent),
    ]
    assert news_children(dated) == ["https://x.example/s-2.xml"]
    assert news_children([("https://x.example/s-1.xml", None)]) == []


def test_robots_txt_sitemap_lines() -> None:
    robots = b"User-agent: *\nDisallow: /x\nSitemap: /news.xml\nsitemap: https://x.example/a.xml\n"
    assert robots_sitemaps(robots, "https://x.example/") == [
        "https://x.example/news.xml",
        "https://x.example/a.xml",
    ]


def test_json_feed_is_read_where_feedparser_reads_none() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
        b'{"id": "1", "url": "/a", "title": "A &amp; B", "content_html": "<p>Text</p>",'
        b' "date_published": "2026-11-20T10:00:00+02:00"},'
        b'{"id": "2", "external_url": "https://o.example/b", "content_text": "Plain"},'
        b'{"id": "3", "url": "javascript:x"}]}'
    )
    assert feedparser.parse(body).entries == []  # why monitor.crawl.feeds reads it itself
    result = parse_feed(body, {"content-type": "application/feed+json"}, "https://x.example/f")
    assert result.error is None and result.skipped_links == 1
    assert result.entries == [
        Entry("https://x.example/a", "A & B", "Text", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        Entry("https://o.example/b", None, "Plain", None),
    ]
    assert parse_feed(b'{"a": 1}', {}, "u").error == "not a feed (JSON, but not a JSON Feed)"


def test_announced_feeds_of_a_homepage() -> None:
    html = b"""<html><head>
    <link rel="alternate" type="application/rss+xml" href="/rss.xml">
    <link rel="alternate" type="application/atom+xml" href="https://x.example/atom">
    <link rel="alternate" type="application/feed+json" href="feed.json">
    <link rel="alternate" hreflang="de" href="/de/">
    <link rel="stylesheet" type="text/css" href="/s.css">
    <link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
    </head><body></body></html>"""
    assert announced_feeds(html, "https://x.example/news/") == [
        "https://x.example/rss.xml",
        "https://x.example/atom",
        "https://x.example/news/feed.json",
    ]


def test_a_site_uses_a_feed_first_and_a_sitemap_only_for_what_it_adds() -> None:
    def entries(*ids: int) -> list[Entry]:
        return [Entry(f"https://x.example/{i}", None, None, None) for i in ids]

    feed = Finding("feed", "f", "announced on the homepage")
    comments = Finding("feed", "c", "announced on the homepage")
    same = Finding("sitemap", "s1", "robots.txt")
    more = Finding("sitemap", "s2", "conventional path")
    home = Finding("section", "h", "the homepage's article links")
    found = {"f": entries(1, 2), "c": entries(1), "s1": entries(2, 1), "s2": entries(2, 3)}
    choose([feed, comments, same, more, home], {**found, "h": entries(9)})
    assert [f.used for f in (feed, comments, same, more, home)] == [
        True,
        False,
        False,
        True,
        False,
    ]
    alone = Finding("section", "h", "the homepage's article links")
    choose([Finding("sitemap", "e", "robots.txt"), alone], {"e": [], "h": entries(1)})
    assert alone.used
    assert describe_findings([feed, same, more]) == "site: feed f, news sitemap s2"
    assert describe_findings([]) == "site: not discovered yet"


def test_findings_round_trip_and_when_to_discover_again() -> None:
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    f = Finding("sitemap", "https://x.example/n.xml", "robots.txt", 5, at, used=True)
    assert findings_from_json(findings_to_json([f])) == [f]
    assert findings_from_json("not json") == findings_from_json(None) == []
    assert discovery_due(None, at, broken=False)
    assert not discovery_due(at, at + timedelta(days=6, hours=23), broken=False)
    assert discovery_due(at, at + timedelta(days=7), broken=False)
    assert discovery_due(at, at + timedelta(minutes=1), broken=True)


ARTICLE = (
    "<html><head><title>Budget</title><script src='https://cdn.cookielaw.org/onetrust.js'>"
    "</script></head><body><div id='onetrust-banner-sdk'>We value your privacy</div>"
    "<article><h1>Budget</h1><p>" + "The council approved the budget after a long debate. " * 20
)


@pytest.mark.parametrize(
    ("page", "text", "kind"),
    [
        (CLOUDFLARE, None, "blocked"),
        (CLOUDFLARE, "Verifying you are human. This may take a few seconds.", "blocked"),
        (
            CONSENT,
            "We and our 187 partners use cookies and similar technologies to store",
            "blocked",
        ),
        (CONSENT, "", "blocked"),
        (THIN, "Walls Daily", "thin"),
        (THIN, "", "thin"),
        # A consent banner on a real article does not make it a wall.
        (ARTICLE, "The council approved the budget after a long debate. " * 20, None),
    ],
)
def test_walls_and_thin_pages(page: str, text: str | None, kind: str | None) -> None:
    assert trouble_kind(page_trouble(page.encode(), text)) == kind


def test_opml_from_a_feed_reader_with_nested_folders() -> None:
    feeds = read_opml((DATA / "opml" / "netnewswire.opml").read_bytes())
    assert [(f.title, f.url, f.folders) for f in feeds] == [
        (
            "The Moscow Times",
            "https://www.themoscowtimes.com/rss/news",
            ("Russia",),
        ),
        ("Meduza", "https://meduza.io/rss/en/all", ("Russia",)),
        ("Медуза", "https://meduza.io/rss/all", ("Russia", "In Russian")),
        ("Meduza", "https://meduza.io/rss2/all", ("Russia", "In Russian")),
        (
            "Al Jazeera & Co – News",
            "https://www.aljazeera.com/xml/rss/all.xml?a=1&b=2",
            ("Middle East",),
        ),
        ("Hacker News", "https://news.ycombinator.com/rss", ()),
    ]


def test_opml_with_entities_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/f"/></body></opml>'
    )
    with pytest.raises(OpmlError, match="refused"):
        read_opml(bomb)
    with pytest.raises(OpmlError, match="not an OPML file"):
        read_opml(b"<rss/>")


def test_opml_export_is_escaped_and_reads_back() -> None:
    feeds = [("a&b", "https://x.example/f?a=1&b=<2>"), ("ru", "https://x.example/ru")]
    text = opml(feeds, title="t", now=datetime(2026, 11, 20, tzinfo=UTC))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "Fri, 20 Nov 2026 00:00:00 +0000" in text
    assert [(f.title, f.url) for f in read_opml(text.encode())] == feeds


def test_pasted_sources_are_valid_toml_with_unique_names() -> None:
    taken = {"meduza"}
    names = [unique_name(t, taken) for t in ("Meduza", "Meduza", "Медуза", "Al Jazeera & Co")]
    assert names == ["meduza-2", "meduza-3", "source", "al-jazeera-co"]
    text = sources_toml(
        [
            SourceTable("a", "feed", 'https://x.example/"q"\\', ["a comment\nover lines"], "1h"),
            SourceTable("b", "sitemap", "https://x.example/n.xml"),
        ]
    )
    assert "# a comment over lines\n" in text
    parsed = tomllib.loads(text)["sources"]
    assert parsed == [
        {"name": "a", "feed": 'https://x.example/"q"\\', "interval": "1h"},
        {"name": "b", "sitemap": "https://x.example/n.xml"},
    ]
