"""`monitor watchlists test`: what a query would have caught among the stored articles,
computed on the fly and never stored (a backtest before subscribing).

It also shows what the proper-noun rule changed: a capitalised term (``Turkey``) does not
match the lower-case word ("roast turkey"), so the backtest counts the articles the query
would match with its terms written in lower case, and shows one per term, for the user to
decide which spelling they mean."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.matching import Hit, Match, Matcher, Snippet, make_snippet, parse_query
from monitor.matching.fold import fold
from monitor.matching.parse import Node, terms_of
from monitor.matching.proper import capital_offset, keeps_rule
from monitor.store.articles import ArticleRow, iter_articles


@dataclass
class LowerCaseOnly:
    """Articles where a capitalised term of the query occurs only in lower case, so that the
    query, were its terms written in lower case, would match them (``more``) or, for an
    excluded term, not match them (``fewer``)."""

    more: int = 0
    fewer: int = 0
    terms: dict[str, int] = field(default_factory=dict)  # of ``more``: articles per term
    # Per term of ``terms``: the newest such article, its lower-case occurrences highlighted.
    examples: dict[str, tuple[ArticleRow, Snippet]] = field(default_factory=dict)


@dataclass
class Backtest:
    scanned: int = 0
    matched: int = 0
    examples: list[tuple[ArticleRow, Hit]] = field(default_factory=list)  # newest first
    terms: dict[str, int] = field(default_factory=dict)  # articles per matched term
    lower_case_only: LowerCaseOnly = field(default_factory=LowerCaseOnly)


def backtest(
    session: Session,
    query: str,
    lists: Mapping[str, Sequence[str]],
    *,
    since: datetime | None = None,
    keep: int = 20,
) -> Backtest:
    matcher = Matcher({"test": query}, lists)
    compare = _Compare(parse_query(query, lists))
    result = Backtest()
    for article in iter_articles(session, since):
        result.scanned += 1
        fields = article.fields()
        hits, any_case = matcher.match_with_any_case(
            fields, source=article.source, lang=article.lang
        )
        compare.add(result.lower_case_only, article, fields, hits, any_case)
        if not hits:
            continue
        result.matched += 1
        for term in hits[0].matched:
            result.terms[term] = result.terms.get(term, 0) + 1
        if len(result.examples) < keep:
            result.examples.append((article, hits[0]))
    compare.finish(result.lower_case_only)
    return result


class _Compare:
    """The query's hits against its hits with every term matching any case (as if written in
    lower case)."""

    def __init__(self, tree: Node) -> None:
        # Capitalised terms by the text hits report them with; a case: term is exact.
        self.words = {
            t.text: t.words
            for t in terms_of(tree)
            if not t.case and any(capital_offset(w) is not None for w in t.words)
        }

    def add(
        self,
        out: LowerCaseOnly,
        article: ArticleRow,
        fields: Mapping[str, str | None],
        hits: list[Hit],
        any_case: list[Hit],
    ) -> None:
        if hits and not any_case:  # an excluded term, only in lower case
            out.fewer += 1
        if any_case and not hits:
            out.more += 1
            for term, lower in self.lower_case_only(any_case[0], fields).items():
                out.terms[term] = out.terms.get(term, 0) + 1
                if term not in out.examples:  # articles come newest first
                    out.examples[term] = (article, make_snippet(lower, fields))

    def finish(self, out: LowerCaseOnly) -> None:
        """Terms in query order (the order of ties when shown by count)."""
        out.terms = {t: out.terms[t] for t in self.words if t in out.terms}
        out.examples = {t: out.examples[t] for t in out.terms}

    def lower_case_only(self, hit: Hit, fields: Mapping[str, str | None]) -> dict[str, list[Match]]:
        """The capitalised terms the hit found only in lower case, with those matches. (A hit
        keeps its first 50 matches: in an article with more, a term whose capitalised
        occurrences all come later counts as lower case only. Rare, and only a count.)"""
        folded = {f: fold(fields.get(f) or "") for f in {m.field for m in hit.matches}}
        out: dict[str, list[Match]] = {}
        for term in hit.matched:
            words = self.words.get(term)
            if words is None:
                continue
            matches = [m for m in hit.matches if m.term == term]
            if matches and not any(
                keeps_rule(words, fields.get(m.field) or "", folded[m.field], m.start)
                for m in matches
            ):
                out[term] = matches
        return out
