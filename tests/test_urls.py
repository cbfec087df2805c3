from __future__ import annotations

import pytest

from monitor.domain.urls import canonical_url, is_web_url, url_key

SAME = [
    "https://www.example.com/2026/11/20/story-a1",
    "http://example.com/2026/11/20/story-a1",
    "https://example.com/2026/11/20/story-a1/",
    "https://example.com/2026/11/20/story-a1#comments",
    "https://example.com/2026/11/20/story-a1?utm_source=rss&utm_medium=feed",
    "https://EXAMPLE.com:443/2026/11/20/story-a1?fbclid=abc",
    "https://example.com/2026/11/20/story-a1?gclid=xyz&utm_campaign=c",
]


def test_tracking_scheme_www_fragment_do_not_make_a_new_article() -> None:
    assert len({url_key(u) for u in SAME}) == 1


@pytest.mark.parametrize(
    "other",
    [
        "https://example.com/2026/11/20/story-a2",
        "https://example.com/2026/11/20/story-a1?id=2",  # a real query parameter matters
        "https://example.org/2026/11/20/story-a1",
    ],
)
def test_different_articles_differ(other: str) -> None:
    assert url_key(other) != url_key(SAME[0])


def test_query_order_does_not_matter() -> None:
    assert url_key("https://x.org/a?b=2&a=1") == url_key("https://x.org/a?a=1&b=2")


def test_canonical_url_drops_tracking_and_fragment() -> None:
    assert canonical_url(SAME[4] + "#top") == "https://example.com/2026/11/20/story-a1"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://x.org/a", True),
        ("http://x.org", True),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
        ("mailto:a@b.c", False),
        ("//x.org/a", False),
        ("http://[broken", False),
    ],
)
def test_only_web_urls(url: str, ok: bool) -> None:
    assert is_web_url(url) is ok


@pytest.mark.parametrize(
    "variant",
    [
        "https://m.example.com/2026/11/20/story-a1",
        "https://mobile.example.com/2026/11/20/story-a1",
        "https://amp.example.com/2026/11/20/story-a1",
        "https://example.com/amp/2026/11/20/story-a1",
        "https://example.com/2026/11/20/story-a1/amp",
        "https://example.com/2026/11/20/story-a1/amp/",
        "https://example.com/2026/11/20/story-a1?outputType=amp",
        "https://www.example.com/2026/11/20/story-a1?amp=1&utm_source=x",
    ],
)
def test_amp_and_mobile_variants_are_the_same_article(variant: str) -> None:
    assert url_key(variant) == url_key(SAME[0])


@pytest.mark.parametrize(
    "other",
    [
        "https://example.com/2026/11/20/story-a1-amplified",
        "https://m.co/2026/11/20/story-a1",  # a short domain is not a mobile prefix
        "https://example.com/camp/2026/11/20/story-a1",
    ],
)
def test_lookalikes_of_amp_variants_stay_apart(other: str) -> None:
    assert url_key(other) != url_key(SAME[0])
