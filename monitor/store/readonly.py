"""Read-only access to the store, for the commands that only look (`hits`, `show`, `stats`,
`export`, `feed`) and for the web view, which must never write (issue #7).

Why not :func:`monitor.store.engine.make_engine`: its SQLite transactions start with
``BEGIN IMMEDIATE``, which takes the write lock, so a 40-second export would stall the daemon's
writes for 40 seconds. Here SQLite is opened with ``mode=ro`` and ``query_only`` and reads in
a plain (deferred) ``BEGIN``, a snapshot that WAL lets the writer work beside; PostgreSQL
sessions are ``default_transaction_read_only``. A write through these engines fails in the
database itself, not by convention.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from monitor.errors import SchemaOutOfDate, StorageError
from monitor.store.engine import BUSY_TIMEOUT_MS, describe, parse_url, sqlite_path, wrap_errors
from monitor.store.migrate import migrations_head


def make_reader(url: str) -> Engine:
    """An engine on ``url`` that cannot write."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(
                url,
                pool_pre_ping=True,
                connect_args={"options": "-c default_transaction_read_only=on"},
            )
        except (SQLAlchemyError, ImportError) as exc:
            raise StorageError(f"cannot use database {describe(url)}: {exc}") from None
    path = sqlite_path(url)
    if path is None:
        raise StorageError(f"{describe(url)}: a read-only view needs a database file")
    uri = f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true"
    engine = create_engine(uri, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is ours, below
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")  # deferred: a read snapshot, no lock on writers

    _WHERE[engine] = describe(url)
    return engine


#: What to call a reader in messages: the configured URL, not the ``file:...?mode=ro`` one.
_WHERE: WeakKeyDictionary[Engine, str] = WeakKeyDictionary()


def _where(engine: Engine) -> str:
    return _WHERE.get(engine) or describe(str(engine.url))


def check_schema(engine: Engine) -> None:
    """Refuse a database this monitor cannot read (never made, or at another revision)."""
    where = _where(engine)
    with wrap_errors(f"cannot open the database {where}"), engine.connect() as c:
        if not inspect(c).has_table("alembic_version"):
            current = None
        else:
            current = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = migrations_head()
    if current is None:
        raise StorageError(f"the database {where} is empty: run `monitor crawl` first")
    if current != head:
        raise SchemaOutOfDate(
            f"the database {where} is at schema revision {current}, this monitor needs {head}. "
            "Back it up, then run: monitor db upgrade"
        )


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session in one read transaction (one snapshot), rolled back at the end;
    operational errors become StorageError (``engine.is_operational``)."""
    with (
        wrap_errors(f"database error on {_where(engine)}"),
        Session(engine, expire_on_commit=False) as session,
    ):
        try:
            yield session
        finally:
            session.rollback()  # nothing to commit, by construction
