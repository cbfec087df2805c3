"""Opening an up-to-date store needs one query and no alembic (0.5 s of every crawl's start)."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import Engine

from monitor.store.migrate import _file_heads, ensure_schema, head_revision
from tests.conftest import ROOT


def test_heads_read_from_the_files_are_alembics(engine: Engine) -> None:
    assert _file_heads() == {head_revision(engine)}


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
