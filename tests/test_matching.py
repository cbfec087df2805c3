from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.matching import Matcher, QueryError, make_snippet, parse_query
from monitor.matching.fold import fold
from monitor.matching.reference import evaluate

LISTS = {"iran": ("Iran", "Иран", "ایران", "Irán"), "strike": ("drone strike", "air raid")}

CASES = [
    # query, text, expected
    ("Iran", "Iran said on Sunday", True),
    ("Iran", "IRAN SAID", True),  # case-insensitive
    ("Iran", "Iran's foreign ministry", True),  # possessive
    ("Iran", "the Iran-Russia partnership", True),  # hyphenated compound
    ("Iran", "«Iran»", True),
    ("Iran", "Iranian drones", False),  # whole words only
    ("Iran", "Kiran said", False),
    ("Iran*", "Iranian drones", True),  # unless asked for
    ("Russia*", "the Russians said", True),
    ("Russia*", "Prussia said", False),
    ("Иран", "Иран и Россия", True),  # Cyrillic
    ("Иран", "Ирана нет", False),  # word boundary in Cyrillic
    ("ایران", "گفت ایران امروز", True),  # Persian
    ("ایران", "گفت ايران امروز", True),  # Arabic yeh folds to Persian yeh
    ("Tehran", "Tehrān said", True),  # diacritic folding
    ("Tehrán", "TEHRAN hoy", True),
    ("Tehran", "Tehranis", False),
    ('"drone strike"', "a drone  strike on a refinery", True),  # phrase over any whitespace
    ('"drone strike"', "a drone\nstrike", True),
    ('"drone strike"', "the drone strikes", False),
    ('"drone strike"', "drone, strike", False),
    ('"drone strike"', "drone operators strike", False),
    ("Iran Russia", "Iran alone", False),  # implicit AND
    ("Iran Russia", "Russia and Iran", True),
    ("Iran AND Russia", "Iran, then Russia", True),
    ("Iran OR Russia", "only Russia", True),
    ("Iran OR Russia", "nothing", False),
    ("Iran OR Russia drones", "Russia alone", False),  # OR binds looser than AND
    ("Iran OR Russia drones", "Iran alone", True),
    ("(Iran OR Russia) drones", "Iran alone", False),
    ("(Iran OR Russia) drones", "Russian drones, Russia", True),
    ("Iran -Iraq", "Iran and Iraq", False),
    ("Iran -Iraq", "Iran only", True),
    ("Iran NOT (Iraq OR Syria)", "Iran and Syria", False),
    ("Iran NOT Iraq", "Iran and Iraqi", True),
    ("NEAR/3(Iran, drones)", "Iran sent many cheap drones", True),  # 3 words between
    ("NEAR/2(Iran, drones)", "Iran sent many cheap drones", False),
    ("NEAR/3(Iran, drones)", "drones were sent by Iran", True),  # either order
    ("NEAR/0(Iran, drones)", "Iran drones", True),
    ("NEAR/5(@iran, drone*)", "ایران drones", True),
    ('"U.S." Iran', "the U.S. and Iran", True),  # punctuation inside a term
    ("c++", "written in C++ mostly", True),
    ("case:US", "the US said", True),
    ("case:US", "tell us more", False),
    ("case:US", "the us said", False),
    ('case:"White House"', "the white house", False),
    ("@iran", "Irán y Rusia", True),  # named list
    ("@iran", "Иран", True),
    ("@strike", "an air raid on", True),
    ("or", "this or that", True),  # a lower-case or is a word
]


@pytest.mark.parametrize(("query", "text", "expected"), CASES)
def test_query_table(query: str, text: str, expected: bool) -> None:
    hits = Matcher({"w": query}, LISTS).match({"title": None, "summary": None, "text": text})
    assert bool(hits) is expected
    assert evaluate(parse_query(query, LISTS), {"text": text}) is expected  # the yardstick


@pytest.mark.parametrize(
    ("query", "fields", "source", "expected"),
    [
        ("title:Iran", {"title": "Talks", "text": "Iran"}, None, False),
        ("title:Iran", {"title": "Iran talks", "text": ""}, None, True),
        ("summary:Iran", {"summary": "Iran"}, None, True),
        ("text:(Iran OR Russia)", {"title": "Iran", "text": "Russia"}, None, True),
        ("text:(Iran OR Russia)", {"title": "Iran Russia", "text": "x"}, None, False),
        ("title:Iran -text:Iraq", {"title": "Iran", "text": "Iraq"}, None, False),
        ("source:moscow-times Iran", {"text": "Iran"}, "moscow-times", True),
        ("source:moscow-times Iran", {"text": "Iran"}, "bbc", False),
        ("source:bbc OR Iran", {"text": "nothing"}, "bbc", True),
    ],
)
def test_fields_and_sources(
    query: str, fields: dict[str, str], source: str | None, expected: bool
) -> None:
    assert bool(Matcher({"w": query}).match(fields, source=source)) is expected
    assert evaluate(parse_query(query), fields, source) is expected


def test_source_only_hit_gets_the_opening_as_snippet() -> None:
    [hit] = Matcher({"w": "source:wire"}).match(
        {"title": "T", "summary": "The   opening line.", "text": "Body"}, source="wire"
    )
    assert hit.matched == () and hit.matches == ()
    assert hit.snippet.text == "The opening line." and hit.snippet.highlights == ()


def test_hit_records_terms_fields_and_offsets() -> None:
    fields = {
        "title": "Iran and Russia",
        "summary": "Moscow ties",
        "text": "Officials in Tehran said Iran would not ask. Russia agreed.",
    }
    [iran] = Matcher({"iran": "Iran OR Tehran"}).match(fields)
    assert iran.matched == ("Iran", "Tehran")
    spans = {(m.term, m.field, m.start, m.end) for m in iran.matches}
    assert spans == {("Iran", "title", 0, 4), ("Iran", "text", 25, 29), ("Tehran", "text", 13, 19)}
    assert iran.snippet.text.startswith("Officials in Tehran said Iran")
    assert [iran.snippet.text[a:b] for a, b in iran.snippet.highlights] == ["Tehran", "Iran"]


def test_excluded_terms_are_not_reported_or_highlighted() -> None:
    [hit] = Matcher({"w": "Iran -Iraq"}).match({"text": "Iran and Syria"})
    assert hit.matched == ("Iran",)


def test_prefix_and_diacritic_matches_point_at_the_original_text() -> None:
    text = "Les Russes et Téhéran: TEHRĀN, Russians."
    [hit] = Matcher({"w": "Russ* OR Tehran OR Teheran"}).match({"text": text})
    assert [text[m.start : m.end] for m in hit.matches] == [
        "Russes",
        "Téhéran",
        "TEHRĀN",
        "Russians",
    ]


def test_phrase_and_near_spans() -> None:
    text = "After the drone  strike, Iran and its drones were blamed."
    [hit] = Matcher({"w": '"drone strike" NEAR/4(Iran, drones)'}).match({"text": text})
    assert [text[m.start : m.end] for m in hit.matches] == ["drone  strike", "Iran", "drones"]


def test_one_hit_per_watchlist_in_config_order() -> None:
    m = Matcher({"russia": "Russia", "iran": "Iran", "none": "Brazil"})
    hits = m.match({"title": "Iran", "summary": "Iran and Russia", "text": "Iran Iran"})
    assert [h.watchlist for h in hits] == ["russia", "iran"]


def test_turkish_dotted_i_keeps_offsets() -> None:
    text = "İstanbul: Iran said"
    [hit] = Matcher({"w": "Iran"}).match({"text": text})
    assert text[hit.matches[0].start : hit.matches[0].end] == "Iran"
    assert len(fold(text)) == len(text)


def test_snippet_cut_at_word_boundaries_with_ellipses() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    text = f"{words} Iran {words}"
    [hit] = Matcher({"iran": "Iran"}).match({"text": text})
    s = hit.snippet
    assert s.text.startswith("…word") and s.text.endswith("…")
    assert len(s.text) <= 230
    assert all(w.startswith("word") or w == "Iran" for w in s.text.strip("…").split())
    [(a, b)] = s.highlights
    assert s.text[a:b] == "Iran"


def test_snippet_collapses_whitespace_and_keeps_offsets() -> None:
    [hit] = Matcher({"iran": "Iran"}).match({"text": "First line.\n\n\n   Iran   said\tthings."})
    assert hit.snippet.text == "First line. Iran said things."
    [(a, b)] = hit.snippet.highlights
    assert hit.snippet.text[a:b] == "Iran"


def test_snippet_segments_and_title_fallback() -> None:
    [hit] = Matcher({"x": "Iran"}).match({"text": "a Iran b Iran c"})
    assert hit.snippet.segments() == [
        ("a ", False),
        ("Iran", True),
        (" b ", False),
        ("Iran", True),
        (" c", False),
    ]
    [hit] = Matcher({"x": "Iran"}).match({"title": "Iran talks", "text": "nothing"})
    assert hit.snippet.text == "Iran talks" and hit.matches[0].field == "title"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ('"drone strike', 'missing closing " for the phrase at column 1'),
        ('Iran "drone', 'missing closing " for the phrase at column 6'),
        ('Iran ""', "empty phrase at column 6"),
        ("Iran\x00Russia", "control character at column 5"),
        ("NEAR/5(Iran", "missing ) at column 12"),
        (
            "NEAR/5(Iran drones)",
            "missing a comma between the two terms of NEAR/5(...) at column 13",
        ),
        ("NEAR/5((Iran), x)", "NEAR/5 at column 1 takes two terms"),
        ("(Iran OR Russia", "missing ) at column 16"),
        ("Iran)", "unexpected ) at column 5"),
        ("OR Iran", "OR at column 1 needs a term before it"),
        ("Iran OR", "OR at column 6 needs a term after it"),
        ("Iran AND", "AND at column 6 needs a term after it"),
        ("Iran -", "- at column 6 needs a term right after it"),
        ("NOT Iran", "the query only excludes"),
        ("-Iran -Iraq", "the query only excludes"),
        ("Iran OR -Iraq", "the query only excludes"),
        ("foo:bar", "unknown field 'foo' at column 1"),
        ("title:", "title: at column 1 needs a term after it"),
        ("Ru*ssia", "a * may only end a word"),
        ("@nope", "unknown list @nope at column 1 (known: @iran, @strike)"),
        ("()", "empty parentheses at column 1"),
        ("(" * 200 + "Iran" + ")" * 200, "nested too deeply"),
    ],
)
def test_bad_queries_say_what_and_where(query: str, message: str) -> None:
    with pytest.raises(
        QueryError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")
    ):
        parse_query(query, LISTS)


def test_ten_thousand_terms() -> None:
    query = " OR ".join(f"t{i}" for i in range(10_000))
    m = Matcher({"big": query})
    assert [h.matched for h in m.match({"text": "x t9999 y"})] == [("t9999",)]
    with pytest.raises(QueryError, match="too many terms"):
        parse_query(query + " OR t10000")


def test_hostile_text_is_matched_not_executed() -> None:
    text = "<script>alert('Iran')</script> (?:Iran) .* Iran\x00"
    [hit] = Matcher({"x": "Iran"}).match({"text": text})
    assert len(hit.matches) == 3
    assert make_snippet(hit.matches, {"text": text}).text.startswith("<script>")


# --- the fast matcher agrees with the reference evaluator -------------------------------

VOCAB = [
    "iran",
    "Iran",
    "IRAN",
    "Irán",
    "tehran",
    "Tehrān",
    "russia",
    "Russian",
    "drone",
    "strike",
    "drones",
    "us",
    "US",
    "Иран",
    "ایران",
    "c++",
    "u.s.",
    "air",
    "raid",
]
SEPS = [" ", "  ", "\n", ", ", "'s ", "-", ". ", "(", ")", "«", "»"]


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from([*VOCAB, "other", "words", "Iranian", "x"]), max_size=25))
    seps = draw(st.lists(st.sampled_from(SEPS), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True))


def atoms() -> st.SearchStrategy[str]:
    word = st.sampled_from(VOCAB)
    return st.one_of(
        word,
        word.map(lambda w: w.rstrip("+.") + "*"),
        st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
        word.map(lambda w: f"case:{w}"),
        st.sampled_from(["@iran", "@strike", "title:iran", "text:drone"]),
        st.tuples(st.integers(0, 4), word, word).map(lambda t: f"NEAR/{t[0]}({t[1]}, {t[2]})"),
    )


queries = st.recursive(
    atoms(),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"{t[0]} {t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} OR {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} -({t[1]})"),
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(query=queries, title=texts(), text=texts())
def test_fast_matcher_agrees_with_reference(query: str, title: str, text: str) -> None:
    try:
        tree = parse_query(query, LISTS)
    except QueryError:
        return  # e.g. only exclusions: refused by both
    fields = {"title": title, "summary": None, "text": text}
    fast = bool(Matcher({"w": query}, LISTS).match(fields))
    assert fast is evaluate(tree, fields)
