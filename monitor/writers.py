"""Streaming writers for results of any size: JSON Lines, one JSON array, CSV. Each row is
written as it comes, so memory stays flat however many rows there are."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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


def write_export_jsonl(
    rows: Iterable[Sequence[Any]], fields: Sequence[str], json_fields: frozenset[str], out: IO[str]
) -> int:
    """JSON Lines from tuples whose ``json_fields`` already hold JSON text (copied through
    unparsed: this is the export's hot loop)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    parts = [(json.dumps(f) + ":", f in json_fields) for f in fields]
    n = 0
    write = out.write
    for row in rows:
        items = []
        for (key, raw), value in zip(parts, row, strict=True):
            if value is None:
                items.append(key + "null")
            elif raw:
                items.append(key + value)
            else:
                items.append(key + encode(value))
        write("{" + ",".join(items) + "}\n")
        n += 1
    return n


def write_export_csv(rows: Iterable[Sequence[Any]], fields: Sequence[str], out: IO[str]) -> int:
    """CSV from the same tuples; a list of terms becomes "a; b", other JSON stays JSON text."""
    w = csv.writer(out)
    w.writerow(fields)
    terms = fields.index("matched") if "matched" in fields else -1
    n = 0
    for row in rows:
        if terms >= 0 and row[terms] is not None:
            row = list(row)
            row[terms] = "; ".join(json.loads(row[terms]))
        w.writerow(row)
        n += 1
    return n
