"""A plain evaluator of the same language: one regex per term per field, no automaton.

It is the yardstick the fast matcher is tested against (property tests) and measured
against (benchmarks/matching): simple enough to be obviously right, too slow for a crawl.
The proper-noun rule (``proper.py``) is checked on each regex match, at the start of each
word, which the regex captures as a group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from monitor.matching.fold import fold_char
from monitor.matching.parse import And, Lang, Near, Node, Not, Or, Source, Term
from monitor.matching.proper import capital_offset, is_capital

_WORDS = re.compile(r"\w+")


def slow_fold(text: str) -> str:
    return "".join(fold_char(c) for c in text)


def term_regex(term: Term) -> re.Pattern[str]:
    words = term.words if term.case else [slow_fold(w) for w in term.words]
    body = r"\s+".join(f"({re.escape(w)})" for w in words)  # a group per word: its start
    head = r"(?<!\w)" if re.match(r"\w", words[0][0]) else ""
    if term.prefix:
        tail = r"\w*"
    else:
        tail = r"(?!\w)" if re.match(r"\w", words[-1][-1]) else ""
    return re.compile(head + body + tail)


def evaluate(
    node: Node,
    fields: Mapping[str, str | None],
    source: str | None = None,
    *,
    proper_nouns: bool = True,
    lang: str | None = None,
) -> bool:
    """Whether the article (its fields and source name) matches the query;
    ``proper_nouns=False``: the rule off, as in ``Matcher.match_with_any_case``."""
    return _Reference(fields, source, proper_nouns, lang).value(node)


def term_spans(
    term: Term, fields: Mapping[str, str | None], *, proper_nouns: bool = True
) -> list[tuple[str, int, int]]:
    """Where the term matches: (field, start, end), field by field, in text order."""
    return _Reference(fields, None, proper_nouns).term_spans(term)


def _keeps_rule(term: Term, text: str, m: re.Match[str]) -> bool:
    """Whether every capitalised word of the term is capitalised in the text."""
    for i, word in enumerate(term.words):
        offset = capital_offset(word)
        if offset is not None and not is_capital(text[m.start(i + 1) + offset]):
            return False
    return True


class _Reference:
    def __init__(
        self,
        fields: Mapping[str, str | None],
        source: str | None,
        proper_nouns: bool,
        lang: str | None = None,
    ) -> None:
        self.fields = fields
        self.lang = lang
        self.source = source
        self.proper_nouns = proper_nouns

    def term_spans(self, term: Term) -> list[tuple[str, int, int]]:
        pattern = term_regex(term)
        rule = self.proper_nouns and not term.case
        out = []
        for f in term.fields:
            text = self.fields.get(f) or ""
            searched = text if term.case else slow_fold(text)
            # Every match, overlapping ones too ("white white" twice in "white white white"):
            # when the rule drops one, an overlapping one may keep it.
            m = pattern.search(searched)
            while m:
                if not rule or _keeps_rule(term, text, m):
                    out.append((f, m.start(), m.end()))
                m = pattern.search(searched, m.start() + 1)
        return out

    def value(self, node: Node) -> bool:
        if isinstance(node, Term):
            return bool(self.term_spans(node))
        if isinstance(node, Source):
            return (self.source or "").casefold() == node.name.casefold()
        if isinstance(node, Lang):
            return (self.lang or "").lower() == node.code
        if isinstance(node, Not):
            return not self.value(node.child)
        if isinstance(node, And):
            return all(self.value(c) for c in node.children)
        if isinstance(node, Or):
            return any(self.value(c) for c in node.children)
        assert isinstance(node, Near)
        return bool(self.near_pairs(node))

    def operand_spans(self, node: Node) -> list[tuple[str, int, int]]:
        if isinstance(node, Term):
            return self.term_spans(node)
        assert isinstance(node, Or)
        return [s for c in node.children for s in self.operand_spans(c)]

    def near_pairs(self, node: Near) -> list[tuple[int, int]]:
        fields = self.fields
        pairs = []
        for fa, sa, ea in self.operand_spans(node.left):
            for fb, sb, eb in self.operand_spans(node.right):
                if fa != fb:
                    continue
                folded = slow_fold(fields.get(fa) or "")
                lo_end, hi_start = (ea, sb) if sa <= sb else (eb, sa)
                between = folded[lo_end:hi_start] if hi_start > lo_end else ""
                if len(_WORDS.findall(between)) <= node.distance:
                    pairs.append((sa, sb))
        return pairs
