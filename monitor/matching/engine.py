"""The matcher: all watchlists compiled once, each text folded and scanned once.

One Aho-Corasick automaton (pyahocorasick) holds every word of every query, folded. A scan
of a field finds all of them in one pass; matches inside a longer word are dropped by a
word-boundary check. A capitalised query word keeps only the matches whose text is
capitalised there too (the proper-noun rule, ``proper.py``). The boolean trees are then
evaluated on what was found, per watchlist, only for watchlists that could match.
Case-sensitive terms (rare) use their own regex.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ahocorasick

from monitor.matching.fold import fold, is_word_char
from monitor.matching.parse import (
    FIELDS,
    And,
    Lang,
    Near,
    Node,
    Not,
    Or,
    Source,
    Term,
    parse_query,
)
from monitor.matching.proper import capital_offset, keeps_rule
from monitor.matching.snippet import Hit, Match, make_snippet

_WORD_TAIL = re.compile(r"\w*")
_GAP = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")

Span = tuple[str, str, int, int]  # term as written, field, start, end


@dataclass
class _Key:
    exact: bool = False
    prefix: bool = False


@dataclass
class _Field:
    """What one scan of one field found."""

    text: str
    folded: str
    exact: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    prefix: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _starts: dict[str, dict[int, int]] = field(default_factory=dict)

    def starts(self, key: str) -> dict[int, int]:
        got = self._starts.get(key)
        if got is None:
            got = self._starts[key] = dict(self.exact.get(key, ()))
        return got


def _case_pattern(term: Term) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in term.words)
    head = r"(?<!\w)" if is_word_char(term.words[0][0]) else ""
    tail = r"\w*" if term.prefix else (r"(?!\w)" if is_word_char(term.words[-1][-1]) else "")
    return re.compile(head + body + tail)


def _needs_term(node: Node) -> bool:
    """Whether the tree can only match when one of its terms is present."""
    if isinstance(node, Term | Near):
        return True
    if isinstance(node, Source | Lang | Not):
        return False
    if isinstance(node, And):
        return any(_needs_term(c) for c in node.children)
    return all(_needs_term(c) for c in node.children)


class Matcher:
    """Compile once per crawl; ``match`` once per article."""

    def __init__(
        self, watchlists: Mapping[str, str], lists: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.trees: dict[str, Node] = {n: parse_query(q, lists) for n, q in watchlists.items()}
        self.keys: dict[str, _Key] = {}
        self.case_patterns: dict[Term, re.Pattern[str]] = {}
        # Folded words per term, computed once; keyed by id(): the trees keep the terms
        # alive, and hashing a frozen dataclass on every lookup costs more than the lookup.
        self.term_keys: dict[int, tuple[str, ...]] = {}
        # Per term with a capitalised word, per word: the offset of the letter the text must
        # capitalise, or None. Terms without one are not in it (the common, free case).
        self.term_caps: dict[int, tuple[int | None, ...]] = {}
        self.by_key: dict[str, set[str]] = {}  # folded word -> watchlists that use it
        self.always: list[str] = []  # watchlists that may match without any term
        # Terms in query order, to report what matched in the order the user wrote it.
        self.order: dict[str, dict[str, int]] = {n: {} for n in self.trees}
        for n, tree in self.trees.items():
            for i, t in enumerate(_terms(tree)):
                self.order[n].setdefault(t.text, i)
        for name, tree in self.trees.items():
            for term in _terms(tree):
                if term.case:
                    self.case_patterns[term] = _case_pattern(term)
                    self.always.append(name)
                    continue
                self.term_keys[id(term)] = tuple(fold(w) for w in term.words)
                caps = tuple(capital_offset(w) for w in term.words)
                if any(k is not None for k in caps):
                    self.term_caps[id(term)] = caps
                for i, key in enumerate(self.term_keys[id(term)]):
                    info = self.keys.setdefault(key, _Key())
                    if term.prefix:
                        info.prefix = True
                    else:
                        info.exact = True
                    if i == 0:
                        self.by_key.setdefault(key, set()).add(name)
            if not _needs_term(tree):
                self.always.append(name)
        self.automaton = ahocorasick.Automaton()
        for key, info in self.keys.items():
            self.automaton.add_word(
                key,
                (
                    key,
                    len(key),
                    is_word_char(key[0]),
                    is_word_char(key[-1]),
                    info.exact,
                    info.prefix,
                ),
            )
        if self.keys:
            self.automaton.make_automaton()

    def scan(self, text: str) -> _Field:
        folded = fold(text)
        found = _Field(text, folded)
        if not self.keys:
            return found
        n = len(folded)
        exact, prefix = found.exact, found.prefix
        # The hot loop of a crawl's matching: one pass over every key occurrence.
        for end, (key, size, head, tail, want_exact, want_prefix) in self.automaton.iter(folded):
            start = end - size + 1
            if head and start and ((c := folded[start - 1]).isalnum() or c == "_"):
                continue  # inside a longer word
            stop = end + 1
            if want_exact and not (
                tail and stop < n and ((c := folded[stop]).isalnum() or c == "_")
            ):
                exact.setdefault(key, []).append((start, stop))
            if want_prefix:
                m = _WORD_TAIL.match(folded, stop)
                prefix.setdefault(key, []).append((start, m.end() if m else stop))
        return found

    def match(
        self,
        fields: Mapping[str, str | None],
        source: str | None = None,
        lang: str | None = None,
    ) -> list[Hit]:
        scans = {f: self.scan(fields.get(f) or "") for f in FIELDS}
        return self._hits(scans, fields, source, self.term_caps, lang)

    def match_with_any_case(
        self,
        fields: Mapping[str, str | None],
        source: str | None = None,
        lang: str | None = None,
    ) -> tuple[list[Hit], list[Hit]]:
        """``match``'s hits, and the hits with the proper-noun rule off (every term matching
        any case, as if written in lower case), from one scan: what ``monitor watchlists
        test`` compares."""
        scans = {f: self.scan(fields.get(f) or "") for f in FIELDS}
        hits = self._hits(scans, fields, source, self.term_caps, lang)
        return hits, (self._hits(scans, fields, source, {}, lang) if self.term_caps else hits)

    def _hits(
        self,
        scans: Mapping[str, _Field],
        fields: Mapping[str, str | None],
        source: str | None,
        caps: Mapping[int, tuple[int | None, ...]],
        lang: str | None = None,
    ) -> list[Hit]:
        present = {k for s in scans.values() for k in (*s.exact, *s.prefix)}
        candidates = set(self.always)
        for key in present:
            candidates |= self.by_key.get(key, set())
        hits = []
        evaluator = _Eval(self, scans, source, present, caps, lang)  # shared across watchlists
        for name in self.trees:  # configuration order
            if name not in candidates:
                continue
            spans = evaluator.eval(self.trees[name])
            if spans is not None:
                hits.append(_hit(name, self.order[name], spans, fields))
        return hits


def _terms(node: Node) -> list[Term]:
    from monitor.matching.parse import terms_of

    return terms_of(node)


class _Eval:
    """Evaluates one tree on one article's scans; a true node gives its positive spans
    (possibly none, for NOT, source: and lang:), a false one None."""

    def __init__(
        self,
        matcher: Matcher,
        scans: Mapping[str, _Field],
        source: str | None,
        present: set[str],
        caps: Mapping[int, tuple[int | None, ...]],
        lang: str | None = None,
    ) -> None:
        self.m = matcher
        self.lang = (lang or "").lower()
        self.caps = caps  # the matcher's term_caps, or none: the proper-noun rule off
        self.scans = scans
        self.source = (source or "").casefold()
        self.present = present  # folded words found in any field
        self.cache: dict[int, list[Span]] = {}

    def eval(self, node: Node) -> list[Span] | None:
        if isinstance(node, Term):
            spans = self.term(node)
            return spans or None
        if isinstance(node, Source):
            return [] if self.source == node.name.casefold() else None
        if isinstance(node, Lang):
            return [] if self.lang == node.code else None
        if isinstance(node, Not):
            return [] if self.eval(node.child) is None else None
        if isinstance(node, And):
            out: list[Span] = []
            for c in node.children:
                got = self.eval(c)
                if got is None:
                    return None
                out += got
            return out
        if isinstance(node, Or):
            found = [s for s in (self.eval(c) for c in node.children) if s is not None]
            return [x for s in found for x in s] if found else None
        return self.near(node)

    def near(self, node: Near) -> list[Span] | None:
        left, right = self.eval(node.left) or [], self.eval(node.right) or []
        out: set[Span] = set()
        for a in left:
            for b in right:
                if a[1] != b[1]:
                    continue
                first, second = (a, b) if a[2] <= b[2] else (b, a)
                gap = self.scans[a[1]].folded[first[3] : second[2]] if second[2] > first[3] else ""
                if len(_WORDS.findall(gap)) <= node.distance:
                    out.update((a, b))
        return sorted(out, key=lambda s: (s[1], s[2])) or None

    def term(self, term: Term) -> list[Span]:
        got = self.cache.get(id(term))
        if got is None:
            if not term.case and self.m.term_keys[id(term)][0] not in self.present:
                got = []
            else:
                got = [(term.text, f, s, e) for f in term.fields for s, e in self.find(term, f)]
            self.cache[id(term)] = got
        return got

    def find(self, term: Term, f: str) -> list[tuple[int, int]]:
        scan = self.scans[f]
        if term.case:
            return [m.span() for m in self.m.case_patterns[term].finditer(scan.text)]
        keys = self.m.term_keys[id(term)]
        caps = self.caps.get(id(term))
        text = scan.text
        if term.prefix or len(keys) == 1:
            spans = (scan.prefix if term.prefix else scan.exact).get(keys[0], [])
            if caps is None or not spans:
                return spans
            k = caps[0]
            assert k is not None  # a one-word term is in term_caps only if its word is
            # The proper-noun rule: the text capitalises the letter the query does
            # (is_capital, inlined: this runs once per match).
            return [sp for sp in spans if (c := text[sp[0] + k]).isupper() or c.istitle()]
        out = []
        for start, end in scan.exact.get(keys[0], []):
            for key in keys[1:]:
                gap = _GAP.match(scan.folded, end)
                nxt = scan.starts(key).get(gap.end()) if gap else None
                if nxt is None:
                    break
                end = nxt
            else:
                if caps is None or keeps_rule(term.words, text, scan.folded, start):
                    out.append((start, end))
        return out


def _hit(
    name: str, order: Mapping[str, int], spans: list[Span], fields: Mapping[str, str | None]
) -> Hit:
    unique = sorted(set(spans), key=lambda s: (FIELDS.index(s[1]), s[2], s[3]))
    matches = [Match(t, f, s, e) for t, f, s, e in unique]
    matched = tuple(sorted({m.term for m in matches}, key=lambda t: order.get(t, 0)))
    return Hit(
        watchlist=name,
        matched=matched,
        matches=tuple(matches[:50]),
        snippet=make_snippet(matches, fields),
    )
