"""Matching: parse watchlist queries, scan article text once, evaluate, build snippets."""

from monitor.matching.engine import Matcher
from monitor.matching.parse import FIELDS, MAX_TERMS, QueryError, parse_query
from monitor.matching.snippet import Hit, Match, Snippet, make_snippet

compile_query = parse_query  # the name the configuration and older code use

__all__ = [
    "FIELDS",
    "MAX_TERMS",
    "Hit",
    "Match",
    "Matcher",
    "QueryError",
    "Snippet",
    "compile_query",
    "make_snippet",
    "parse_query",
]
