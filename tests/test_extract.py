from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime
from unittest import mock

from monitor.crawl import boilerplate
from monitor.crawl.extract import Extracted, analyse_article, extract_article
from monitor.crawl.pool import ExtractorPool
from monitor.domain import stories
from monitor.domain.articles import ArticleData
from monitor.domain.times import parse_iso
from monitor.matching import Matcher
from tests.helpers import DATA

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


def test_workers_start_in_the_background_once() -> None:
    """``start`` returns at once (the fork server loads trafilatura and the language model,
    about a second, in a thread of its own, not in the crawl's reactor), starts each worker
    once however often it is called, and the first page then goes to workers that exist."""
    pool = ExtractorPool(workers=2)
    try:
        pool.start()
        first = pool.started()
        assert first is not None
        pool.start()
        assert pool.started() is first  # one start, not one per call
        first.result(timeout=120)
        pids = pool.worker_pids()
        assert len(pids) == 2
        assert asyncio.run(pool.extract(html(), BASE + PATH + ".html")).title
        assert pool.worker_pids() == pids  # the page went to the started workers
    finally:
        pool.close()
    assert pool.started() is None and pool.worker_pids() == set()
    inline = ExtractorPool(workers=0)
    inline.start()  # nothing to start: extraction runs in the caller
    assert inline.started() is None


def test_workers_have_the_extraction_loaded_before_their_first_page() -> None:
    """The fork server loads what the extraction imports on first use (trafilatura and what
    it imports, numpy's random module for the signatures), so the workers share it instead
    of each importing its own copy with its first page (``monitor.crawl.preload``)."""
    needed = {"trafilatura", "trafilatura.metadata", "htmldate", "justext", "numpy.random"}
    pool = ExtractorPool(workers=1)
    try:
        pool.start()
        started = pool.started()
        assert started is not None
        started.result(timeout=120)
        # eval: asked in the worker without importing a module of ours there to ask it
        question = f"sorted(set({sorted(needed)!r}) - set(__import__('sys').modules))"
        missing = pool._executor().submit(eval, question).result(timeout=60)
        # and trafilatura's XPaths already guarded (monitor.crawl.xpath_guards)
        question = "len(__import__('sys').modules['monitor.crawl.xpath_guards'].installed())"
        guarded = pool._executor().submit(eval, question).result(timeout=60)
    finally:
        pool.close()
    assert missing == []
    assert guarded >= 10


WATCHLISTS = {
    "caspian": "Caspian",
    "drones": "drone*",
    "baku": "Baku AND source:world",
    "elsewhere": "Baku AND source:other",
}


def feed_item() -> ArticleData:
    return ArticleData(
        source="world", url=BASE + PATH + ".html", summary="Drones over the sea\x00 near Baku"
    )


def test_worker_analysis_equals_what_the_pipeline_computes() -> None:
    """The hits and story signature a worker returns are those the store pipeline computes
    from the same item (the fallback it keeps for items without them)."""
    pool = ExtractorPool(workers=1, watchlists=WATCHLISTS)
    try:
        got = asyncio.run(pool.analyse(html(), feed_item(), BASE + PATH + ".html"))
    finally:
        pool.close()
    assert got.analysis is not None
    assert got.title == "Drones Cross the Caspian" and got.text
    assert got.summary == "Drones over the sea near Baku"  # sanitized before matching
    assert got.other_urls == [BASE + PATH]
    expected = replace(got, analysis=None)
    expected.sanitize()
    assert got.analysis.hits == Matcher(WATCHLISTS).match(expected.fields(), source="world")
    assert {h.watchlist for h in got.analysis.hits} == {"caspian", "drones", "baku"}
    # ... and signed there, as the pipeline would (datasketch's values, numpy alone).
    assert got.analysis.signature is not None
    assert got.analysis.signature == stories.signature(expected.text)
    inline = asyncio.run(
        ExtractorPool(workers=0, watchlists=WATCHLISTS).analyse(
            html(), feed_item(), BASE + PATH + ".html"
        )
    )
    assert inline == got and inline.analysis == got.analysis


def test_not_html_gives_nothing() -> None:
    assert extract_article(b"\x89PNG\r\n\x1a\n\x00\x00", BASE + "/x.png") == Extracted(
        None, None, None, None
    )


def test_same_title_and_text_as_trafilaturas_full_metadata_pass() -> None:
    """Only the title (and, for pages without a date of their own, htmldate's day) is taken
    from trafilatura's metadata: the result is what its full metadata pass gives."""
    import trafilatura

    pages = sorted((DATA / "site").rglob("*-a2*.html"))
    assert len(pages) >= 4
    for page in pages:
        body = page.read_bytes().replace(b"{{BASE}}", BASE.encode())
        url = BASE + "/" + str(page.relative_to(DATA / "site"))
        full = trafilatura.bare_extraction(
            body, url=url, include_comments=False, include_tables=False, with_metadata=True
        )
        assert full is not None
        ours = extract_article(body, url)
        assert ours.title == full.title
        assert ours.text is not None and full.text.strip().endswith(ours.text)
        undated = re.sub(rb"<meta[^>]*published_time[^>]*>|<time[^>]*>", b"", body)
        assert extract_article(undated, url).published_at == parse_iso(full.date)


STORY_PARAS = [
    "The regulator fined the company on Tuesday after a two-year inquiry into how its phones "
    "stored the location of their users, even when the setting was switched off.",
    "Officials said the fine was the largest the office had ever imposed, and that the "
    "company had until March to change its software or face daily penalties.",
    "The company said it would appeal. Its lawyers argued that the data never left the "
    "devices and that users had agreed to the terms when they installed the app.",
]
BOILERPLATE_PARAS = [
    "Top stories | Facebook gets questions over location tracking | Storm hits the coast | "
    "Markets fall",
    "Follow Newsbeat on Instagram, Facebook, YouTube and TikTok.",
    "Follow us on Twitter and Facebook",
]


def boilerplate_page(last_story_paragraph: str) -> bytes:
    """An article whose boilerplate sits inside the article element, where trafilatura
    keeps it: a newsletter's headline list between paragraphs, follow lines at the end."""
    paras = [*STORY_PARAS[:2], BOILERPLATE_PARAS[0], STORY_PARAS[2], last_story_paragraph]
    paras += BOILERPLATE_PARAS[1:]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        '<!doctype html><html lang="en"><head><title>Regulator fines phone maker</title>'
        "</head><body><header><nav><a href='/'>Home</a></nav></header><main><article>"
        f"<h1>Regulator fines phone maker</h1>{body}</article></main>"
        "<footer><p>Copyright Example News</p></footer></body></html>"
    ).encode()


def test_boilerplate_makes_no_hit() -> None:
    """A word that only the boilerplate trafilatura leaves in the article says is neither
    stored nor matched; the same word in the story still is."""
    matcher = Matcher({"facebook": "Facebook"})
    url = "https://news.example/2026/11/20/fine"
    quiet = "Consumer groups welcomed the decision but said the fine was small."
    page = boilerplate_page(quiet)
    with mock.patch.object(boilerplate, "clean", lambda text: text):  # the problem it solves
        raw = analyse_article(page, ArticleData(source="s", url=url), url, matcher)
    assert raw.analysis is not None and [h.watchlist for h in raw.analysis.hits] == ["facebook"]

    item = analyse_article(page, ArticleData(source="s", url=url), url, matcher)
    assert item.analysis is not None and item.analysis.hits == []
    assert item.text == "\n".join([*STORY_PARAS, quiet])

    said = "Facebook said it would follow the ruling and change its own tracking."
    item = analyse_article(boilerplate_page(said), ArticleData(source="s", url=url), url, matcher)
    assert item.analysis is not None and [h.watchlist for h in item.analysis.hits] == ["facebook"]
    assert item.text is not None and item.text.endswith(said)


def test_a_wall_comes_back_as_sent_with_why() -> None:
    """Walls and empty pages are judged in the worker, beside the extraction: the item comes
    back with the feed's data alone (no text, no canonical of the wall), matched as such,
    and the reason; a challenge page is not extracted at all."""
    matcher = Matcher({"iran": "Iran"})
    url = "https://news.example/2026/11/20/iran-talks"
    sent = ArticleData(source="s", url=url, title="Iran talks resume", summary="Iran and ...")
    challenge = (
        b"<html><head><TITLE>Just a moment...</TITLE></head><body>"
        b"<p>Iran talks resume in Vienna, where delegations met on Thursday for hours.</p>"
        b"<script>window._cf_chl_opt={}</script></body></html>"
    )
    with mock.patch("monitor.crawl.extract.extract_article") as extract:
        item = analyse_article(challenge, replace(sent), url, matcher)
    extract.assert_not_called()
    assert item.fetch_error is not None and item.fetch_error.startswith("Blocked: ")
    assert (item.title, item.text, item.other_urls) == (sent.title, None, [])
    assert item.analysis is not None and [h.watchlist for h in item.analysis.hits] == ["iran"]
    assert {m.field for m in item.analysis.hits[0].matches} == {"title", "summary"}

    consent = (
        b'<html><head><link rel="canonical" href="https://news.example/consent"></head><body>'
        b'<div id="sp_message_container"><p>We value your privacy. We and our partners use '
        b"cookies to personalise content; choose your consent settings below.</p></div>"
        b"</body></html>"
    )
    item = analyse_article(consent, replace(sent), url, matcher)
    assert item.fetch_error is not None and "consent wall" in item.fetch_error
    assert (item.title, item.text, item.other_urls) == (sent.title, None, [])

    empty = b"<html><head><title>Iran</title></head><body><p>Advertisement</p></body></html>"
    item = analyse_article(empty, replace(sent), url, matcher)
    assert item.fetch_error is not None and item.fetch_error.startswith("Thin: ")
    assert item.text is None and item.analysis is not None and item.analysis.signature is None


def test_an_item_without_its_page_is_analysed_in_a_worker() -> None:
    """A failed fetch's feed data is matched in an extraction process, as the pipeline
    would (the crawl process does not load the language model for it)."""
    import os

    item = ArticleData(
        source="s",
        url="https://news.example/a",
        title="Moscow and Tehran sign a deal",
        summary="Iran and Russia agreed on Thursday to extend their gas deal for ten years.",
        fetch_error="HTTP 503",
    )
    pool = ExtractorPool(workers=1, watchlists={"iran": "Iran OR Tehran"})
    try:
        got = asyncio.run(pool.analyse_fields(replace(item)))
        worker = asyncio.run(pool._run(os.getpid))
    finally:
        pool.close()
    assert worker != os.getpid()
    assert got.analysis is not None and [h.watchlist for h in got.analysis.hits] == ["iran"]
    assert {m.field for m in got.analysis.hits[0].matches} == {"title", "summary"}
    assert got.lang == "en" and got.fetch_error == "HTTP 503"


def test_the_page_date_search_runs_only_without_a_feed_date() -> None:
    """htmldate's search (for a page without date meta tags) is skipped when the feed gave
    the date, which comes first anyway."""
    page = (
        b"<html><head><title>Talks</title></head><body><article><h1>Talks</h1>"
        b"<p>Published 3 March 2026. "
        + b"Delegations met in Vienna for a second day. " * 20
        + b"</p></article></body></html>"
    )
    url = "https://news.example/talks"
    matcher = Matcher({"x": "Vienna"})
    listed = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    with mock.patch("monitor.crawl.extract._trafilatura_date", return_value="2026-03-03") as d:
        item = analyse_article(
            page, ArticleData(source="s", url=url, published_at=listed), url, matcher
        )
        assert item.published_at == listed and d.call_count == 0
        item = analyse_article(page, ArticleData(source="s", url=url), url, matcher)
        assert d.call_count == 1 and item.published_at == parse_iso("2026-03-03")


def test_text_without_spaces_between_words_is_not_thin() -> None:
    """Japanese, Chinese or Thai put no spaces between words: a paragraph of it is an article
    (two characters count as a word), a stray label still is thin."""
    from monitor.crawl.walls import text_trouble

    story = (
        "政府は４日、イランとの協議を再開すると発表した。外相は記者会見で、"
        "ウィーンでの交渉が来週にも始まる見通しだと述べた。"
    )
    assert len(story.split()) == 1
    assert text_trouble(b"", story) is None
    assert (
        text_trouble(b"", "中国新闻网北京消息，外交部发言人今天表示，双方将继续保持沟通。") is None
    )
    for label in ("広告", "毎日新聞", "ข่าวสด"):
        trouble = text_trouble(b"", label)
        assert trouble is not None and trouble.startswith("Thin: ")
    assert text_trouble(b"", "Advertisement") is not None
