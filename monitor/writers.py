"""Streaming writers for results of any size: JSON Lines, one JSON array, CSV. Each row is
written as it comes, so memory stays flat however many rows there are."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
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
