"""Results for scripts: JSON, JSON Lines and CSV, each written one way for every command.

The streaming writers write each row as it comes, so memory stays flat however many rows
there are (`monitor hits --format jsonl`, `monitor export`). The record builders below them
give each command's JSON its shape.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.backtest import Backtest
    from monitor.query.article import ArticleView
    from monitor.query.stats import Series
    from monitor.store.hits import ListedHit
    from monitor.store.sources import SourceRow

#: The columns of `monitor hits --format csv`.
HIT_FIELDS = [
    "id",
    "article_id",
    "watchlist",
    "matched",
    "title",
    "url",
    "source",
    "published",
    "first_seen",
    "found",
    "snippet",
    "sent_at",
    "story_id",
    "updated",
    "removed",
    "lang",
    "copies",
]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_json(value: Any, out: IO[str]) -> None:
    """One indented JSON document (a whole answer: sources, stats, an article)."""
    json.dump(value, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One JSON object per line; returns how many."""
    n = 0
    for row in rows:
        out.write(_dumps(row) + "\n")
        n += 1
    return n


def write_json_array(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON array, one object per line, written as the rows come (``[]`` when none)."""
    n = 0
    for row in rows:
        out.write(("[\n" if n == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "[]\n")
    return n


def write_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str], out: IO[str]) -> int:
    """A header, then a row per dict (a list of words joined with "; ", other lists and
    dicts as JSON; keys not in ``fields`` ignored)."""
    w = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore")
    w.writeheader()
    n = 0
    for row in rows:
        w.writerow({k: _cell(v) for k, v in row.items()})
        n += 1
    return n


def _cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, list | dict):
        return _dumps(value)
    return value


def write_rows(
    rows: Iterable[dict[str, Any]], fmt: str, fields: Sequence[str], out: IO[str]
) -> int:
    """``json`` (an array), ``jsonl`` or ``csv`` (of ``fields``); returns how many rows."""
    if fmt == "json":
        return write_json_array(rows, out)
    if fmt == "jsonl":
        return write_jsonl(rows, out)
    return write_csv(rows, fields, out)


def write_export_jsonl(
    rows: Iterable[Sequence[Any]],
    fields: Sequence[str],
    json_fields: frozenset[str],
    bool_fields: frozenset[str],
    out: IO[str],
) -> int:
    """JSON Lines from tuples whose ``json_fields`` already hold JSON text (copied through
    unparsed) and whose other values are str, int, None or (``bool_fields``) 0/1. This is
    the export's hot loop: the C string encoder per value, no dict, no parsing."""
    raw, flag, other = 0, 1, 2
    keys = [
        (json.dumps(f) + ":", raw if f in json_fields else flag if f in bool_fields else other)
        for f in fields
    ]
    quote = encode_basestring  # json's C implementation; keeps non-ASCII as is
    n = 0
    write = out.write
    for row in rows:
        items = []
        for (key, kind), value in zip(keys, row, strict=True):
            if value is None:
                items.append(key + "null")
            elif kind == raw:
                items.append(key + value)
            elif kind == flag:
                items.append(key + ("true" if value else "false"))
            elif isinstance(value, str):
                items.append(key + quote(value))
            else:
                items.append(key + str(value))
        write("{" + ",".join(items) + "}\n")
        n += 1
    return n


def write_export_csv(
    rows: Iterable[Sequence[Any]], fields: Sequence[str], bool_fields: frozenset[str], out: IO[str]
) -> int:
    """CSV from the same tuples; a list of terms becomes "a; b", other JSON stays JSON text,
    flags are true/false on every backend."""
    w = csv.writer(out)
    w.writerow(fields)
    terms = fields.index("matched") if "matched" in fields else -1
    flags = [i for i, f in enumerate(fields) if f in bool_fields]
    joined: dict[str, str] = {}  # few distinct term lists: parse each once
    n = 0
    for row in rows:
        cells = list(row)
        raw = cells[terms] if terms >= 0 else None
        if raw is not None:
            text = joined.get(raw)
            if text is None:
                text = joined[raw] = "; ".join(json.loads(raw))
                if len(joined) > 100_000:
                    joined.clear()  # flat memory whatever the data
            cells[terms] = text
        for i in flags:
            cells[i] = "true" if cells[i] else "false"
        w.writerow(cells)
        n += 1
    return n


def write_export(rows: Iterable[Sequence[Any]], fmt: str, out: IO[str]) -> int:
    """`monitor export`: rows of :data:`monitor.query.export.FIELDS` as ``csv`` or ``jsonl``."""
    from monitor.query.export import BOOL_FIELDS, FIELDS, JSON_FIELDS

    if fmt == "csv":
        return write_export_csv(rows, FIELDS, BOOL_FIELDS, out)
    return write_export_jsonl(rows, FIELDS, JSON_FIELDS, BOOL_FIELDS, out)


# The shapes of the commands' JSON and CSV.


def write_hits(rows: Iterable[ListedHit], fmt: str, out: IO[str]) -> int:
    """`monitor hits` for scripts: ``json``, ``jsonl`` or ``csv``; returns how many."""
    return write_rows((r.as_dict() for r in rows), fmt, HIT_FIELDS, out)


def write_article(view: ArticleView, out: IO[str]) -> None:
    """`monitor show --format json`."""
    write_json(view.as_dict(), out)


def write_sources(rows: Sequence[SourceRow], fmt: str, out: IO[str]) -> None:
    """`monitor sources` for scripts: ``json`` or ``csv`` (a header alone when none)."""
    records = [r.as_dict() for r in rows]
    if fmt == "json":
        write_json(records, out)
    else:
        write_csv(records, list(records[0]) if records else ["name"], out)


def write_stats(
    series: Sequence[Series],
    sources: Sequence[tuple[str, str, int]],
    every: str,
    fmt: str,
    out: IO[str],
) -> None:
    """`monitor stats` for scripts: ``json`` (series and sources) or ``csv`` (one row per
    watchlist and period)."""
    if fmt == "json":
        write_json(
            {
                "every": every,
                "watchlists": [s.as_dict() for s in series],
                "sources": [{"source": s, "watchlist": w, "hits": n} for s, w, n in sources],
            },
            out,
        )
        return
    periods = (
        {"watchlist": s.watchlist, "start": d.isoformat(), "hits": n, "spike": int(spike)}
        for s in series
        for (d, n), spike in zip(s.periods, s.spikes, strict=True)
    )
    write_csv(periods, ["watchlist", "start", "hits", "spike"], out)


def write_backtest(query: str, result: Backtest, out: IO[str]) -> None:
    """`monitor watchlists test --format json`."""
    lower = result.lower_case_only
    record = {
        "query": query,
        "scanned": result.scanned,
        "matched": result.matched,
        "terms": result.terms,
        "lower_case_only": {
            "more": lower.more,
            "fewer": lower.fewer,
            "terms": lower.terms,
            "articles": [
                {
                    "term": term,
                    "url": a.url,
                    "title": a.title,
                    "source": a.source,
                    "first_seen": a.first_seen.isoformat(),
                    "snippet": snippet.text,
                }
                for term, (a, snippet) in lower.examples.items()
            ],
        },
        "articles": [
            {
                "url": a.url,
                "title": a.title,
                "source": a.source,
                "first_seen": a.first_seen.isoformat(),
                "matched": list(h.matched),
                "snippet": h.snippet.text,
            }
            for a, h in result.examples
        ],
    }
    write_json(record, out)
