"""Imports point down (STYLE.md, "The shape"): the domain imports nothing of ours but the
matcher and the errors; the store imports the domain, never the crawl, the configuration,
the queries, the CLI or the web view. Read from the source, so it cannot drift."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

#: Package folder -> the packages of ours its modules may import (their own included).
ALLOWED = {
    "monitor/domain": ("monitor.domain", "monitor.matching", "monitor.errors"),
    "monitor/store": (
        "monitor.store",
        "monitor.domain",
        "monitor.matching",
        "monitor.errors",
        "migrations",  # the Alembic scripts' folder, which migrate.py runs
    ),
}
OURS = ("monitor", "spiders", "migrations", "tests", "benchmarks")


def imported(path: Path) -> set[str]:
    """Every module of ours the file imports, wherever (functions, TYPE_CHECKING blocks)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from monitor import x` imports monitor.x
            if node.module in OURS:
                found.update(f"{node.module}.{a.name}" for a in node.names)
            else:
                found.add(node.module)
    return {m for m in found if m.split(".")[0] in OURS}


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_imports_point_down(folder: str) -> None:
    allowed = ALLOWED[folder]
    wrong = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / folder).glob("*.py"))
        for module in imported(path)
        if not any(module == a or module.startswith(a + ".") for a in allowed)
    }
    assert not wrong, sorted(wrong)


def test_the_check_sees_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from monitor import config\n    import monitor.crawl.runner\n")
    assert imported(bad) == {"monitor.config", "monitor.crawl.runner"}
