"""A plain evaluator of the same language: one regex per term per field, no automaton.

It is the yardstick the fast matcher is tested against (property tests) and measured
against (benchmarks/matching): simple enough to be obviously right, too slow for a crawl.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from monitor.matching.fold import fold_char
from monitor.matching.parse import And, Near, Node, Not, Or, Source, Term

_WORDS = re.compile(r"\w+")


def slow_fold(text: str) -> str:
    return "".join(fold_char(c) for c in text)


def term_regex(term: Term) -> re.Pattern[str]:
    words = term.words if term.case else [slow_fold(w) for w in term.words]
    body = r"\s+".join(re.escape(w) for w in words)
    head = r"(?<!\w)" if re.match(r"\w", words[0][0]) else ""
    if term.prefix:
        tail = r"\w*"
    else:
        tail = r"(?!\w)" if re.match(r"\w", words[-1][-1]) else ""
    return re.compile(head + body + tail)


def evaluate(node: Node, fields: Mapping[str, str | None], source: str | None = None) -> bool:
    """Whether the article (its fields and source name) matches the query."""
    return _value(node, fields, source)


def _texts(term: Term, fields: Mapping[str, str | None]) -> list[tuple[str, str]]:
    out = []
    for f in term.fields:
        text = fields.get(f) or ""
        out.append((f, text if term.case else slow_fold(text)))
    return out


def _term_spans(term: Term, fields: Mapping[str, str | None]) -> list[tuple[str, int, int]]:
    pattern = term_regex(term)
    return [(f, m.start(), m.end()) for f, t in _texts(term, fields) for m in pattern.finditer(t)]


def _value(node: Node, fields: Mapping[str, str | None], source: str | None) -> bool:
    if isinstance(node, Term):
        return bool(_term_spans(node, fields))
    if isinstance(node, Source):
        return (source or "").casefold() == node.name.casefold()
    if isinstance(node, Not):
        return not _value(node.child, fields, source)
    if isinstance(node, And):
        return all(_value(c, fields, source) for c in node.children)
    if isinstance(node, Or):
        return any(_value(c, fields, source) for c in node.children)
    assert isinstance(node, Near)
    return bool(_near_pairs(node, fields))


def _operand_spans(node: Node, fields: Mapping[str, str | None]) -> list[tuple[str, int, int]]:
    if isinstance(node, Term):
        return _term_spans(node, fields)
    assert isinstance(node, Or)
    return [s for c in node.children for s in _operand_spans(c, fields)]


def _near_pairs(node: Near, fields: Mapping[str, str | None]) -> list[tuple[int, int]]:
    pairs = []
    for fa, sa, ea in _operand_spans(node.left, fields):
        for fb, sb, eb in _operand_spans(node.right, fields):
            if fa != fb:
                continue
            folded = slow_fold(fields.get(fa) or "")
            lo_end, hi_start = (ea, sb) if sa <= sb else (eb, sa)
            between = folded[lo_end:hi_start] if hi_start > lo_end else ""
            if len(_WORDS.findall(between)) <= node.distance:
                pairs.append((sa, sb))
    return pairs
