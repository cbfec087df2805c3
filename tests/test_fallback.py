"""monitor.crawl.fallback: trafilatura's readability fallback is skipped only where it
cannot change the text (issue #19). Pages are generated here: menus, sidebars, articles,
tables, scripts, video frames, short and long texts, in random mixes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import trafilatura
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.etree import tostring
from trafilatura import external
from trafilatura.readability_lxml import Document
from trafilatura.utils import load_html, trim

from monitor.crawl import fallback
from monitor.crawl.extract import extract_article

WORDS = "harbour council budget talks minister river storm election port union".split()
OPTIONS = {"include_comments": False, "include_tables": False, "with_metadata": False}


def _sentence(rnd_words: list[str]) -> str:
    return " ".join(rnd_words).capitalize() + "."


words = st.lists(st.sampled_from(WORDS), min_size=3, max_size=40).map(_sentence)
paragraph = words.map(lambda t: f"<p>{t}</p>")
links = st.lists(words, min_size=1, max_size=8).map(
    lambda ts: "<ul>" + "".join(f"<li><a href='/{t[:4]}'>{t}</a></li>" for t in ts) + "</ul>"
)
block = st.one_of(
    paragraph,
    links.map(lambda u: f"<nav class='menu'>{u}</nav>"),
    links.map(lambda u: f"<div class='sidebar related'>{u}</div>"),
    links.map(lambda u: f"<div id='footer'>{u}</div>"),
    st.lists(paragraph, min_size=1, max_size=6).map(
        lambda ps: "<div class='article-content'>" + "".join(ps) + "</div>"
    ),
    st.lists(words, min_size=1, max_size=4).map(
        lambda ts: "<table>" + "".join(f"<tr><td>{t}</td></tr>" for t in ts) + "</table>"
    ),
    words.map(lambda t: f"<div>{t}</div>"),  # text in a div, no paragraph
    words.map(lambda t: f"<script>var s = '{t}';</script><style>p {{ color: red }}</style>"),
    st.just("<iframe src='https://www.youtube.com/embed/x'></iframe>"),
    words.map(lambda t: f"<!-- {t} -->"),
    words.map(lambda t: f"<aside class='comments'><p>{t}</p></aside>"),
)
page = st.lists(block, min_size=1, max_size=14).map(
    lambda bs: (
        "<!DOCTYPE html><html><head><title>A page</title></head><body>"
        + "".join(bs)
        + "</body></html>"
    )
)


@contextmanager
def _plain_trafilatura() -> Iterator[None]:
    fallback.uninstall()
    try:
        yield
    finally:
        assert fallback.install()


def _text(html: str, **options: bool) -> str | None:
    doc = trafilatura.bare_extraction(
        load_html(html), url="http://127.0.0.1/a", **OPTIONS, **options
    )
    return None if doc is None else doc.text


def _readability_length(html: str) -> int:
    tree = load_html(html)
    assert tree is not None
    summary = external.try_readability(copy.deepcopy(tree))
    return len(trim(tostring(summary, method="text", encoding="utf-8").decode("utf-8")))


def test_it_installs_on_our_trafilatura() -> None:
    """Fails when a trafilatura release renames what the bypass wraps."""
    assert fallback.install()
    from trafilatura import core

    assert core.compare_extraction is fallback._compare
    assert external.try_readability is fallback._readability
    assert fallback.copy_skipped()  # its stages 1-2 read as ours expects (_STAGES_SOURCE)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page)
def test_the_text_is_trafilaturas_own(html: str) -> None:
    assert fallback.install()
    with _plain_trafilatura():
        expected = _text(html)
        readability = _readability_length(html)
    assert _text(html) == expected
    tree = load_html(html)
    assert tree is not None
    assert fallback.text_bound(tree) >= readability


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page, st.sampled_from(["favor_precision", "favor_recall"]))
def test_precision_and_recall_texts_are_trafilaturas_own(html: str, focus: str) -> None:
    """Precision mode prunes the page readability reads: the copy is made for it."""
    assert fallback.install()
    with _plain_trafilatura():
        expected = _text(html, **{focus: True})
    assert _text(html, **{focus: True}) == expected


def _copies(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Trees copied, by trafilatura's core and by ``fallback`` (``copy.copy``)."""
    from trafilatura import core

    copied: list[object] = []
    plain = copy.copy

    def counted(x: object) -> object:
        copied.append(x)
        return plain(x)

    monkeypatch.setattr(core, "copy", counted)
    monkeypatch.setattr(copy, "copy", counted)
    return copied


def test_the_page_is_not_copied_where_readability_is_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html = (
        "<html><body><nav class='menu'><a href='/'>Home</a></nav>"
        f"<article><h1>Storm</h1>{ARTICLE}</article></body></html>"
    )
    copied = _copies(monkeypatch)
    assert fallback.install()
    ours = _text(html)
    ours_copies = len(copied)
    copied.clear()
    with _plain_trafilatura():
        assert _text(html) == ours
    assert len(copied) == ours_copies + 1


def test_the_page_is_copied_for_readability(monkeypatch: pytest.MonkeyPatch) -> None:
    cells = "".join(f"<tr><td>{_sentence(WORDS[i:] * 3)}</td></tr>" for i in range(6))
    html = f"<html><body><div><p>Short lead.</p></div><table>{cells}</table></body></html>"
    copied = _copies(monkeypatch)
    calls = _summaries(monkeypatch)
    assert fallback.install()
    ours = _text(html)
    assert calls == [1]
    ours_copies = len(copied)
    copied.clear()
    with _plain_trafilatura():
        assert _text(html) == ours
    assert len(copied) == ours_copies


@pytest.mark.parametrize("precision", [False, True])
@pytest.mark.parametrize("table", [False, True])  # readability not run, run
def test_the_page_trafilatura_goes_on_reading_is_left_as_it_was(
    precision: bool, table: bool
) -> None:
    """Readability, and precision mode's pruning, change the page they read: a copy."""
    from trafilatura import core
    from trafilatura.settings import Extractor

    cells = "".join(f"<tr><td>{_sentence(WORDS[i:] * 3)}</td></tr>" for i in range(6))
    story = f"<table>{cells}</table>" if table else f"<article>{ARTICLE}</article>"
    html = (
        "<html><body><div class='menu'><a href='/'>Home</a></div><div><p>Lead.</p></div>"
        f"{story}<div class='related-articles'><p>{_sentence(WORDS)}</p></div></body></html>"
    )
    assert fallback.install()
    options = Extractor(precision=precision, url="http://127.0.0.1/a")
    tree = load_html(html)
    assert tree is not None
    before = tostring(tree)
    cleaned, backup = core._prepare_tree(tree, options, "http://127.0.0.1/a")
    fallback._extract_and_compare(cleaned, backup, tree, options)
    assert tostring(tree) == before


def test_another_trafilaturas_stages_are_left_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where trafilatura's stages 1-2 read otherwise than ours expects, they stay its own
    (and readability is still skipped through the comparison)."""
    from trafilatura import core

    fallback.uninstall()
    plain = core._extract_and_compare

    def other(*args: object) -> object:  # a release's own version, say
        return plain(*args)

    monkeypatch.setattr(core, "_extract_and_compare", other)
    try:
        assert fallback.install()
        assert core._extract_and_compare is other
        assert not fallback.copy_skipped()
        assert _text(f"<html><body><article>{ARTICLE}</article></body></html>")
    finally:
        fallback.uninstall()
    assert core._extract_and_compare is other
    monkeypatch.undo()
    assert fallback.install()
    assert fallback.copy_skipped()


def _summaries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    summary = Document.summary

    def counted(self: Document) -> str:
        calls.append(1)
        return summary(self)

    monkeypatch.setattr(Document, "summary", counted)
    return calls


ARTICLE = "".join(
    f"<p>{_sentence(WORDS[i:] + WORDS[:i])} {_sentence(WORDS[::-1])}</p>" for i in range(8)
)


def test_readability_is_not_run_beside_a_long_article(monkeypatch: pytest.MonkeyPatch) -> None:
    html = (
        "<html><body><nav class='menu'><a href='/'>Home</a> <a href='/w'>World</a></nav>"
        f"<article><h1>Storm</h1>{ARTICLE}</article><footer>News Ltd</footer></body></html>"
    )
    calls = _summaries(monkeypatch)
    text = extract_article(html, "http://127.0.0.1/a").text
    assert text and "harbour council" in text.lower()
    assert calls == []
    with _plain_trafilatura():
        assert _text(html) == _text_with_fallback(html)
    assert len(calls) == 1  # the plain run read it with readability


def _text_with_fallback(html: str) -> str | None:
    assert fallback.install()
    return _text(html)


def test_readability_runs_and_wins_where_it_can(monkeypatch: pytest.MonkeyPatch) -> None:
    """A story in table cells and bare divs: trafilatura's own extraction is short, so
    readability's may be longer; it runs, and the text is what plain trafilatura gives."""
    cells = "".join(f"<tr><td>{_sentence(WORDS[i:] * 3)}</td></tr>" for i in range(6))
    html = (
        "<html><body><div class='menu'><a href='/'>Home</a></div>"
        f"<div><p>Short lead.</p></div><table>{cells}</table></body></html>"
    )
    calls = _summaries(monkeypatch)
    with_fallback = _text_with_fallback(html)
    assert calls == [1]
    with _plain_trafilatura():
        assert _text(html) == with_fallback
