from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.matching import Matcher, QueryError, make_snippet, parse_query
from monitor.matching.fold import fold
from monitor.matching.parse import Near, Term
from monitor.matching.reference import evaluate, term_spans

LISTS = {"iran": ("Iran", "Иран", "ایران", "Irán"), "strike": ("drone strike", "air raid")}

CASES = [
    # query, text, expected
    ("Iran", "Iran said on Sunday", True),
    ("Iran", "IRAN SAID", True),  # a capitalised term matches capitalised text in any case
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

# The proper-noun rule: a query word written with a capital first letter matches only where the
# text capitalises that letter too; a lower-case query word matches any case.
PROPER_NOUNS = [
    ("Iran", "Irán y Rusia", True),
    ("Iran", "Iran's navy", True),
    ("Iran", "IRÁN: NO", True),
    ("Iran", "Los acusados no irán a prisión", False),  # the Spanish verb
    ("Turkey", "Turkey's foreign minister", True),
    ("Turkey", "TURKEY VOTES", True),
    ("Turkey", "a roast turkey", False),
    ("Turkey", "he quit cold turkey", False),
    ("China", "fine bone china", False),
    ("China", "China and bone china", True),
    ("iran", "no irán a prisión", True),  # written in lower case: any case
    ("iran", "Irán", True),
    ("turkey", "TURKEY, Turkey and turkey", True),
    ("NATO", "Nato allies", True),  # all caps counts as capitalised
    ("NATO", "NATO allies", True),
    ("NATO", "the nato summit", False),
    ("US", "Us and them", True),
    ("US", "tell us more", False),
    ("#Iran", "support #Iran now", True),  # the first letter counts, not the first character
    ("#Iran", "support #iran now", False),
    ("iPhone", "the IPHONE and the iphone", True),  # a lower-case first letter: any case
    ("Istanbul", "İSTANBUL", True),  # Turkish dotted capital I
    ("İstanbul", "istanbul", False),
    ("Turkey", "Turkey sandwiches are back", True),  # accepted: a sentence starts capitalised
    ("Turkey", "How To Cook A Turkey", True),  # accepted: Title Case headlines
    # Cased scripts follow the rule; scripts without case are not restricted.
    ("Иран", "ИРАН и Россия", True),
    ("Иран", "слово иран", False),
    ("иран", "Иран и Россия", True),
    ("Ελλάδα", "ΕΛΛΑΔΑ", True),
    ("Ελλάδα", "ελλάδα", False),
    ("ایران", "گفت ایران امروز", True),  # Persian
    ("إيران", "قالت إيران اليوم", True),  # Arabic
    ("איראן", "אמרה איראן היום", True),  # Hebrew
    ("伊朗", "伊朗，俄罗斯", True),  # Chinese
    ("イラン", "イラン、ロシア", True),  # Japanese
    ("이란", "이란 외교부", True),  # Korean
    # Phrases: each capitalised word must be capitalised in the text.
    ('"White House"', "the White House said", True),
    ('"White House"', "THE WHITE HOUSE SAID", True),
    ('"White House"', "a white house", False),
    ('"White House"', "the White house", False),
    ('"White House"', "the white House", False),
    ('"white house"', "the White House", True),
    ('"White House"', "the White\u00a0House", True),  # a no-break space
    ('"White House"', "White\u00b4house", False),  # the acute accent folds to a space
    ('"Bank of England"', "the Bank of England", True),
    ('"Bank of England"', "the BANK OF ENGLAND", True),
    ('"Bank of England"', "a bank of England", False),
    # Prefixes: the prefix's first letter.
    ("Russia*", "Russian drones", True),
    ("Russia*", "RUSSIANS", True),
    ("Russia*", "russian drones", False),
    ("russia*", "Russian and russian", True),
    # NEAR, NOT and lists use the same term matches.
    ("NEAR/3(Turkey, Ankara)", "Turkey said in Ankara", True),
    ("NEAR/3(Turkey, Ankara)", "a turkey dinner in Ankara", False),
    ("NEAR/3(turkey, recipe)", "Turkey: a recipe", True),
    ("Iran -Turkey", "Iran ate roast turkey", True),  # -Turkey does not exclude "turkey"
    ("Iran -turkey", "Iran ate roast turkey", False),
    ("@iran", "no irán a prisión", False),  # the list writes Irán
    ("@iran", "IRÁN", True),
    # case: is exact, as before.
    ("case:Turkey", "Turkey", True),
    ("case:Turkey", "TURKEY", False),
    ("case:turkey", "Turkey", False),
    ("case:turkey", "roast turkey", True),
]


@pytest.mark.parametrize(("query", "text", "expected"), CASES + PROPER_NOUNS)
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


def test_proper_noun_rule_keeps_offsets_snippets_and_highlights() -> None:
    text = "Turkey's minister ate roast turkey.  In TURKEY, a White House aide: white house"
    [hit] = Matcher({"w": 'Turkey OR "White House"'}).match({"text": text})
    assert [text[m.start : m.end] for m in hit.matches] == ["Turkey", "TURKEY", "White House"]
    assert [hit.snippet.text[a:b] for a, b in hit.snippet.highlights] == [
        "Turkey",
        "TURKEY",
        "White House",
    ]
    assert hit.snippet.text.startswith("Turkey's minister ate roast turkey. In TURKEY")


def test_capitalised_and_lower_case_spellings_of_one_word_in_one_matcher() -> None:
    m = Matcher({"proper": "Iran", "any": "iran", "both": "Iran OR iran"})
    assert [h.watchlist for h in m.match({"text": "no irán a prisión"})] == ["any", "both"]
    [proper, any_, both] = m.match({"text": "Irán"})
    assert (proper.matched, any_.matched, both.matched) == (("Iran",), ("iran",), ("Iran", "iran"))


def test_proper_nouns_off_matches_any_case() -> None:
    fields = {"title": "Roast turkey, the White house way", "text": ""}
    query = 'Turkey "White House"'
    assert not Matcher({"w": query}).match(fields)
    hits, [hit] = Matcher({"w": query}).match_with_any_case(fields)
    assert hits == [] and hit.matched == ("Turkey", "White House")
    assert evaluate(parse_query(query), fields, proper_nouns=False)
    assert not evaluate(parse_query(query), fields)


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
    "irán",
    "nato",
    "NATO",
    "Nato",
    "White",
    "white",
    "House",
    "house",
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
    "иран",
    "ایران",
    "c++",
    "u.s.",
    "air",
    "raid",
]
SEPS = [" ", "  ", "\n", ", ", "'s ", "-", ". ", "(", ")", "«", "»"]


# Case variants of a few words in short texts, so that terms, phrases and NEAR find their
# words often and the proper-noun rule decides.
CASED = ["white", "White", "WHITE", "house", "House", "irán", "Iran"]
CASED_SEPS = [" ", " ", "\n", ", ", "'s "]


@st.composite
def texts(
    draw: st.DrawFn,
    vocab: list[str] = VOCAB,
    seps: list[str] = SEPS,
    extra: tuple[str, ...] = ("other", "words", "Iranian", "x"),
    size: int = 25,
) -> str:
    words = draw(st.lists(st.sampled_from([*vocab, *extra]), max_size=size))
    gaps = draw(st.lists(st.sampled_from(seps), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, gaps, strict=True))


def atoms(vocab: list[str] = VOCAB, others: bool = True) -> st.SearchStrategy[str]:
    word = st.sampled_from(vocab)
    return st.one_of(
        word,
        word.map(lambda w: w.rstrip("+.") + "*"),
        st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
        word.map(lambda w: f"case:{w}"),
        st.sampled_from(["@iran", "@strike", "title:iran", "text:drone"] if others else vocab),
        st.tuples(st.integers(0, 4), word, word).map(lambda t: f"NEAR/{t[0]}({t[1]}, {t[2]})"),
    )


def queries(atom: st.SearchStrategy[str], leaves: int = 6) -> st.SearchStrategy[str]:
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda t: f"{t[0]} {t[1]}"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} OR {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]} -({t[1]})"),
        ),
        max_leaves=leaves,
    )


@settings(max_examples=400, deadline=None)
@given(query=queries(atoms()), title=texts(), text=texts())
def test_fast_matcher_agrees_with_reference(query: str, title: str, text: str) -> None:
    agree(query, title, text)


@settings(max_examples=300, deadline=None)
@given(
    query=queries(atoms(CASED, others=False), leaves=2),
    title=texts(CASED, CASED_SEPS, (), 8),
    text=texts(CASED, CASED_SEPS, (), 8),
)
def test_fast_matcher_agrees_with_reference_on_case_variants(
    query: str, title: str, text: str
) -> None:
    agree(query, title, text)


@st.composite
def query_and_text(draw: st.DrawFn) -> tuple[str, str]:
    """A word, prefix, phrase, NEAR or case: term over a few words written in lower case,
    Capitalised or in CAPITALS, and a text with those words in a row, each written in any of
    the three, among more of them."""
    words = draw(
        st.lists(st.sampled_from(["white", "house", "irán", "иран"]), min_size=1, max_size=3)
    )
    shapes = (str.lower, str.capitalize, str.upper)
    written = [draw(st.sampled_from(shapes))(w) for w in words]
    query = draw(
        st.sampled_from(
            [
                written[0],
                written[0] + "*",
                '"' + " ".join(written) + '"',
                f"NEAR/1({written[0]}, {written[-1]})",
                f"case:{written[0]}",
            ]
        )
    )
    pool = st.sampled_from([shape(w) for w in words for shape in shapes] + ["whites", "x"])
    row = [draw(st.sampled_from(shapes))(w) for w in words]
    text = draw(st.lists(pool, max_size=4)) + row + draw(st.lists(pool, max_size=4))
    gaps = draw(st.lists(st.sampled_from(CASED_SEPS), min_size=len(text), max_size=len(text)))
    return query, "".join(w + g for w, g in zip(text, gaps, strict=True))


@settings(max_examples=300, deadline=None)
@given(case=query_and_text(), proper_nouns=st.booleans())
def test_fast_matcher_finds_the_reference_spans(case: tuple[str, str], proper_nouns: bool) -> None:
    query, text = case
    tree = parse_query(query)
    fields = {"title": None, "summary": None, "text": text}
    hits = Matcher({"w": query}).match_with_any_case(fields)[0 if proper_nouns else 1]
    got = [(m.field, m.start, m.end) for h in hits for m in h.matches]
    if isinstance(tree, Term):
        assert got == term_spans(tree, fields, proper_nouns=proper_nouns)
    else:  # NEAR: the spans of the pairs close enough, some of the terms' spans
        assert isinstance(tree, Near)
        terms = [t for t in (tree.left, tree.right) if isinstance(t, Term)]
        want = {s for t in terms for s in term_spans(t, fields, proper_nouns=proper_nouns)}
        assert set(got) <= want
        assert bool(got) is evaluate(tree, fields, proper_nouns=proper_nouns)


def agree(query: str, title: str, text: str) -> None:
    try:
        tree = parse_query(query, LISTS)
    except QueryError:
        return  # e.g. only exclusions: refused by both
    fields = {"title": title, "summary": None, "text": text}
    fast = bool(Matcher({"w": query}, LISTS).match(fields))
    assert fast is evaluate(tree, fields)
    hits, any_case = Matcher({"w": query}, LISTS).match_with_any_case(fields)
    assert bool(hits) is fast
    assert bool(any_case) is evaluate(tree, fields, proper_nouns=False)
