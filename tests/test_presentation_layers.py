"""Imports point down: the archive's questions (monitor.query) and the use cases
(monitor.app) know nothing of how answers are shown, and the renderers never reach for the
store or a front end. Read from the source, so a lazy import inside a function counts too;
imports under ``if TYPE_CHECKING:`` (annotations only) do not."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

MONITOR = Path(__file__).resolve().parent.parent / "monitor"


def _runtime_imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text("utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in node.body
        for n in ast.walk(child)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def _imports(*paths: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rel in paths:
        target = MONITOR / rel
        for path in sorted(target.rglob("*.py")) if target.is_dir() else [target]:
            found[str(path.relative_to(MONITOR))] = set(_runtime_imports(path))
    return found


def _offending(imports: dict[str, set[str]], banned: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in imports.items()
        for name in names
        if any(name == b or name.startswith(b + ".") for b in banned)
    )


PRESENTATION = ("monitor.render", "monitor.cli", "monitor.web", "click", "rich", "jinja2")


def test_questions_know_no_presentation_nor_use_cases() -> None:
    assert _offending(_imports("query"), (*PRESENTATION, "monitor.app")) == []


def test_use_cases_know_no_presentation() -> None:
    assert _offending(_imports("app.py"), PRESENTATION) == []


def test_renderers_open_no_store_and_know_no_front_end() -> None:
    banned = ("monitor.store", "monitor.app", "monitor.cli", "monitor.web", "click", "sqlalchemy")
    assert _offending(_imports("render"), banned) == []


def test_only_the_entry_point_imports_the_command_line() -> None:
    users = _imports(".")
    users = {m: n for m, n in users.items() if not m.startswith("cli/")}
    assert _offending(users, ("monitor.cli",)) == ["__main__.py imports monitor.cli"]
