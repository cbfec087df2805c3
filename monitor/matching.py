"""Pure matching: compile watchlist queries once, find them in an article, build snippets.

The query language here is the first one promised to users: terms and "quoted phrases", any of
which may match (OR; the word ``OR`` between terms is accepted and means the same). Matching is
whole-word, case-insensitive and Unicode-aware: word boundaries hold in any script, so ``Iran``
matches "Iran's" and "Iran-Russia" but not "Iranian", and ``Иран`` works like ``Iran``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Fields searched, in the order a snippet prefers them: body text gives the best context.
FIELDS = ("title", "summary", "text")
_SNIPPET_FIELDS = ("text", "summary", "title")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r'\s*(?:"(?P<phrase>[^"]*)(?P<closed>"?)|(?P<word>[^\s"]+))')
MAX_TERMS = 1000
MAX_STORED_MATCHES = 50


class QueryError(ValueError):
    """A watchlist query that does not parse; the message marks the column."""


@dataclass(frozen=True)
class Term:
    text: str  # as written by the user, used to report what matched
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Query:
    source: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Match:
    term: str
    field: str
    start: int
    end: int


@dataclass(frozen=True)
class Snippet:
    """Plain text with the character ranges to highlight; rendering escapes it."""

    text: str
    highlights: tuple[tuple[int, int], ...]

    def segments(self) -> list[tuple[str, bool]]:
        """The snippet as (text, highlighted) pieces, ready for a template."""
        out: list[tuple[str, bool]] = []
        pos = 0
        for start, end in self.highlights:
            if start > pos:
                out.append((self.text[pos:start], False))
            out.append((self.text[start:end], True))
            pos = end
        if pos < len(self.text):
            out.append((self.text[pos:], False))
        return out


@dataclass(frozen=True)
class Hit:
    watchlist: str
    matched: tuple[str, ...]  # distinct terms, in query order
    matches: tuple[Match, ...]
    snippet: Snippet


def _term_pattern(text: str) -> re.Pattern[str]:
    words = text.split()
    body = r"\s+".join(re.escape(w) for w in words)
    # Lookarounds instead of \b: \b is undefined next to a non-word character such as the
    # dot in "U.S." and would then refuse a match at a real boundary.
    prefix = r"(?<!\w)" if re.match(r"\w", words[0][0]) else ""
    suffix = r"(?!\w)" if re.match(r"\w", words[-1][-1]) else ""
    return re.compile(prefix + body + suffix, re.IGNORECASE)


def compile_query(text: str) -> Query:
    """Parse a query; raise QueryError with the column of the problem."""
    if _CONTROL.search(text):
        col = _CONTROL.search(text).start() + 1  # type: ignore[union-attr]
        raise QueryError(f"control character at column {col}")
    terms: list[Term] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing whitespace is left
            break
        column = m.start() + len(m.group(0)) - len(m.group(0).lstrip()) + 1
        if m.group("phrase") is not None:
            if not m.group("closed"):
                raise QueryError(f'missing closing " for the phrase at column {column}')
            phrase = " ".join(m.group("phrase").split())
            if not phrase:
                raise QueryError(f"empty phrase at column {column}")
            terms.append(Term(phrase, _term_pattern(phrase)))
        elif m.group("word") is not None and m.group("word") != "OR":
            word = m.group("word")
            terms.append(Term(word, _term_pattern(word)))
        pos = m.end()
    if not terms:
        raise QueryError('empty query: give at least one term or "quoted phrase"')
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many terms ({len(terms)}; at most {MAX_TERMS})")
    return Query(text, tuple(terms))


class Matcher:
    """All watchlists compiled once per crawl; ``match`` is then called per article."""

    def __init__(self, watchlists: Mapping[str, str]) -> None:
        self.queries = {name: compile_query(q) for name, q in watchlists.items()}

    def match(self, fields: Mapping[str, str | None]) -> list[Hit]:
        hits = []
        for name, query in self.queries.items():
            matches = list(find_matches(query, fields))
            if matches:
                hits.append(build_hit(name, query, matches, fields))
        return hits


def find_matches(query: Query, fields: Mapping[str, str | None]) -> Iterable[Match]:
    for field in FIELDS:
        value = fields.get(field) or ""
        if not value:
            continue
        for term in query.terms:
            for m in term.pattern.finditer(value):
                yield Match(term.text, field, m.start(), m.end())


def build_hit(
    name: str, query: Query, matches: Sequence[Match], fields: Mapping[str, str | None]
) -> Hit:
    found = {m.term for m in matches}
    matched = tuple(t.text for t in query.terms if t.text in found)
    ordered = sorted(matches, key=lambda m: (FIELDS.index(m.field), m.start))
    return Hit(
        watchlist=name,
        matched=tuple(dict.fromkeys(matched)),
        matches=tuple(ordered[:MAX_STORED_MATCHES]),
        snippet=make_snippet(ordered, fields),
    )


def make_snippet(
    matches: Sequence[Match], fields: Mapping[str, str | None], width: int = 220
) -> Snippet:
    """Keyword in context around the first match of the preferred field, cut at word
    boundaries, with every match inside the window highlighted."""
    field = next(f for f in _SNIPPET_FIELDS if any(m.field == f for m in matches))
    text = fields.get(field) or ""
    in_field = sorted((m for m in matches if m.field == field), key=lambda m: m.start)
    first = in_field[0]
    room = max(0, width - (first.end - first.start))
    start = max(0, first.start - room // 3)
    end = min(len(text), first.end + room - (first.start - start))
    if start > 0:  # cut at a word boundary
        space = text.find(" ", start, first.start)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", first.end, end)
        end = space if space != -1 else end
    # Build the snippet piece by piece so whitespace can be collapsed without losing the
    # highlight offsets.
    pieces: list[tuple[str, bool]] = []
    pos = start
    for m in in_field:
        if m.start < pos or m.end > end:
            continue
        pieces.append((text[pos : m.start], False))
        pieces.append((text[m.start : m.end], True))
        pos = m.end
    pieces.append((text[pos:end], False))
    out = "…" if start > 0 else ""
    highlights = []
    for piece, marked in pieces:
        piece = re.sub(r"\s+", " ", piece)
        if marked:
            highlights.append((len(out), len(out) + len(piece)))
        out += piece
    if end < len(text):
        out += "…"
    return Snippet(out, tuple(highlights))
