from __future__ import annotations

import pytest

from monitor.matching import Matcher, QueryError, compile_query, make_snippet

CASES = [
    # query, text, expected match
    ("Iran", "Iran said on Sunday", True),
    ("Iran", "iran said", True),  # case-insensitive
    ("Iran", "IRAN SAID", True),
    ("Iran", "Iran's foreign ministry", True),  # possessive
    ("Iran", "the Iran-Russia partnership", True),  # hyphenated compound
    ("Iran", "«Iran»", True),
    ("Iran", "Iranian drones", False),  # whole word only
    ("Iran", "Tehran and Moscow", False),
    ("Iran", "Kiran said", False),
    ("Иран", "Иран и Россия подписали", True),  # Cyrillic
    ("Иран", "Ирана нет", False),  # word boundary in Cyrillic
    ("ایران", "گفت ایران امروز", True),  # Persian
    ("Tehrán", "TEHRÁN hoy", True),  # accented letters, case-insensitive
    ('"drone strike"', "a drone  strike on a refinery", True),  # phrase, any whitespace
    ('"drone strike"', "a drone\nstrike", True),
    ('"drone strike"', "the drone strikes", False),
    ('"drone strike"', "drone operators strike", False),
    ("Iran Russia", "Russia only", True),  # OR between terms
    ("Iran OR Russia", "nothing here", False),
    ('"U.S." Iran', "the U.S. said", True),  # punctuation inside a term
    ("U.S.", "the U.S.A. said", True),  # no word boundary after a dot, by design
    ("c++", "written in C++ mostly", True),
]


@pytest.mark.parametrize(("query", "text", "expected"), CASES)
def test_query_table(query: str, text: str, expected: bool) -> None:
    hits = Matcher({"w": query}).match({"title": None, "summary": None, "text": text})
    assert bool(hits) is expected


def test_hit_records_terms_fields_and_offsets() -> None:
    fields = {
        "title": "Iran and Russia",
        "summary": "Moscow ties",
        "text": "Officials in Tehran said Iran would not ask. Russia agreed.",
    }
    [iran] = Matcher({"iran": "Iran Tehran"}).match(fields)
    assert iran.matched == ("Iran", "Tehran")
    spans = {(m.term, m.field, m.start, m.end) for m in iran.matches}
    assert ("Iran", "title", 0, 4) in spans
    assert ("Iran", "text", 25, 29) in spans
    assert ("Tehran", "text", 13, 19) in spans
    # The snippet comes from the body text, with every match in it highlighted.
    assert iran.snippet.text.startswith("Officials in Tehran said Iran")
    marked = [iran.snippet.text[a:b] for a, b in iran.snippet.highlights]
    assert marked == ["Tehran", "Iran"]


def test_one_hit_per_watchlist() -> None:
    m = Matcher({"iran": "Iran", "russia": "Russia", "none": "Brazil"})
    hits = m.match({"title": "Iran", "summary": "Iran and Russia", "text": "Iran Iran"})
    assert sorted(h.watchlist for h in hits) == ["iran", "russia"]


def test_snippet_cut_at_word_boundaries_with_ellipses() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    text = f"{words} Iran {words}"
    [hit] = Matcher({"iran": "Iran"}).match({"text": text})
    s = hit.snippet
    assert s.text.startswith("…word") and s.text.endswith("…")
    assert len(s.text) <= 230
    inner = s.text.strip("…")
    assert all(w.startswith("word") or w == "Iran" for w in inner.split())  # no cut words
    [(a, b)] = s.highlights
    assert s.text[a:b] == "Iran"


def test_snippet_collapses_whitespace_and_keeps_offsets() -> None:
    text = "First line.\n\n\n   Iran   said\tthings."
    [hit] = Matcher({"iran": "Iran"}).match({"text": text})
    assert hit.snippet.text == "First line. Iran said things."
    [(a, b)] = hit.snippet.highlights
    assert hit.snippet.text[a:b] == "Iran"


def test_snippet_segments() -> None:
    [hit] = Matcher({"x": "Iran"}).match({"text": "a Iran b Iran c"})
    assert hit.snippet.segments() == [
        ("a ", False),
        ("Iran", True),
        (" b ", False),
        ("Iran", True),
        (" c", False),
    ]


def test_snippet_falls_back_to_title() -> None:
    [hit] = Matcher({"x": "Iran"}).match({"title": "Iran talks", "text": "nothing"})
    assert hit.snippet.text == "Iran talks" and hit.matches[0].field == "title"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ("OR", "empty query"),
        ('"drone strike', 'missing closing " for the phrase at column 1'),
        ('Iran "drone', 'missing closing " for the phrase at column 6'),
        ('Iran ""', "empty phrase at column 6"),
        ("Iran\x00Russia", "control character at column 5"),
    ],
)
def test_bad_queries_say_where(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        compile_query(query)


def test_too_many_terms_refused() -> None:
    with pytest.raises(QueryError, match="too many terms"):
        compile_query(" ".join(f"t{i}" for i in range(10_000)))


def test_hostile_text_is_matched_not_executed() -> None:
    text = "<script>alert('Iran')</script> (?:Iran) .* Iran\x00"
    [hit] = Matcher({"x": "Iran"}).match({"text": text})
    assert len(hit.matches) == 3
    assert make_snippet(hit.matches, {"text": text}).text.startswith("<script>")
