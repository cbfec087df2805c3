"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL: the database keeps the
dedup invariants, not a check-then-insert race. And the same for many rows at once, the
way each backend takes them fastest."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignore(session: Session, table: Table, index_elements: Sequence[str]) -> Insert:
    """An insert that skips rows violating the unique index on ``index_elements``."""
    module = _dialect_module(session)
    return module.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def insert_or_update(
    session: Session, table: Table, index_elements: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows``; where one exists already, overwrite its other columns."""
    module = _dialect_module(session)
    if not rows:
        return
    stmt = module.insert(table)
    keys = [k for k in rows[0] if k not in index_elements]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(index_elements), set_={k: stmt.excluded[k] for k in keys}
    )
    session.execute(stmt, rows)


def upsert_from_select(
    session: Session,
    table: Table,
    index_elements: Sequence[str],
    columns: Sequence[str],
    rows: Select[*tuple[Any, ...]],
) -> None:
    """INSERT INTO table (columns) SELECT ...; where a row exists, overwrite its other
    columns. (SQLite needs the SELECT to have a WHERE clause to parse ON CONFLICT.)"""
    module = _dialect_module(session)
    stmt = module.insert(table).from_select(list(columns), rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(index_elements),
        set_={k: stmt.excluded[k] for k in columns if k not in index_elements},
    )
    session.execute(stmt)


def _dialect_module(session: Session) -> Any:
    name = session.get_bind().dialect.name
    module: Any = {"sqlite": sqlite, "postgresql": postgresql}.get(name)
    if module is None:
        raise NotImplementedError(f"no upsert for the {name} dialect")
    return module


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    ignore: Sequence[str] | None,
    returning: Sequence[ColumnElement[Any]] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys), skipping those that violate the unique
    index on the ``ignore`` columns (None: a plain INSERT, for rows that cannot conflict);
    the ``returning`` columns of the rows inserted. On SQLite in the order given (callers
    give articles in id order).

    PostgreSQL gets one array per column, ``INSERT ... SELECT unnest(...)``: the statement's
    text is the same for any number of rows, so psycopg parses it once and the server
    prepares it, where executemany runs a statement per row and a multi-row VALUES is new
    text to parse every time (a batch of 100 articles has 3,200 story bands). SQLite's
    driver runs executemany in C; with RETURNING, SQLAlchemy sends multi-row VALUES."""
    if not rows:
        return []
    if ignore is not None and _is_postgresql(session):
        # In the order of the unique key: two transactions inserting some of the same keys
        # (two crawls) then wait for each other instead of deadlocking. Not on SQLite, where
        # writers exclude each other (BEGIN IMMEDIATE) and the order given is kept: FTS5
        # writes out the terms it holds in memory whenever a rowid is smaller than the last
        # one, so articles in url_key order (random) made up to a segment per article
        # (twice the cost of the insert; benchmarks/README.md, "Store at scale").
        rows = sorted(rows, key=lambda r: tuple(r[c] for c in ignore))
    module: Any = postgresql if _is_postgresql(session) else sqlite
    stmt = module.insert(table)
    if _is_postgresql(session):
        columns = list(rows[0])
        arrays = [_unnest(table, c, [r[c] for r in rows]) for c in columns]
        stmt = stmt.from_select(columns, select(*arrays))
    if ignore is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(ignore))
    if returning:
        stmt = stmt.returning(*returning)
    params = None if _is_postgresql(session) else list(rows)
    result = session.execute(stmt, params)
    return [tuple(r) for r in result] if returning else []


def _unnest(table: Table, name: str, values: list[Any]) -> ColumnElement[Any]:
    """The column's values as one array parameter, unnested. JSON goes as text, cast back
    (an array of JSON lists would be taken for a multidimensional array); ``json.dumps``
    writes what SQLAlchemy's JSON type writes."""
    kind = table.c[name].type
    if isinstance(kind, JSON):
        texts = [json.dumps(v) for v in values]
        return cast(func.unnest(bindparam(f"rows_{name}", texts, type_=_BinaryArray(Text))), kind)
    return func.unnest(bindparam(f"rows_{name}", values, type_=_BinaryArray(kind)))


class BinaryRows(list[Any]):
    """A column's values that psycopg sends in binary (``register_binary_rows``)."""


class _BinaryArray(TypeDecorator[list[Any]]):
    """An array parameter sent in PostgreSQL's binary format. In text format psycopg
    escapes every element with a regular expression and the server parses them back: about
    10 us an article's text on each side (benchmarks/README.md, "Store at scale")."""

    impl = ARRAY
    cache_ok = True

    def __init__(self, item_type: Any) -> None:
        super().__init__(item_type)
        self.item_type = item_type  # in the statement cache's key (cache_ok)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        inner = super().bind_processor(dialect)

        def process(value: Any) -> Any:
            value = inner(value) if inner else value
            return None if value is None else BinaryRows(value)

        return process


def register_binary_rows(dbapi_connection: Any) -> None:
    """On a new psycopg connection: ``BinaryRows`` go as binary arrays (each element's type
    from its Python type: str text, int int2-8, datetime timestamptz, bytes bytea; the
    statement casts them to the column's)."""
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(BinaryRows, ListBinaryDumper)


def any_of(
    session: Session, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(array)``, one parameter however
    many values (SQLite binds at most 32,766 parameters: callers chunk)."""
    if _is_postgresql(session):
        return column == any_(bindparam(None, list(values), type_=_BinaryArray(column.type)))
    return column.in_(list(values))


def next_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` unused ids for ``table``'s integer primary key, so that rows can be written
    with their references to each other in one INSERT. PostgreSQL draws them from the
    column's sequence; SQLite continues after the largest id, which holds because the
    transaction started with BEGIN IMMEDIATE (monitor.store.engine): no other writer until
    it ends."""
    if count <= 0:
        return []
    if _is_postgresql(session):
        seq = func.pg_get_serial_sequence(table.name, "id")
        stmt = select(func.nextval(seq)).select_from(func.generate_series(1, count))
        return [int(i) for i in session.scalars(stmt)]
    last = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(last + 1, last + 1 + count))
