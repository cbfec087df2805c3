"""`monitor watchlists test`: what a query would have caught among the stored articles,
computed on the fly and never stored (a backtest before subscribing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.matching import Hit, Matcher
from monitor.store.articles import ArticleRow, iter_articles


@dataclass
class Backtest:
    scanned: int = 0
    matched: int = 0
    examples: list[tuple[ArticleRow, Hit]] = field(default_factory=list)  # newest first
    terms: dict[str, int] = field(default_factory=dict)  # articles per matched term


def backtest(
    session: Session,
    query: str,
    lists: Mapping[str, Sequence[str]],
    *,
    since: datetime | None = None,
    keep: int = 20,
) -> Backtest:
    matcher = Matcher({"test": query}, lists)
    result = Backtest()
    for article in iter_articles(session, since):
        result.scanned += 1
        hits = matcher.match(article.fields(), source=article.source)
        if not hits:
            continue
        result.matched += 1
        for term in hits[0].matched:
            result.terms[term] = result.terms.get(term, 0) + 1
        if len(result.examples) < keep:
            result.examples.append((article, hits[0]))
    return result
