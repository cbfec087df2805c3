"""trafilatura's XPaths, rewritten to select the same elements at a fraction of the cost.

trafilatura finds boilerplate with XPaths such as
``.//*[self::div or self::section][re:test(@class, '^[Cc]omment(?!ary)|post-comments')]``.
On real news pages (about 1,100 elements each) evaluating them took about a sixth of an
extraction worker's CPU, for two reasons, each rewritten away here:

- lxml answers ``re:test`` by calling a Python function for every element the step reaches,
  even one without the attribute: 1-3 µs a call, where libxml2's own tests cost nanoseconds.
  ``re:test(@a, R)`` becomes ``((G) and re:test(@a, R))`` (``guard``), where every match of
  R implies G, and libxml2 evaluates ``and`` from the left: the callback runs only where G
  holds. G is, where it takes few tests (``MAX_TESTS``), the ``contains()`` of R's
  "needles", literal strings one of which every match of R contains (``omment`` above;
  read from R's parse by ``needles``); else, when R cannot match an empty string, the
  attribute's presence (lxml tests a missing attribute as ""). A call neither applies to
  keeps its plain ``re:test``.
- ``.//*[self::div or self::section]`` tests a predicate on every node of the page, where
  ``(.//div|.//section)`` walks the names' steps (``by_names``): the same elements in
  document order, half the time, wherever no positional predicate follows in the step.

``install`` puts the rewritten expressions in trafilatura's modules: on the 250 real pages
of the benchmark corpus the same text, 3-4 ms a page less (benchmarks/README.md, session
14). tests/test_xpath_guards.py checks that each rewritten expression selects what
trafilatura's does, on generated pages and on ours.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

REGEXP_NS = "http://exslt.org/regular-expressions"
# re:test(<attributes>, '<regex>'[, '<flags>']): attributes as @a or @a|@b.
_CALL = re.compile(
    r"re:test\(\s*(?P<attrs>@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,\s*'(?P<regex>[^']*)'"
    r"(?P<flags>\s*,\s*'[^']*')?\s*\)"
)
# More contains() tests than this cost more than the callback they spare (libxml2 makes
# a string of the attribute for each): trafilatura's long lists of class names are only
# guarded by the attribute's presence.
MAX_TESTS = 6
_lock = threading.Lock()
_installed = False
# Where trafilatura holds an expression we guard: (a list or module, index or name,
# trafilatura's expression, ours).
_places: list[tuple[Any, Any, Any, Any]] = []


def needles(pattern: str) -> frozenset[str] | None:
    """Literal strings one of which every match of ``pattern`` contains (case-sensitive),
    or None when the pattern gives none worth testing for (a branch without a literal run
    of two characters, inline flags, or a Python whose ``re`` parser is elsewhere)."""
    try:  # the parser of Python's own re (3.11-3.13); without it, no needles
        from re import _constants, _parser  # type: ignore[attr-defined]  # noqa: F401
    except ImportError:
        return None
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    found = _required(list(parsed))
    if found:  # a needle that holds another is found only where that one is
        found = frozenset(n for n in found if not any(m != n and m in n for m in found))
    return found


def _required(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Needles of a sequence: its longest run of literal characters, or else the needles
    of one group or alternation it cannot match without."""
    from re import _constants as c  # type: ignore[attr-defined]

    runs: list[str] = []
    run: list[str] = []
    groups: list[frozenset[str]] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        runs.append("".join(run))
        run = []
        found: frozenset[str] | None = None
        if op is c.BRANCH:
            found = _branch(av[1])
        elif op is c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                found = _required(list(sub))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if low >= 1:
                found = _required(list(sub))
        if found:
            groups.append(found)
    runs.append("".join(run))
    best = max(runs, key=len)
    if len(best) >= 2:
        return frozenset((best,))
    # Of the groups, the one whose shortest needle is longest: the most selective test.
    usable = [g for g in groups if min(map(len, g)) >= 2]
    return max(usable, key=lambda g: min(map(len, g))) if usable else None


def _branch(alternatives: Iterable[Any]) -> frozenset[str] | None:
    """Needles of an alternation: each alternative's (None if one has none)."""
    found: set[str] = set()
    for alternative in alternatives:
        sub = _required(list(alternative))
        if sub is None:
            return None
        found |= sub
    return frozenset(found)


def guard(path: str) -> str:
    """``path`` with each ``re:test`` call behind a cheaper test its match implies: the
    ``contains()`` of its needles, or else (many needles, or a case-insensitive match) the
    attribute's presence, where the expression cannot match an empty value."""

    def rewrite(call: re.Match[str]) -> str:
        flags = (call["flags"] or "").split(",", 1)[-1].strip().strip("'")
        if flags not in ("", "i"):
            return call[0]
        try:
            matches_empty = re.search(call["regex"], "", re.IGNORECASE if flags else 0)
        except re.error:
            return call[0]
        attrs = [a.strip() for a in call["attrs"].split("|")]
        found = None if flags else needles(call["regex"])
        if found and len(attrs) * len(found) <= MAX_TESTS and all("'" not in n for n in found):
            tests = " or ".join(f"contains({a}, '{n}')" for a in attrs for n in sorted(found))
        elif not matches_empty:  # lxml tests a missing attribute as ""
            tests = " or ".join(attrs)
        else:
            return call[0]
        return f"(({tests}) and {call[0]})"

    return _CALL.sub(rewrite, path)


# A path that begins with a step over all descendants filtered by their names:
# ``.//*[self::div or self::section]``, alone or in brackets (``(.//*[...][...])[1]``).
_NAMED_STEP = re.compile(
    r"^\s*(?P<open>\(\s*)?\.//\*\[\s*(?P<names>(?:self::[\w-]+\s+or\s+)*self::[\w-]+)\s*\]"
)
_POSITIONAL = re.compile(r"\[\s*\d|position\(\)|last\(\)")


def by_names(path: str) -> str:
    """``path`` with its first step ``.//*[self::a or self::b]`` as ``(.//a|.//b)``: the same
    elements, in document order, found by libxml2's name index of each step instead of a
    predicate tested on every node (0.3 against 0.6 ms a real page). Only where no
    positional predicate follows in that step (``[1]`` would then count the union)."""
    m = _NAMED_STEP.match(path)
    if not m:
        return path
    rest = path[m.end() :]
    if m["open"]:  # (.//*[...]...)[1]...: the step ends at the matching bracket
        end = _closing(rest)
        if end is None:
            return path
        step, after = rest[:end], rest[end:]
    else:
        step, after = rest, ""
    if _POSITIONAL.search(step):
        return path
    names = [n.strip()[len("self::") :] for n in m["names"].split(" or ")]
    union = "(" + "|".join(f".//{name}" for name in names) + ")"
    return f"{m['open'] or ''}{union}{step}{after}"


def _closing(text: str) -> int | None:
    """Index of the bracket that closes one opened before ``text`` (quoted strings skipped)."""
    depth, quote = 1, ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _guarded(expression: Any) -> Any:
    """The expression rewritten by ``guard`` and ``by_names``, or itself where nothing
    changes, or where the rewrite does not compile (an expression of a later trafilatura
    these rewrites do not foresee: it keeps working, at its own cost)."""
    from lxml.etree import XPath, XPathError

    path = getattr(expression, "path", None)
    if not isinstance(expression, XPath) or not path:
        return expression
    new = by_names(guard(path))
    if new == path:
        return expression
    try:
        return XPath(new, namespaces={"re": REGEXP_NS})
    except XPathError:
        log.warning("trafilatura's expression kept as it is: %s", " ".join(path.split()))
        return expression


def install() -> None:
    """Put the guarded expressions in trafilatura's modules (idempotent): in the lists its
    modules share, in place, and where a module holds a single expression by name."""
    global _installed
    if _installed:  # each extraction asks: no lock once done
        return
    with _lock:
        if _installed:
            return
        if not _places:
            _find_places()
        for container, key, _old, new in _places:
            _put(container, key, new)
        _installed = True
        log.debug("guarded %d of trafilatura's XPaths", len(installed()))


def uninstall() -> None:
    """trafilatura's own expressions back (benchmarks compare against it)."""
    global _installed
    with _lock:
        for container, key, old, _new in _places:
            _put(container, key, old)
        _installed = False


def installed() -> list[tuple[Any, Any]]:
    """The expressions ``install`` replaces: (trafilatura's, ours) pairs."""
    pairs: dict[int, tuple[Any, Any]] = {}
    for _container, _key, old, new in _places:
        pairs.setdefault(id(old), (old, new))
    return list(pairs.values())


def _put(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, list):
        container[key] = value
    else:
        setattr(container, key, value)


def _find_places() -> None:
    import sys

    import trafilatura  # noqa: F401  (all its modules, holding their expressions)
    from lxml.etree import XPath

    modules = [m for n, m in list(sys.modules.items()) if n.split(".")[0] == "trafilatura"]
    # Each expression rewritten once, wherever it is held (a list and a module's name).
    ours: dict[int, Any] = {}

    def rewritten(expression: Any) -> Any:
        if id(expression) not in ours:
            ours[id(expression)] = _guarded(expression)
        return ours[id(expression)]

    lists: dict[int, list[Any]] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, list) and any(isinstance(e, XPath) for e in value):
                lists[id(value)] = value
    for value in lists.values():
        for i, expression in enumerate(value):
            new = rewritten(expression)
            if new is not expression:
                _places.append((value, i, expression, new))
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, XPath):
                new = rewritten(value)
                if new is not value:
                    _places.append((module, name, value, new))
