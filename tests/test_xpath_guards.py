"""monitor.crawl.xpath_guards: trafilatura's regular-expression XPaths behind cheaper
tests select exactly what trafilatura's own select (issue #19)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from monitor.crawl import xpath_guards
from monitor.crawl.extract import extract_article, parse_page
from monitor.crawl.xpath_guards import by_names, guard, needles

SITE = Path(__file__).parent / "data" / "site"


@pytest.fixture(scope="module")
def pairs() -> list[tuple[etree.XPath, etree.XPath]]:
    xpath_guards.install()
    found = xpath_guards.installed()
    # trafilatura's boilerplate, body and comment expressions, and its cleaning one
    assert len(found) >= 10, [old.path for old, _ in found]
    return found


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^[Cc]omment(?!ary)|(?:article|post)-comments", {"omment"}),  # holds both
        ("mvp-post-add-(?:box|wrap)|infinite-?scroll", {"mvp-post-add-", "infinite"}),
        ("(^|\\s)link(\\s|$)", {"link"}),
        ("^(?:tag|postmeta|meta)", {"tag", "meta"}),  # "postmeta" holds "meta"
        ("[Aa]uthor|[Bb]yline", {"uthor", "yline"}),
        ("content(?:-|__)body", {"content"}),
        ("(?:ab)+cd", {"cd"}),
    ],
)
def test_needles_are_what_every_match_contains(pattern: str, expected: set[str]) -> None:
    assert needles(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    ["a|bc", "[abc]+", "x?yz?", "(?i)cookie", "comment|", "(?:ab)?"],
)
def test_no_needles_where_a_match_needs_no_literal(pattern: str) -> None:
    assert needles(pattern) is None


def test_guard_puts_a_test_before_each_regular_expression() -> None:
    path = ".//div[re:test(@class, '^[Cc]omment') or re:test(@id|@class, 'x|y', 'i')]"
    assert guard(path) == (
        ".//div[((contains(@class, 'omment')) and re:test(@class, '^[Cc]omment'))"
        " or ((@id or @class) and re:test(@id|@class, 'x|y', 'i'))]"
    )
    # One that matches an empty value (as lxml tests a missing attribute) stays as it is.
    empty = ".//div[re:test(@class, 'a?', 'i')]"
    assert guard(empty) == empty


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".//*[self::div or self::p][@id]", "(.//div|.//p)[@id]"),
        ("(.//*[self::div][@id='a'])[1]|(.//main)[1]", "((.//div)[@id='a'])[1]|(.//main)[1]"),
        ("(.//*[self::div][f(')')])[1]", "((.//div)[f(')')])[1]"),
        (".//*[self::div or self::p][@id][1]", None),  # the first of each parent's
        (".//*[self::div][position() < 3]", None),
        (".//div[@id]", None),
        ("//*[self::div][@id]", None),
    ],
)
def test_by_names_walks_the_names_steps(path: str, expected: str | None) -> None:
    assert by_names(path) == (expected or path)


def _expression_words() -> list[str]:
    """The words of trafilatura's expressions, and a few near them."""
    from trafilatura import settings, xpaths

    paths = [settings.BASIC_CLEAN_XPATH.path]
    paths += [e.path for v in vars(xpaths).values() if isinstance(v, list) for e in v]
    return sorted(
        {w for path in paths for w in re.findall(r"[A-Za-z][\w-]+", path)}
        | {"comment", "Comments", "commentary", "display:none", "ad-", " ad ", "x", ""}
    )


_WORDS = _expression_words()


def _words() -> st.SearchStrategy[str]:
    """Attribute values near what the expressions look for: their words, cut, joined,
    cased otherwise, with spaces and dashes."""
    word = st.sampled_from(_WORDS).flatmap(
        lambda w: st.sampled_from([w, w.upper(), w.capitalize(), w[1:], w[:-1]])
    )
    return st.lists(word, max_size=3).flatmap(
        lambda ws: st.sampled_from(["", " ", "-", "_"]).map(lambda sep: sep.join(ws))
    )


TAGS = ["div", "section", "article", "main", "aside", "span", "p", "ol", "ul", "list", "item"]
TAGS += ["details", "a", "h1", "h2", "h3", "header", "footer", "script", "li", "cite", "quote"]
element = st.tuples(
    st.sampled_from(TAGS),
    st.dictionaries(st.sampled_from(["class", "id", "style", "role", "rel"]), _words()),
)


def _document(elements: list[tuple[str, dict[str, str]]], nesting: list[int]) -> etree._Element:
    root = etree.Element("html")
    body = etree.SubElement(root, "body")
    made = [body]
    for (tag, attrs), parent in zip(elements, nesting, strict=False):
        el = etree.SubElement(made[parent % len(made)], tag, attrs)
        el.text = "Text of the element. "
        made.append(el)
    return root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    elements=st.lists(element, min_size=1, max_size=40),
    nesting=st.lists(st.integers(min_value=0, max_value=1000), min_size=40, max_size=40),
)
def test_each_guarded_expression_selects_what_trafilaturas_does(
    pairs: list[tuple[etree.XPath, etree.XPath]],
    elements: list[tuple[str, dict[str, str]]],
    nesting: list[int],
) -> None:
    doc = _document(elements, nesting)
    for old, new in pairs:
        assert new(doc) == old(doc), old.path


def test_the_same_where_every_word_is_a_class_and_an_id_twice(
    pairs: list[tuple[etree.XPath, etree.XPath]],
) -> None:
    """Each of the expressions' words on each tag, as class, id and style, twice under
    each of two parents: what a positional predicate ([1]: the first of each parent's)
    would tell apart."""
    root = etree.Element("html")
    body = etree.SubElement(root, "body")
    for word in _WORDS:
        for tag in TAGS:
            for _ in range(2):
                parent = etree.SubElement(body, "div")
                for attrs in ({"class": word}, {"id": word, "style": word}):
                    el = etree.SubElement(parent, tag, attrs)
                    el.text = f"Text of {word}. "
    for old, new in pairs:
        assert new(root) == old(root), old.path


def test_the_same_on_our_own_article_pages(pairs: list[tuple[etree.XPath, etree.XPath]]) -> None:
    pages = sorted(SITE.rglob("*.html"))
    assert pages
    for page in pages:
        tree = parse_page(page.read_bytes())
        assert tree is not None
        for old, new in pairs:
            assert new(tree) == old(tree), (page, old.path)


def test_trafilatura_extracts_with_the_guarded_expressions(
    pairs: list[tuple[etree.XPath, etree.XPath]],
) -> None:
    from trafilatura import xpaths

    guarded = {id(new) for _, new in pairs}
    assert any(id(e) in guarded for e in xpaths.OVERALL_DISCARD_XPATH)
    html = (
        "<html><body><article><p>The talks in Geneva went on late into the night, a "
        "delegate said on Monday, and will resume in the morning.</p></article>"
        "<div class='comments-list'><p>First comment under the story, by a reader.</p></div>"
        "</body></html>"
    )
    found = extract_article(html.encode(), "https://news.example/geneva")
    assert found.text and "Geneva" in found.text and "reader" not in found.text


def test_uninstall_gives_trafilatura_its_own_expressions_back(
    pairs: list[tuple[etree.XPath, etree.XPath]],
) -> None:
    from trafilatura import xpaths

    ours = xpaths.OVERALL_DISCARD_XPATH[0]
    theirs = next(old for old, new in pairs if new is ours)
    try:
        xpath_guards.uninstall()
        assert xpaths.OVERALL_DISCARD_XPATH[0] is theirs
    finally:
        xpath_guards.install()
    assert xpaths.OVERALL_DISCARD_XPATH[0] is ours


def test_a_rewrite_that_does_not_compile_keeps_trafilaturas_expression(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    theirs = etree.XPath(
        ".//*[self::div][re:test(@class, 'comment')]", namespaces={"re": xpath_guards.REGEXP_NS}
    )
    monkeypatch.setattr(xpath_guards, "by_names", lambda path: path + "[")
    assert xpath_guards._guarded(theirs) is theirs
