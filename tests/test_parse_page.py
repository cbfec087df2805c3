"""The page's tree (monitor.crawl.extract.parse_page): trafilatura's loader's tree, made
without the loader for plain UTF-8 pages."""

from __future__ import annotations

import pytest
from lxml import etree
from trafilatura import utils

from monitor.crawl.extract import extract_article, parse_page

STORY = (
    "<p>Die Delegation aus Teheran traf am Montag in Genf ein; über die Gespräche "
    "wurde Stillschweigen vereinbart. «Wir sind vorsichtig», sagte ein Sprecher.</p>"
)


def page(head: str = "", body: str = STORY, doctype: str = "<!DOCTYPE html>") -> str:
    head = f"<head>{head}<title>Genf</title></head>"
    return f'{doctype}\n<html lang="de">{head}<body>{body}</body></html>'


PLAIN = page().encode("utf-8")

# Pages the loader repairs or decodes otherwise: each must give the loader's tree.
REPAIRED: dict[str, bytes | str] = {
    "windows-1252": page('<meta charset="windows-1252">').encode("cp1252"),
    "latin-1 without a declaration": page().encode("latin-1"),
    "a byte-order mark": b"\xef\xbb\xbf" + PLAIN,
    "control characters": page(body=STORY.replace("Genf", "Ge\x01nf\x0b")).encode("utf-8"),
    "U+FFFE": page(body=STORY.replace("Genf", "Genf\ufffe")).encode("utf-8"),
    "an XHTML doctype": page(
        doctype='<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
    ).encode("utf-8"),
    "a self-closing html": page().replace('<html lang="de">', '<html lang="de"/>').encode(),
    "not HTML at the start": ("<div>" + STORY + "</div>").encode("utf-8"),
    "a string": page(),
}


def same_tree(a: etree._Element | None, b: etree._Element | None) -> bool:
    if a is None or b is None:
        return a is b
    return bool(etree.tostring(a) == etree.tostring(b))


def test_a_plain_utf8_page_is_parsed_without_the_loader(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    expected = utils.load_html(PLAIN)

    def loader(*args: object) -> None:
        raise AssertionError("the loader was called for a plain page")

    monkeypatch.setattr(utils, "load_html", loader)
    tree = parse_page(PLAIN)
    assert same_tree(tree, expected)
    assert tree is not None and "Stillschweigen" in tree.text_content()


@pytest.mark.parametrize("html", REPAIRED.values(), ids=REPAIRED.keys())
def test_what_the_loader_repairs_gets_the_loaders_tree(html: bytes | str) -> None:
    assert same_tree(parse_page(html), utils.load_html(html, 20_000_000))


def test_a_windows_page_keeps_its_umlauts() -> None:
    found = extract_article(REPAIRED["windows-1252"], "https://news.example/genf")
    assert found.text and "über die Gespräche" in found.text


def test_elements_get_their_class_without_a_call_to_python(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """lxml.html's parser asks a Python function for each element's class (forms get
    their own); ours asks lxml's C lookup, and extraction never needs the form classes."""
    from lxml import html as lxml_html

    def lookup(*args: object) -> None:
        raise AssertionError("lxml.html's Python class lookup was asked")

    monkeypatch.setattr(lxml_html.HtmlElementClassLookup, "lookup", lookup)
    # A page wrapped in a form (ASP.NET), which trafilatura demotes to a container.
    wrapped = page(body=f"<form id='aspnetForm'><div>{STORY}</div></form>").encode("utf-8")
    tree = parse_page(wrapped)
    assert tree is not None
    assert all(isinstance(el, lxml_html.HtmlElement) for el in tree.iter())
    monkeypatch.undo()  # readability's own fragments use lxml.html's parser
    found = extract_article(wrapped, "https://news.example/genf")
    assert found.text and "Stillschweigen" in found.text
