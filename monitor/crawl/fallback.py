"""trafilatura's readability fallback, not run where it cannot change the result.

After its own extraction, trafilatura (2.x) runs readability-lxml on a copy of every page
and keeps readability's text only when ``_prefer_readability`` says so: when its own text
is empty or structurally deficient (no paragraph text, more tables than paragraphs), or
readability's is more than twice as long. On real news pages readability took about a
fifth of a worker's CPU (10 ms of 48 a page) and changed the text of 10 pages in 250.

Readability's text is part of the page's text: it first drops scripts, styles and the
elements its class/id rule calls unlikely (menus, footers, sidebars, comments...), then
only drops, moves or wraps nodes (a video ``<iframe>`` gets the word "VIDEO"). So its
length after trafilatura's whitespace trim is at most ``text_bound(page)``, the length of
the text those two steps leave. Where ``_prefer_readability`` refuses readability even at
that length, readability is not run, and the result is the one trafilatura would have
given: the same text on all 250 real pages of the benchmark corpus, with readability
skipped on about three pages in four (`benchmarks/realweb/stages.py`); tests/test_fallback.py
checks it on generated pages.

The comparison reads a copy of the raw page that trafilatura makes for readability, which
changes what it reads (0.7 ms a real page). Where readability is not run that copy is not
needed: on the trafilatura this was written for, its three-line ``_extract_and_compare`` is
replaced by ours, which copies the page only where readability runs (or precision mode
prunes it). On another trafilatura, whose function reads otherwise, it is left as it is.

This wraps trafilatura internals (``core.compare_extraction``, ``core._extract_and_compare``,
``external.try_readability``, ``external._prefer_readability``): ``install`` checks they
exist (and the source of the one it replaces) and leaves trafilatura as it is otherwise; the
tests fail if a trafilatura release changes them.
"""

from __future__ import annotations

import copy
import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

_NO_TEXT = frozenset(("script", "style"))  # readability drops them (and their text) first
_VIDEO = len("VIDEO")  # what readability writes into a video iframe
_skipping = threading.local()  # set while trafilatura compares without readability
_installed: tuple[Any, Any, Any] | None = None  # trafilatura's compare, readability, stages 1-2

#: trafilatura 2.3's ``core._extract_and_compare`` (its words: compared with whitespace
#: collapsed), which ``_extract_and_compare`` replaces only where trafilatura's reads so.
_STAGES_SOURCE = (
    "def _extract_and_compare( cleaned_tree: HtmlElement, cleaned_tree_backup: HtmlElement,"
    " tree: HtmlElement, options: Extractor ) -> tuple[_Element, str]:"
    ' "Cascade stages 1-2: main extractor, then the external comparison unless in fast mode."'
    " postbody, temp_text = extract_content(cleaned_tree, options)"
    " if not options.fast:"
    " postbody, temp_text = compare_extraction(cleaned_tree_backup, copy(tree), postbody,"
    " temp_text, options)"
    " return postbody, temp_text"
)


def text_bound(page: HtmlElement) -> int:
    """An upper bound of the length of readability's trimmed text for ``page`` (the tree
    readability reads): the trimmed length of the text it keeps after its first two steps,
    dropping scripts and styles, then the "unlikely candidates" (elements whose class or id
    says menu, footer, sidebar, comments...: its own rule and expressions)."""
    from lxml import etree
    from trafilatura.readability_lxml import FRAME_TAGS, REGEXES

    unlikely = REGEXES["unlikelyCandidatesRe"].search
    maybe = REGEXES["okMaybeItsACandidateRe"].search
    verdicts: dict[str, bool] = {}
    parts: list[str] = []
    add = parts.append
    videos = 0
    walk = etree.iterwalk(page, events=("start", "end"))
    for event, el in walk:
        if event == "end":  # the text after an element, once its own is in
            if el.tail:
                add(el.tail)
            continue
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction: its tail only
            if el.tail:
                add(el.tail)
            walk.skip_subtree()
            continue
        names, ident = el.get("class"), el.get("id")
        if (names or ident) and el is not page and tag not in FRAME_TAGS:
            attrs = f"{names} {ident}" if names and ident else (names or ident or "")
            verdict = verdicts.get(attrs)
            if verdict is None and len(attrs) >= 2:
                low = attrs.lower()
                verdict = verdicts[attrs] = bool(unlikely(low)) and not maybe(low)
            if verdict:  # dropped with all it holds, but for its tail
                if el.tail:
                    add(el.tail)
                walk.skip_subtree()
                continue
        if tag == "iframe":
            videos += 1
        if el.text and tag not in _NO_TEXT:
            add(el.text)
    words = "".join(parts).split()
    return (sum(map(len, words)) + len(words) - 1 if words else 0) + _VIDEO * videos


def readability_may_win(body: Any, len_text: int, bound: int, options: Any) -> bool:
    """Whether trafilatura would prefer readability's text of some length up to ``bound``.
    Its rules only grow more willing as readability's text grows, but for "the same length
    as ours: the same text" (no), so the worst case is ``bound``, or one less."""
    from lxml.html import fragment_fromstring
    from trafilatura import external

    if bound == len_text:
        bound -= 1
    if bound <= 0:
        return False
    headed = fragment_fromstring("<div><h2>-</h2></div>")  # recall mode's "headed" rule
    return bool(external._prefer_readability(body, headed, "", len_text, bound, options))


def _compare(
    cleaned: Any, raw: Any, body: Any, text: str, options: Any, *, shared: bool = False
) -> Any:
    """trafilatura's comparison, readability run only where it may win. ``shared``: ``raw``
    is the page trafilatura goes on reading, copied here only for what changes it
    (readability, and precision mode's pruning)."""
    compare = _installed[0] if _installed else None
    assert compare is not None, "installed"
    if readability_may_win(body, len(text), text_bound(raw), options):
        return compare(cleaned, copy.copy(raw) if shared else raw, body, text, options)
    if shared and options.focus == "precision":
        raw = copy.copy(raw)
    _skipping.on = True
    try:  # trafilatura's comparison as it is (jusText included), readability empty
        return compare(cleaned, raw, body, text, options)
    finally:
        _skipping.on = False


def _extract_and_compare(
    cleaned_tree: Any, cleaned_tree_backup: Any, tree: Any, options: Any
) -> Any:
    """trafilatura's stages 1-2 (``_STAGES_SOURCE``), without the copy of ``tree``."""
    from trafilatura import core

    postbody, temp_text = core.extract_content(cleaned_tree, options)
    if not options.fast:
        postbody, temp_text = _compare(
            cleaned_tree_backup, tree, postbody, temp_text, options, shared=True
        )
    return postbody, temp_text


def _readability(page: Any) -> Any:
    readability = _installed[1] if _installed else None
    assert readability is not None, "installed"
    if getattr(_skipping, "on", False):
        from lxml.html import HtmlElement

        return HtmlElement()  # what trafilatura's own call returns when readability fails
    return readability(page)


def install() -> bool:
    """Wrap trafilatura's comparison (once a process). False where this trafilatura lacks
    the functions above: it then runs as it is."""
    global _installed
    if _installed is not None:
        return True
    from trafilatura import core, external

    compare = getattr(core, "compare_extraction", None)
    readability = getattr(external, "try_readability", None)
    try:
        from trafilatura.readability_lxml import FRAME_TAGS, REGEXES

        expressions = "unlikelyCandidatesRe" in REGEXES and "okMaybeItsACandidateRe" in REGEXES
    except ImportError:
        expressions = False
    if not (
        expressions
        and bool(FRAME_TAGS)
        and compare is getattr(external, "compare_extraction", None)
        and callable(compare)
        and callable(readability)
        and callable(getattr(external, "_prefer_readability", None))
    ):
        log.info("trafilatura's readability fallback runs on every page (unknown version)")
        return False
    stages = getattr(core, "_extract_and_compare", None)
    _installed = (compare, readability, stages)
    core.compare_extraction = _compare  # type: ignore[assignment]  # its pipeline's call
    external.try_readability = _readability  # type: ignore[assignment]  # its comparison's
    known = _words(_source(stages)) == _words(_STAGES_SOURCE)
    if known and callable(getattr(core, "extract_content", None)):
        core._extract_and_compare = _extract_and_compare
    else:
        log.info("trafilatura's comparison reads a copy of every page (unknown version)")
    return True


def _source(function: Any) -> str | None:
    import inspect

    try:
        return inspect.getsource(function)
    except (TypeError, OSError):  # not a function, or no source file
        return None


def _words(source: str | None) -> str | None:
    return " ".join(source.split()) if source is not None else None


def copy_skipped() -> bool:
    """Whether trafilatura's stages 1-2 are ours (``_extract_and_compare``)."""
    from trafilatura import core

    return getattr(core, "_extract_and_compare", None) is _extract_and_compare


def uninstall() -> None:
    """trafilatura as it was (for the tests' comparison)."""
    global _installed
    if _installed is None:
        return
    from trafilatura import core, external

    core.compare_extraction, external.try_readability, stages = _installed
    if stages is not None:
        core._extract_and_compare = stages
    _installed = None
