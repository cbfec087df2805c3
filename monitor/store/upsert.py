"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL: the database keeps the
dedup invariants, not a check-then-insert race."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignore(session: Session, table: Table, index_elements: Sequence[str]) -> Insert:
    """An insert that skips rows violating the unique index on ``index_elements``."""
    name = session.get_bind().dialect.name
    module: Any = {"sqlite": sqlite, "postgresql": postgresql}.get(name)
    if module is None:
        raise NotImplementedError(f"no upsert for the {name} dialect")
    return module.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def insert_or_update(
    session: Session, table: Table, index_elements: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows``; where one exists already, overwrite its other columns."""
    name = session.get_bind().dialect.name
    module: Any = {"sqlite": sqlite, "postgresql": postgresql}.get(name)
    if module is None:
        raise NotImplementedError(f"no upsert for the {name} dialect")
    if not rows:
        return
    stmt = module.insert(table)
    keys = [k for k in rows[0] if k not in index_elements]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(index_elements), set_={k: stmt.excluded[k] for k in keys}
    )
    session.execute(stmt, rows)
