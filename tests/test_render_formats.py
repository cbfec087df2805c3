"""Pure: the streaming writers give valid JSON Lines, JSON and CSV for any text."""

from __future__ import annotations

import csv
import io
import json

from monitor.render.formats import (
    write_csv,
    write_export_csv,
    write_export_jsonl,
    write_json_array,
    write_jsonl,
)

NASTY = 'a "quote", a \\ backslash,\nnew line, \t tab, \u2028 separator, Иран, ایران, 🚀'
FIELDS = ("id", "title", "matched", "updated", "story_id")


def test_export_jsonl_copies_json_through_and_escapes_the_rest() -> None:
    rows = [(1, NASTY, '["Iran", "Иран"]', 1, None), (2, "", "[]", 0, 7)]
    out = io.StringIO()
    assert (
        write_export_jsonl(rows, FIELDS, frozenset({"matched"}), frozenset({"updated"}), out) == 2
    )
    # JSON Lines rows end at "\n" only (U+2028 inside a string is valid JSON, and stays).
    first, second = (json.loads(line) for line in out.getvalue().rstrip("\n").split("\n"))
    assert first == {
        "id": 1,
        "title": NASTY,
        "matched": ["Iran", "Иран"],
        "updated": True,
        "story_id": None,
    }
    assert second["updated"] is False and second["story_id"] == 7
    assert out.getvalue().count("\n") == 2  # a newline in text never splits a row


def test_export_csv_joins_terms_and_spells_flags() -> None:
    out = io.StringIO()
    write_export_csv(
        [(1, NASTY, '["Iran", "Tehran"]', True, None)], FIELDS, frozenset({"updated"}), out
    )
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row == {
        "id": "1",
        "title": NASTY,
        "matched": "Iran; Tehran",
        "updated": "true",
        "story_id": "",
    }


def test_json_array_jsonl_and_csv_of_dicts() -> None:
    rows = [
        {"a": NASTY, "terms": ["x", "y"], "spans": [[0, 1]]},
        {"a": None, "terms": [], "spans": []},
    ]
    out = io.StringIO()
    assert write_json_array(iter(rows), out) == 2 and json.loads(out.getvalue()) == rows
    empty = io.StringIO()
    assert write_json_array(iter([]), empty) == 0 and json.loads(empty.getvalue()) == []
    lines = io.StringIO()
    write_jsonl(rows, lines)
    assert [json.loads(x) for x in lines.getvalue().rstrip("\n").split("\n")] == rows
    table = io.StringIO()
    write_csv(rows, ["a", "terms", "spans"], table)
    first = next(csv.DictReader(io.StringIO(table.getvalue())))
    assert first == {"a": NASTY, "terms": "x; y", "spans": "[[0,1]]"}
