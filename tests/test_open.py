"""Opening an up-to-date store needs one query and no alembic (0.5 s of every crawl's start),
so the migration files' heads are read from the files: correctly, merge revisions included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from monitor.store import migrate
from monitor.store.migrate import ensure_schema, file_heads, head_revision, migrations_head
from tests.helpers import ROOT


def test_heads_read_from_the_files_are_alembics(engine: Engine) -> None:
    assert file_heads() == {head_revision(engine)}
    assert migrations_head() == head_revision(engine) is not None


def script(versions: Path, revision: str, down: str) -> None:
    """A migration file as `alembic revision` (and `alembic merge`) write them."""
    (versions / f"{revision}_x.py").write_text(
        f'"""{revision}"""\n\n'
        "from collections.abc import Sequence\n\n"
        f'revision: str = "{revision}"\n'
        f"down_revision: str | Sequence[str] | None = {down}\n"
        "branch_labels: str | Sequence[str] | None = None\n\n\n"
        "def upgrade() -> None:\n    revision = 'not this one'  # indented: not the file's\n",
        "utf-8",
    )


def test_a_merge_revision_is_the_one_head(tmp_path: Path) -> None:
    """Two branches from 0001, merged by 0003 (whose down_revision is a tuple): one head, as
    alembic says. Before the merge, two."""
    versions = tmp_path / "versions"
    versions.mkdir()
    script(versions, "0001", "None")
    script(versions, "0002a", '"0001"')
    script(versions, "0002b", '"0001"')
    assert file_heads(versions) == {"0002a", "0002b"} == set(ScriptDirectory(tmp_path).get_heads())
    script(versions, "0003", '("0002a", "0002b")')
    assert file_heads(versions) == {"0003"} == set(ScriptDirectory(tmp_path).get_heads())


def test_a_file_that_does_not_say_plainly_is_left_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    script(versions, "0001", "None")
    (versions / "0002_x.py").write_text('revision = "0002"\ndown_revision = (\n    "0001",\n)\n')
    assert file_heads(versions) is None
    heads = file_heads()  # the real migrations'
    monkeypatch.setattr(migrate, "file_heads", lambda: None)
    assert {migrations_head()} == heads  # alembic's answer, not a guess


def test_up_to_date_store_opens_without_importing_alembic(engine: Engine, db_url: str) -> None:
    assert ensure_schema(engine) is False
    code = (
        "import sys\n"
        "from monitor.store.engine import make_engine\n"
        "from monitor.store.migrate import ensure_schema\n"
        f"assert ensure_schema(make_engine({db_url!r})) is False\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'datasketch')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
