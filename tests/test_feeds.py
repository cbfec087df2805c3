from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.crawl.feeds import html_to_text, parse_feed
from tests.helpers import DATA

BASE = "http://news.test"


def load(name: str) -> bytes:
    return (DATA / "site" / "feeds" / name).read_bytes().replace(b"{{BASE}}", BASE.encode())


def test_rss2_entries_titles_summaries_dates_and_safe_links() -> None:
    r = parse_feed(
        load("rss2.xml"), {"content-type": "application/rss+xml"}, BASE + "/feeds/rss2.xml"
    )
    assert r.error is None
    assert [e.title for e in r.entries] == ["Drones Cross the Caspian", "Harvest Beats Forecasts"]
    first = r.entries[0]
    assert first.link.startswith(BASE + "/2026/11/20/drones-cross-the-caspian-a2001.html?utm_")
    assert first.summary == (
        "A convoy with drone parts from Iran crossed the Caspian, officials said."
    )
    assert first.published_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert r.skipped_links == 2  # file: and javascript: links are never followed


def test_atom() -> None:
    r = parse_feed(load("atom.xml"), {}, BASE + "/feeds/atom.xml")
    assert [e.title for e in r.entries] == [
        "Kremlin Unveils Next Year's Budget",
        "Drones Cross the Caspian",
    ]
    assert r.entries[0].summary == "The draft budget raises defence spending."


def test_rdf() -> None:
    r = parse_feed(load("rdf.xml"), {}, BASE + "/feeds/rdf.xml")
    [e] = r.entries
    assert e.title == "Tehran Metro Extension Opens"
    assert e.published_at == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_lying_charset_header_still_decodes_windows_1251() -> None:
    r = parse_feed(
        load("cp1251.xml"),
        {"content-type": "application/rss+xml; charset=utf-8"},
        BASE + "/feeds/cp1251.xml",
    )
    [e] = r.entries
    assert e.title == "Москва и Тегеран"
    assert e.summary == "Иран и Россия подписали соглашение."
    assert r.warning is not None and "windows-1251" in r.warning


def test_malformed_feed_with_entries_is_usable_with_a_warning() -> None:
    r = parse_feed(load("malformed.xml"), {}, BASE + "/feeds/malformed.xml")
    assert r.error is None and r.warning and "not well-formed" in r.warning
    [e] = r.entries
    assert e.title == "Kremlin Unveils Next Year's Budget & more"


def test_html_page_is_not_a_feed() -> None:
    r = parse_feed(
        load("not-a-feed.xml"),
        {"content-type": "text/html; charset=utf-8"},
        BASE + "/feeds/not-a-feed.xml",
    )
    assert r.entries == [] and r.error and r.error.startswith("not a feed")


def test_entity_declarations_are_refused_unexpanded() -> None:
    r = parse_feed(load("entities.xml"), {}, BASE + "/feeds/entities.xml")
    assert r.entries == [] and r.error and "declares XML entities" in r.error


@pytest.mark.parametrize("body", [b"", b"   \n"])
def test_empty_body(body: bytes) -> None:
    assert parse_feed(body, {}, BASE).error == "empty response: the server sent no feed"


def test_relative_links_resolved_against_the_feed() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        b"<link>/2026/11/20/a-b-c</link></item></channel></rss>"
    )
    [e] = parse_feed(body, {}, BASE + "/feeds/x.xml").entries
    assert e.link == BASE + "/2026/11/20/a-b-c"


def test_feed_without_any_http_link() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        b"<link>javascript:alert(1)</link></item></channel></rss>"
    )
    r = parse_feed(body, {}, BASE)
    assert r.error == "the feed has 1 entries but none with an http(s) link"


def test_html_to_text() -> None:
    assert html_to_text("<p>A &amp; <b>B</b></p>\n<p>C</p>") == "A & B C"
    assert html_to_text("<p>Iran</p><p>Russia</p>") == "Iran Russia"
    assert html_to_text("Ir<b>an</b> talks<br>end") == "Iran talks end"
    assert html_to_text("plain   text") == "plain text"
    assert html_to_text("  ") is None
