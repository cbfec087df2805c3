"""The command line as users run it: help, hits in every format, sources, digest, db."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from monitor.demo.server import FixtureSite
from tests.helpers import db_query, feed, run_monitor, write_config

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("db_url")]


@pytest.fixture
def crawled(tmp_path: Path, site: FixtureSite) -> Path:
    config = write_config(
        tmp_path,
        feed("rss", site.url("/feeds/rss2.xml")) + feed("atom", site.url("/feeds/atom.xml")),
    )
    # rss first, then atom: the story both list then deterministically belongs to rss.
    for source in ("rss", "atom"):
        result = run_monitor("crawl", "--source", source, config=config)
        assert result.returncode == 0, result.stderr
    return config


def test_help_lists_every_command() -> None:
    result = run_monitor("--help")
    assert result.returncode == 0
    commands = ("run", "crawl", "digest", "hits", "sources", "demo", "db")
    for command in (*commands, "show", "stats", "export", "feed", "web"):
        assert f"  {command} " in result.stdout
    assert "monitor demo" in result.stdout
    hits_help = run_monitor("hits", "--help").stdout
    assert "--since WHEN" in hits_help and "--format [table|json|jsonl|csv]" in hits_help


def test_hits_json_csv_table(crawled: Path) -> None:
    data = json.loads(run_monitor("hits", "--format", "json", config=crawled).stdout)
    assert {(h["watchlist"], h["title"]) for h in data} == {
        ("iran", "Drones Cross the Caspian"),
        ("russia", "Drones Cross the Caspian"),
        ("drone-strike", "Drones Cross the Caspian"),
        ("russia", "Kremlin Unveils Next Year's Budget"),
    }
    rows = list(
        csv.DictReader(io.StringIO(run_monitor("hits", "--format", "csv", config=crawled).stdout))
    )
    assert len(rows) == 4 and rows[0].keys() >= {"watchlist", "matched", "url", "snippet"}
    table = run_monitor("hits", config=crawled).stdout
    assert "Drones Cross the Caspian" in table and "Kremlin Unveils" in table


def test_hits_filters(crawled: Path) -> None:
    def titles(*args: str) -> list[str]:
        out = run_monitor("hits", "--format", "json", *args, config=crawled).stdout
        return sorted(h["title"] for h in json.loads(out))

    assert titles("--watchlist", "russia", "--source", "atom") == [
        "Kremlin Unveils Next Year's Budget"
    ]
    assert (
        titles("--watchlist", "iran", "--watchlist", "drone-strike")
        == ["Drones Cross the Caspian"] * 2
    )
    assert len(titles("--since", "1h")) == 4
    assert titles("--since", "2999-01-01") == []
    assert len(titles("--limit", "2")) == 2


def test_no_match_exits_zero_with_a_note(crawled: Path) -> None:
    result = run_monitor("hits", "--watchlist", "nothing", config=crawled)
    assert result.returncode == 0 and result.stdout == ""
    assert result.stderr.strip().endswith("No hits match.")
    as_json = run_monitor("hits", "--watchlist", "nothing", "--format", "json", config=crawled)
    assert json.loads(as_json.stdout) == []


def test_bad_since_is_a_usage_error(crawled: Path) -> None:
    result = run_monitor("hits", "--since", "yesterday", config=crawled)
    assert result.returncode == 2
    assert "give a duration like 2d or 12h, or a date like 2026-11-01" in result.stderr


def test_sources_lists_counts(crawled: Path) -> None:
    data = json.loads(run_monitor("sources", "--format", "json", config=crawled).stdout)
    by_name = {s["name"]: s for s in data}
    assert by_name["rss"]["state"] == "ok" and by_name["rss"]["articles"] == 2
    assert by_name["rss"]["hits"] == 3 and by_name["atom"]["hits"] == 1
    assert by_name["rss"]["last_success"] is not None and by_name["rss"]["last_error"] is None


def test_digest_dry_run_then_send(crawled: Path, tmp_path: Path) -> None:
    dry = run_monitor("digest", "--dry-run", config=crawled)
    assert dry.returncode == 0
    assert dry.stdout.startswith("Subject: News monitor: 4 new hits")
    assert "*Iran*" in dry.stdout and "nothing sent or marked" in dry.stderr
    assert not (tmp_path / "outbox").exists()
    sent = run_monitor("digest", config=crawled)
    assert sent.returncode == 0 and "default: digest with 4 hits delivered to" in sent.stdout
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    empty = run_monitor("digest", config=crawled)
    assert "No new hits" in empty.stderr


def test_digest_preview_writes_html_and_marks_nothing(crawled: Path, tmp_path: Path) -> None:
    preview = run_monitor(
        "digest",
        "--preview",
        "--recipient",
        "default",
        config=crawled,
        env={"MONITOR_DATA_DIR": str(tmp_path / "data")},
    )
    assert preview.returncode == 0, preview.stderr
    path = Path(preview.stdout.strip())
    assert path == tmp_path / "data" / "preview" / "digest-default.html"
    assert "4 new hits" in path.read_text() and "<mark" in path.read_text()
    assert not (tmp_path / "outbox").exists()
    unknown = run_monitor("digest", "--preview", "--recipient", "nobody", config=crawled)
    assert unknown.returncode == 2 and "no recipient named 'nobody'" in unknown.stderr
    sent = run_monitor("digest", config=crawled)  # the preview did not mark them
    assert "digest with 4 hits delivered" in sent.stdout


def test_digest_failure_exit_code_and_message(crawled: Path) -> None:
    from tests.helpers import free_port

    crawled.write_text(
        crawled.read_text() + f'\n[smtp]\nhost = "127.0.0.1"\nport = '
        f'{free_port()}\nsecurity = "none"\n'
    )
    result = run_monitor("digest", config=crawled)
    assert result.returncode == 1
    assert "stay unsent and go out with its next digest" in result.stderr


def test_db_upgrade_status_and_out_of_date_refusal(crawled: Path, db_url: str) -> None:
    from monitor.store.engine import make_engine
    from monitor.store.migrate import downgrade, head_revision

    engine = make_engine(db_url)
    head = head_revision(engine)
    assert head is not None and head != "0001"
    status = run_monitor("db", "status", config=crawled)
    assert f"revision: {head}; this monitor needs {head}" in status.stdout
    hits_before = db_query("SELECT count(*) FROM hits")
    downgrade(engine, "0001")  # a store made by the previous version
    engine.dispose()
    refused = run_monitor("hits", config=crawled)
    assert refused.returncode == 3
    assert f"is at schema revision 0001, this monitor needs {head}" in refused.stderr
    assert "run: monitor db upgrade" in refused.stderr
    upgraded = run_monitor("db", "upgrade", config=crawled)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"migrated from 0001 to {head}" in upgraded.stdout
    assert "planner statistics refreshed" in upgraded.stdout
    assert run_monitor("hits", config=crawled).returncode == 0
    assert db_query("SELECT count(*) FROM hits") == hits_before  # nothing lost
    search = run_monitor("hits", "--search", "Baku", "--format", "json", config=crawled)
    assert len(json.loads(search.stdout)) == 3  # the search index was rebuilt


def test_db_analyze_gathers_the_planners_statistics(crawled: Path, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        stats = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'hits'"
        assert db_query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") == [(0,)]
    else:
        stats = "SELECT count(*) FROM pg_stats WHERE tablename = 'hits' AND attname = 'source_id'"
    done = run_monitor("db", "analyze", config=crawled)
    assert done.returncode == 0, done.stderr
    assert "statistics refreshed in" in done.stdout
    assert db_query(stats)[0][0] > 0


def test_python_dash_m_and_console_script_agree() -> None:
    import shutil
    import subprocess

    exe = shutil.which("monitor")
    if exe is None:
        pytest.skip("the console script is not installed (pip install -e .)")
    a = subprocess.run([exe, "--version"], capture_output=True, text=True)
    b = run_monitor("--version")
    assert a.stdout == b.stdout and "monitor, version" in a.stdout


def test_watchlists_check(crawled: Path) -> None:
    ok = run_monitor("watchlists", "check", config=crawled)
    assert ok.returncode == 0 and 'ok  drone-strike: "drone strike"' in ok.stdout
    bad = run_monitor("watchlists", "check", "NEAR/5(Iran", config=crawled)
    assert bad.returncode == 2
    assert bad.stderr == "error: missing ) at column 12\n    NEAR/5(Iran\n               ^\n"
    good = run_monitor("watchlists", "check", '"drone strike" AND Iran', config=crawled)
    assert good.returncode == 0


def test_watchlists_test_is_a_backtest_that_stores_nothing(crawled: Path, tmp_path: Path) -> None:
    before = db_query("SELECT count(*) FROM hits")
    result = run_monitor(
        "watchlists", "test", "Kremlin OR drone*", "--format", "json", config=crawled
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scanned"] == 3 and data["matched"] == 2
    assert data["terms"] == {"Kremlin": 1, "drone*": 1}
    assert sorted(a["title"] for a in data["articles"]) == [
        "Drones Cross the Caspian",
        "Kremlin Unveils Next Year's Budget",
    ]
    table = run_monitor("watchlists", "test", "source:atom", config=crawled)
    assert "source:atom: 1 of 3 stored articles match (33.3%)." in table.stdout
    after = db_query("SELECT count(*) FROM hits")
    assert before == after


def test_watchlists_test_shows_what_a_capitalised_term_leaves_out(crawled: Path) -> None:
    # "the agriculture ministry said": Ministry does not match it, ministry would.
    result = run_monitor(
        "watchlists", "test", "Ministry OR Kremlin", "--format", "json", config=crawled
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["matched"] == 1 and data["terms"] == {"Kremlin": 1}
    lower = data["lower_case_only"]
    assert (lower["more"], lower["fewer"], lower["terms"]) == (1, 0, {"Ministry": 1})
    [example] = lower["articles"]
    assert example["term"] == "Ministry" and example["title"] == "Harvest Beats Forecasts"
    assert "the agriculture ministry said" in example["snippet"]
    table = run_monitor("watchlists", "test", "Ministry OR Kremlin", config=crawled).stdout
    lines = table.splitlines()
    assert lines[2] == (
        '1 more article contains "ministry" only in lower case, which Ministry does not match: '
        "write ministry to match it. Newest:"
    )
    assert lines[3].startswith("  Ministry: ") and "the agriculture ministry said" in lines[3]
    lower_query = run_monitor("watchlists", "test", "ministry", "--format", "json", config=crawled)
    assert json.loads(lower_query.stdout)["matched"] == 2
    assert json.loads(lower_query.stdout)["lower_case_only"]["more"] == 0


def test_hits_full_text_search(crawled: Path) -> None:
    def titles(*args: str) -> list[str]:
        out = run_monitor("hits", "--format", "json", *args, config=crawled).stdout
        return sorted({h["title"] for h in json.loads(out)})

    assert titles("--search", "Baku convoy") == ["Drones Cross the Caspian"]
    assert titles("--search", "defence spending") == ["Kremlin Unveils Next Year's Budget"]
    hostile = run_monitor("hits", "--search", '"unbalanced (* OR', config=crawled)
    assert hostile.returncode == 0 and "No hits match." in hostile.stderr


def test_processes_opening_a_new_store_at_once_migrate_it_once(tmp_path: Path, db_url: str) -> None:
    import subprocess
    import sys

    from tests.helpers import ROOT

    config = write_config(tmp_path, feed("rss", "http://127.0.0.1:9/rss.xml"))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(config),
                "sources",
                "--format",
                "json",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert json.loads(out)[0]["name"] == "rss"
    assert db_query("SELECT count(*) FROM alembic_version") == [(1,)]
    assert db_query("SELECT count(*) FROM sources") == [(1,)]
