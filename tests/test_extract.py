from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from monitor.crawl.extract import ExtractorPool, extract_article
from tests.conftest import DATA

BASE = "http://news.test"
PATH = "/2026/11/20/drones-cross-the-caspian-a2001"


def html() -> bytes:
    return (
        (DATA / "site" / (PATH.lstrip("/") + ".html"))
        .read_bytes()
        .replace(b"{{BASE}}", BASE.encode())
    )


def test_main_text_without_boilerplate() -> None:
    e = extract_article(html(), BASE + PATH + ".html")
    assert e.title == "Drones Cross the Caspian"
    assert e.text is not None
    assert e.text.startswith("Officials in Baku said on Thursday")
    assert "could not be verified independently" in e.text
    for noise in ("Log in", "Privacy", "Older story", "tracker"):
        assert noise not in e.text
    assert e.canonical_url == BASE + PATH
    assert e.published_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_canonical_on_another_site_is_ignored() -> None:
    hostile = html().replace(
        f'href="{BASE}{PATH}"'.encode(), b'href="https://victim.example/2026/11/20/real-story"'
    )
    assert extract_article(hostile, BASE + PATH + ".html").canonical_url is None


def test_pool_gives_the_same_result_as_inline() -> None:
    pool = ExtractorPool(workers=1)
    try:
        pooled = asyncio.run(pool.extract(html(), BASE + PATH + ".html"))
    finally:
        pool.close()
    assert pooled == extract_article(html(), BASE + PATH + ".html")
