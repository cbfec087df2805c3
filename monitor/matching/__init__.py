"""Matching: parse watchlist queries, scan article text once, evaluate, build snippets."""

from monitor.matching.engine import Matcher
from monitor.matching.parse import FIELDS, MAX_TERMS, QueryError, parse_query
from monitor.matching.snippet import Hit, Match, Snippet, make_snippet

__all__ = [
    "FIELDS",
    "MAX_TERMS",
    "Hit",
    "Match",
    "Matcher",
    "QueryError",
    "Snippet",
    "make_snippet",
    "parse_query",
]
