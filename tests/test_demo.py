from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from tests.helpers import run_monitor

pytestmark = pytest.mark.slow


def test_demo_runs_the_whole_loop_offline(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = run_monitor("demo", "--dir", str(target), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "5 new articles, 4 new hits" in result.stdout
    config = target / "monitor.toml"
    assert f"monitor --config {config} hits" in result.stdout  # the query to run next
    hits = json.loads(run_monitor("hits", "--format", "json", config=config).stdout)
    seed = "Tehran Says It Needs No One's Approval for Its Moscow Ties"
    assert {h["watchlist"] for h in hits if h["title"] == seed} == {"iran", "russia"}
    [eml] = (target / "outbox").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "News monitor: 4 new hits (iran 2, russia 2)"
    assert seed.replace("'", "&#39;") in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    # Run again: the folder is reset, the result is the same.
    again = run_monitor("demo", "--dir", str(target), timeout=60)
    assert again.returncode == 0 and "5 new articles, 4 new hits" in again.stdout


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = run_monitor("demo", "--dir", str(tmp_path))
    assert result.returncode == 1 and "is not a demo folder" in result.stderr
    assert (tmp_path / "precious.txt").exists()
