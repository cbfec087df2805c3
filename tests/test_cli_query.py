"""`monitor hits`, `show`, `stats`, `export` and `feed` as users run them, on a real archive."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from tests.archive import HOSTILE_TITLE, Archive, build_archive
from tests.helpers import ROOT, run_monitor

pytestmark = pytest.mark.slow


@pytest.fixture
def archive(tmp_path: Path, db_url: str) -> Archive:
    return build_archive(tmp_path, db_url)


def monitor(a: Archive, *args: str) -> tuple[int, str, str]:
    r = run_monitor(*args, config=a.config)
    return r.returncode, r.stdout, r.stderr


def test_hits_formats_filters_and_pages(archive: Archive) -> None:
    code, out, err = monitor(archive, "hits", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 58 and rows[0]["title"] == HOSTILE_TITLE
    assert rows[0].keys() >= {"id", "article_id", "watchlist", "matched", "found", "story_id"}
    code, out, err = monitor(archive, "hits", "-f", "json", "-w", "iran", "--term", "tehran")
    assert len(json.loads(out)) == 14
    code, out, err = monitor(archive, "hits", "-f", "csv", "--updated")
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["title"] == "Russia cuts budget" and row["updated"] == "True"
    code, out, err = monitor(archive, "hits", "-f", "jsonl", "--search", "convoy", "--per", "story")
    assert {(json.loads(x)["article_id"], json.loads(x)["copies"]) for x in out.splitlines()} == {
        (archive.ids["wire"], 2)
    }
    code, out, err = monitor(archive, "hits", "--since", "3d", "--until", "2d", "-f", "jsonl")
    assert len(out.splitlines()) == 13
    # Pages: 20 at a time, following the cursor printed on stderr, cover every hit once.
    seen: list[int] = []
    args = ["hits", "-f", "jsonl", "-n", "20"]
    for _ in range(5):
        code, out, err = monitor(archive, *args)
        seen += [json.loads(x)["id"] for x in out.splitlines()]
        if "--after" not in err:
            break
        args = [
            "hits",
            "-f",
            "jsonl",
            "-n",
            "20",
            "--after",
            err.split("--after ")[1].split(")")[0],
        ]
    assert len(seen) == len(set(seen)) == 58
    code, out, err = monitor(archive, "hits", "-n", "5")
    assert code == 0 and "Russia cuts budget" in out
    assert "(more: add --after " in err


def test_empty_result_and_usage_errors(archive: Archive) -> None:
    for fmt, expected in (("table", ""), ("json", "[]\n"), ("jsonl", "")):
        code, out, err = monitor(archive, "hits", "-w", "nothing", "-f", fmt)
        assert (code, out) == (0, expected) and err.strip().endswith("No hits match.")
    code, out, err = monitor(archive, "hits", "--sort", "relevance")
    assert code == 1 and "needs a full-text search" in err
    code, out, err = monitor(archive, "hits", "--after", "bogus")
    assert code == 2 and "not a cursor" in err


def test_show_by_id_and_by_any_url(archive: Archive) -> None:
    code, out, err = monitor(archive, "show", str(archive.ids["wire"]), "-f", "json")
    data = json.loads(out)
    assert data["title"] == "Drones strike convoy near border"
    assert {h["watchlist"] for h in data["hits"]} == {"iran", "drones"}
    assert data["hits"][0]["matches"] and [c["id"] for c in data["copies"]] == [archive.ids["copy"]]
    code, out, err = monitor(
        archive, "show", "https://www.wire.test/2026/russia-budget?utm_medium=x"
    )
    assert code == 0 and "'Russia drafts budget' -> 'Russia cuts budget'" in out
    code, out, err = monitor(archive, "show", "12345678")
    assert code == 1 and "no stored article" in err


def test_stats_marks_the_spike(archive: Archive) -> None:
    code, out, _err = monitor(archive, "stats", "-f", "json")
    data = json.loads(out)
    iran = next(w for w in data["watchlists"] if w["watchlist"] == "iran")
    spikes = [p["start"] for p in iran["periods"] if p["spike"]]
    # The 12 spike hits, and that day's daily report when the time of day puts it there.
    assert len(spikes) == 1 and max(p["hits"] for p in iran["periods"]) in (12, 13)
    assert {s["source"] for s in data["sources"]} == {"daily", "wire", "hostile"}
    code, out, _ = monitor(archive, "stats")
    assert code == 0 and "▲ " + spikes[0] in out and "busiest sources" in out
    code, out, _ = monitor(archive, "stats", "--by", "week", "-f", "csv")
    assert out.startswith("watchlist,start,hits,spike")


def test_export_csv_and_jsonl(archive: Archive, tmp_path: Path) -> None:
    target = tmp_path / "hits.jsonl"
    code, out, err = monitor(archive, "export", "-o", str(target))
    assert code == 0 and "58 hits exported" in err
    rows = [json.loads(x) for x in target.read_text().splitlines()]
    assert [r["hit_id"] for r in rows] == sorted(r["hit_id"] for r in rows)
    wire = next(
        r for r in rows if r["article_id"] == archive.ids["wire"] and r["watchlist"] == "iran"
    )
    assert wire["matched"] == ["Iran", "Tehran"] and wire["story_id"] == archive.ids["wire"]
    assert {(m["term"], m["field"]) for m in wire["matches"]} == {
        ("Iran", "text"),
        ("Tehran", "text"),
    }
    assert wire["found"].endswith("+00:00") and wire["found"][10] == "T"
    code, out, err = monitor(archive, "export", "-f", "csv", "-w", "drones")
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == 2 and table[0]["matched"] == "drone*"
    assert json.loads(table[0]["matches"])[0]["term"] == "drone*"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_into_a_closed_pipe_ends_quietly(archive: Archive, fmt: str) -> None:
    """`monitor export | head`: the reader is gone before the first row is written. The
    export ends without a traceback (its cursor closed before the session, not after)."""
    cmd = [sys.executable, "-m", "monitor", "--config", str(archive.config), "export", "-f", fmt]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "Error" not in err, err


def test_feed_to_a_file_is_valid_atom(archive: Archive, tmp_path: Path) -> None:
    target = tmp_path / "iran.atom"
    code, out, err = monitor(archive, "feed", "iran", "-o", str(target))
    assert code == 0
    parsed = feedparser.parse(target.read_bytes())
    assert parsed.bozo == 0 and parsed.feed.title == "News monitor: iran"
    assert [e.title for e in parsed.entries][:1] == [HOSTILE_TITLE]
    code, out, err = monitor(archive, "feed")
    assert feedparser.parse(out.encode()).bozo == 0
    code, out, err = monitor(archive, "feed", "nothing")
    assert code == 1 and "no watchlist named 'nothing'" in err
