from __future__ import annotations

from monitor.crawl.links import find_article_links
from monitor.domain.urls import looks_like_article
from tests.helpers import DATA

BASE = "http://news.test"


def page() -> str:
    return (DATA / "site" / "section" / "index.html").read_text().replace("{{BASE}}", BASE)


def test_heuristic_keeps_articles_and_skips_noise() -> None:
    links = find_article_links(page(), BASE + "/section/")
    assert links == [
        BASE + "/2026/11/20/drones-cross-the-caspian-a2001.html",
        BASE + "/2026/11/21/kremlin-unveils-budget-a2002.html?utm_campaign=section",
        BASE + "/2026/11/22/tehran-metro-extension-opens-a2004.html",
    ]  # nav, menu, breadcrumb, sidebar, footer, tag, author, pagination, off-site: gone


def test_link_pattern_decides() -> None:
    links = find_article_links(page(), BASE + "/section/", link_pattern=r"kremlin|caspian")
    assert [u.rsplit("/", 1)[1][:6] for u in links] == ["drones", "kremli"]


def test_link_selector_decides() -> None:
    links = find_article_links(page(), BASE + "/section/", link_selector="aside.sidebar")
    assert links == [BASE + "/2026/11/19/most-read-story-a1998"]


def test_bounded() -> None:
    many = "".join(f'<a href="/2026/11/20/story-number-{i}">s</a>' for i in range(5000))
    html = f"<html><body><main>{many}</main></body></html>"
    assert len(find_article_links(html, BASE + "/", max_links=200)) == 200


def test_base_href_and_unsafe_schemes() -> None:
    html = (
        '<html><head><base href="http://news.test/world/"></head><body>'
        '<a href="2026/11/20/relative-article-slug">a</a>'
        "<a href=\"javascript:go('/2026/11/20/x-y-z')\">b</a>"
        '<a href="file:///2026/11/20/x-y-z">c</a></body></html>'
    )
    assert find_article_links(html, BASE + "/") == [
        BASE + "/world/2026/11/20/relative-article-slug"
    ]


def test_subdomain_is_same_site_but_other_domain_is_not() -> None:
    html = (
        '<body><a href="http://www.news.test/2026/11/20/a-b-c">1</a>'
        '<a href="http://m.news.test/2026/11/20/d-e-f">2</a>'
        '<a href="http://news.test.evil.example/2026/11/20/g-h-i">3</a></body>'
    )
    links = find_article_links(html, BASE + "/")
    assert [u.split("/")[2] for u in links] == ["www.news.test", "m.news.test"]


def test_looks_like_article() -> None:
    assert looks_like_article("http://x/2026/11/20/anything")
    assert looks_like_article("http://x/news/long-slug-with-words")
    assert looks_like_article("http://x/news/1234567")
    assert not looks_like_article("http://x/world/")
    assert not looks_like_article("http://x/tag/iran-russia-ties")
    assert not looks_like_article("http://x/news/page/2")
    assert not looks_like_article("http://x/img/a-b-c.jpg")
