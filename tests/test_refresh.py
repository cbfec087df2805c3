"""Meta-refresh redirects read from the page's head only (monitor.crawl.refresh)."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from monitor.config import load_config
from monitor.crawl.refresh import HEAD_BYTES, HeadMetaRefreshMiddleware
from monitor.crawl.settings import crawl_settings

URL = "https://news.example/2026/11/20/story"
FILLER = "<p>" + "Der Ausschuss tagte bis spät in die Nacht. " * 2000 + "</p>"


def page(head: str) -> bytes:
    return f"<html><head>{head}</head><body>{FILLER}</body></html>".encode()


def middleware() -> HeadMetaRefreshMiddleware:
    return HeadMetaRefreshMiddleware.from_crawler(get_crawler())


def test_a_refresh_in_the_head_of_a_long_page_redirects() -> None:
    body = page('<meta http-equiv="refresh" content="0; url=/consent?next=story">')
    assert len(body) > HEAD_BYTES
    response = HtmlResponse(URL, body=body, encoding="utf-8")
    got = middleware().process_response(Request(URL), response)
    assert isinstance(got, Request)
    assert got.url == "https://news.example/consent?next=story"


def test_a_long_page_without_refresh_is_passed_on_undecoded() -> None:
    response = HtmlResponse(URL, body=page("<title>Story</title>"), encoding="utf-8")
    assert middleware().process_response(Request(URL), response) is response
    assert response._cached_ubody is None  # the whole body was never decoded


def test_a_refresh_in_a_utf16_page_redirects() -> None:
    # Its bytes do not spell "refresh": the word search must not pass it on unread, but
    # hand it to Scrapy's check (whose URL, read by w3lib's byte scan, keeps the NULs).
    head = '<meta http-equiv="Refresh" content="0; url=/consent?next=story">'
    body = "\ufeff".encode("utf-16-le") + page(head).decode().encode("utf-16-le")
    response = HtmlResponse(URL, body=body, encoding="utf-16")
    got = middleware().process_response(Request(URL), response)
    assert isinstance(got, Request)
    assert got.url.startswith("https://news.example/")


def test_a_refresh_past_the_head_is_not_one() -> None:
    # Scrapy reads the first 4,096 characters too: a tag after them was never followed.
    late = f"<html><head></head><body>{FILLER}" + '<meta http-equiv="refresh" content="0; url=/x">'
    response = HtmlResponse(URL, body=late.encode(), encoding="utf-8")
    assert middleware().process_response(Request(URL), response) is response


def test_it_replaces_scrapys_in_the_crawl_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/m.db"\n')
    mws = crawl_settings(load_config(cfg)).getdict("DOWNLOADER_MIDDLEWARES")
    assert mws["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert mws["monitor.crawl.refresh.HeadMetaRefreshMiddleware"] == 580
