"""Languages (issue 18): each article's language from its text with py3langid, checked
against what the page declares; `lang:` in queries; full-text search in the article's
language on PostgreSQL and without diacritics on SQLite."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.crawl.extract import analyse_article
from monitor.domain import language
from monitor.domain.articles import ArticleData
from monitor.domain.filters import HitFilter
from monitor.domain.sources import SourceSpec
from monitor.matching import Matcher, QueryError, parse_query
from monitor.matching.reference import evaluate
from monitor.store.articles import store_article
from monitor.store.engine import transaction
from monitor.store.hits import page_hits
from monitor.store.sources import sync_sources
from tests.helpers import DATA

PAGES = DATA / "languages"
#: Ten languages, each page declaring its own (de-declared-en: the CMS default lies).
LANGUAGES = ["de", "fr", "es", "it", "nl", "pt", "ru", "pl", "tr", "sv"]


def analysed(name: str, content_language: str | None = None) -> ArticleData:
    html = (PAGES / name).read_bytes()
    url = f"http://news.test/{name}"
    item = ArticleData(source="wire", url=url, lang=content_language)
    return analyse_article(html, item, url, Matcher({"any": "lang:de OR lang:fr"}))


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_page_gets_its_language_and_the_text_alone_says_the_same(code: str) -> None:
    item = analysed(f"{code}.html")
    assert item.lang == code
    assert item.text is not None
    assert language.detect(item.text)[0] == code  # the detector, without the declaration


def test_detected_language_wins_over_a_lying_declaration_on_a_long_text() -> None:
    assert analysed("de-declared-en.html").lang == "de"


def test_declared_language_wins_on_a_text_too_short_to_judge() -> None:
    # Place names and two words: enough words to be an article, too few letters to judge
    # (the detector, unsure, says Estonian).
    item = analysed("fr-short.html")
    assert item.fetch_error is None
    assert language.detect(item.text or "")[0] != "fr"
    assert item.lang == "fr"


def test_without_a_declaration_the_text_decides_and_content_language_backs_short_ones() -> None:
    assert analysed("nl-undeclared.html").lang == "nl"
    assert language.choose("Paris, Berlin, Madrid", "de-AT") == "de"
    assert language.choose("", None) is None


def test_lang_field_is_matched_by_the_worker() -> None:
    assert [h.watchlist for h in analysed("de.html").analysis.hits] == ["any"]  # type: ignore[union-attr]
    assert analysed("it.html").analysis.hits == []  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("tag", "code"),
    [("de-AT", "de"), ("en_US", "en"), ("deu", "de"), ("nb", "no"), ("FR", "fr"),
     ("x-klingon", None), ("", None), (None, None), ("en, de", "en")],
)  # fmt: skip
def test_declared_tags_become_iso_639_1(tag: str | None, code: str | None) -> None:
    assert language.normalize(tag) == code


def test_lang_in_queries_agrees_with_the_reference_evaluator() -> None:
    queries = ["Iran lang:de", "lang:fr OR lang:es", "Iran -lang:en", "(lang:de Iran) OR Russia"]
    matcher = Matcher({q: q for q in queries})
    fields = {"title": "Iran talks", "summary": None, "text": "Russia"}
    for lang in ("de", "fr", "en", None):
        engine = {h.watchlist for h in matcher.match(fields, source="wire", lang=lang)}
        reference = {q for q in queries if evaluate(parse_query(q), fields, "wire", lang=lang)}
        assert engine == reference, lang


def test_lang_needs_a_two_letter_code() -> None:
    with pytest.raises(QueryError, match="lang: at column 6 needs a two-letter language code"):
        parse_query("Iran lang:german")


def _store(engine: Engine, texts: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Articles (url -> (lang, text)) with a hit each; their ids."""
    matcher = Matcher({"all": "Stadt OR city OR Köln OR Sprache"})
    ids = {}
    with transaction(engine) as s:
        sync_sources(s, [SourceSpec("wire", "feed", "http://wire.test/rss", timedelta(hours=1))])
        for url, (lang, text) in texts.items():
            data = ArticleData(source="wire", url=url, title="Bericht", text=text, lang=lang)
            ids[url] = store_article(s, data, matcher.match(data.fields(), lang=lang)).article_id
    return ids


def _found(engine: Engine, words: str) -> set[int]:
    with transaction(engine) as s:
        return {r.article_id for r in page_hits(s, HitFilter(search=words), limit=50).rows}


def test_german_search_finds_inflected_forms_on_postgresql(engine: Engine, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("stemming by the article's language is PostgreSQL's (SQLite has no stemmer)")
    ids = _store(
        engine,
        {
            "http://wire.test/de": ("de", "Die Regierungen verkauften die alten Häuser der Stadt."),
            "http://wire.test/en": ("en", "The governments sold the old houses of the city."),
            "http://wire.test/xx": (None, "Regierungen ohne Sprache werden nicht gestemmt."),
        },
    )
    assert _found(engine, "Regierung") == {ids["http://wire.test/de"]}
    assert _found(engine, "Haus") == {ids["http://wire.test/de"]}
    assert _found(engine, "house") == {ids["http://wire.test/en"]}  # English stems too
    assert _found(engine, "Regierungen") == {ids["http://wire.test/de"], ids["http://wire.test/xx"]}
    assert _found(engine, "Haus Regierung") == {ids["http://wire.test/de"]}  # words ANDed


def test_sqlite_search_ignores_diacritics(engine: Engine, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("FTS5's remove_diacritics")
    ids = _store(engine, {"http://wire.test/de": ("de", "Die alten Häuser in Köln.")})
    assert _found(engine, "hauser koln") == {ids["http://wire.test/de"]}
    assert _found(engine, "Häuser") == {ids["http://wire.test/de"]}


def test_fixture_pages_cover_at_least_eight_languages() -> None:
    assert len({p.stem.split("-")[0] for p in Path(PAGES).glob("*.html")}) >= 8
