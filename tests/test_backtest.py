"""The backtest of `monitor watchlists test`: what a query matches among the stored articles,
and the articles the proper-noun rule leaves out (a capitalised term only in lower case)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from monitor.backtest import Backtest, backtest
from monitor.domain.articles import ArticleData
from monitor.domain.sources import SourceSpec
from monitor.render.tables import print_backtest
from monitor.store.articles import store_article
from monitor.store.engine import transaction
from monitor.store.sources import sync_sources

ARTICLES = [  # stored in this order: the last is the newest
    ("Turkey and Iran sign a deal", "Ankara said the deal covers gas."),
    ("Holiday recipes", "A roast turkey with chestnuts; let the turkey rest."),
    ("TURKEY'S MINISTER IN TEHRAN", "The minister arrived on Monday."),
    ("Quit cold turkey", "He stopped smoking cold turkey, he said."),
    ("Farm news", "Iran's farmers: a turkey farm near Tabriz doubled its flock."),
]


@pytest.fixture
def store(engine: Engine) -> Engine:
    with transaction(engine) as s:
        sync_sources(s, [SourceSpec("wire", "feed", "http://news.test/rss", timedelta(minutes=15))])
    for i, (title, text) in enumerate(ARTICLES):
        with transaction(engine) as s:
            data = ArticleData(source="wire", url=f"http://news.test/{i}", title=title, text=text)
            store_article(s, data, [])
    return engine


def run(store: Engine, query: str) -> Backtest:
    with transaction(store) as s:
        return backtest(s, query, {"turkey": ["Turkey", "Türkiye"]})


def test_capitalised_term_leaves_out_the_lower_case_word_and_says_so(store: Engine) -> None:
    result = run(store, "Turkey")
    assert result.scanned == 5 and result.matched == 2
    assert [a.title for a, _ in result.examples] == [
        "TURKEY'S MINISTER IN TEHRAN",
        "Turkey and Iran sign a deal",
    ]
    lower = result.lower_case_only
    assert (lower.more, lower.fewer, lower.terms) == (3, 0, {"Turkey": 3})
    article, snippet = lower.examples["Turkey"]
    assert article.title == "Farm news"  # the newest
    assert [snippet.text[a:b] for a, b in snippet.highlights] == ["turkey"]

    out = io.StringIO()
    print_backtest("Turkey", result, out=out)
    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "Turkey: 2 of 5 stored articles match (40.0%).",
        "by term: Turkey 2",
        '3 more articles contain "turkey" only in lower case, which Turkey does not match: '
        "write turkey to match them. Newest:",
        "  Turkey: Iran's farmers: a turkey farm near Tabriz doubled its flock.  (wire: Farm news)",
    ]


def test_several_capitalised_terms_in_lower_case_only(store: Engine) -> None:
    result = run(store, '"Roast Turkey" OR Chestnuts OR Smoking')
    assert result.matched == 0
    assert result.lower_case_only.terms == {"Roast Turkey": 1, "Chestnuts": 1, "Smoking": 1}
    out = io.StringIO()
    print_backtest("q", result, out=out)
    lines = out.getvalue().splitlines()
    assert " ".join(" ".join(lines[1:3]).split()) == (  # a long line, wrapped at 160
        "2 more articles contain a capitalised term only in lower case, which it does not "
        "match (Roast Turkey 1, Chestnuts 1, Smoking 1): write the term in lower case to match "
        "them. Newest:"
    )
    assert lines[3:6] == [
        "  Roast Turkey: A roast turkey with chestnuts; let the turkey rest.  "
        "(wire: Holiday recipes)",
        "  Chestnuts: A roast turkey with chestnuts; let the turkey rest.  (wire: Holiday recipes)",
        "  Smoking: He stopped smoking cold turkey, he said.  (wire: Quit cold turkey)",
    ]


def test_lower_case_term_matches_any_case_and_has_nothing_to_add(store: Engine) -> None:
    result = run(store, "turkey")
    assert result.matched == 5
    assert result.lower_case_only.more == 0 and result.lower_case_only.examples == {}
    out = io.StringIO()
    print_backtest("turkey", result, out=out)
    assert "lower case" not in out.getvalue()


@pytest.mark.parametrize(
    ("query", "matched", "more", "terms"),
    [
        ('"Roast Turkey" OR Ankara', 1, 1, {"Roast Turkey": 1}),  # a phrase
        ('"roast Turkey"', 0, 1, {"roast Turkey": 1}),
        ("Turk* Iran", 1, 1, {"Turk*": 1}),  # a prefix
        ("NEAR/2(Turkey, Iran)", 1, 0, {}),  # "turkey" is 3+ words from Iran's
        ("@turkey", 2, 3, {"Turkey": 3}),  # a list's terms
        ("case:Turkey", 1, 0, {}),  # exact anyway: nothing to compare
        ("Turkey Ankara", 1, 0, {}),
    ],
)
def test_lower_case_only_by_kind_of_term(
    store: Engine, query: str, matched: int, more: int, terms: dict[str, int]
) -> None:
    result = run(store, query)
    assert (result.matched, result.lower_case_only.more) == (matched, more)
    assert result.lower_case_only.terms == terms


def test_excluded_capitalised_term_does_not_exclude_the_lower_case_word(store: Engine) -> None:
    result = run(store, "Iran -Turkey")
    assert [a.title for a, _ in result.examples] == ["Farm news"]  # "a turkey farm"
    lower = result.lower_case_only
    assert (lower.more, lower.fewer) == (0, 1)
    out = io.StringIO()
    print_backtest("Iran -Turkey", result, out=out)
    assert (
        "1 matching article contains an excluded capitalised term only in lower case, which "
        "does not exclude it: write the term in lower case to exclude any case.\n" in out.getvalue()
    )
