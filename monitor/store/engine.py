"""Engine set-up: SQLite tuned for one writer and concurrent readers; operational errors
wrapped into StorageError."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DisconnectionError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from monitor.errors import StorageError
from monitor.store.upsert import register_binary_rows

BUSY_TIMEOUT_MS = 30_000
#: SQLite's page cache per connection, in KiB (the default is 2 MiB): the interior pages of
#: a large archive's indexes stay in it, where 2 MiB re-read them from the OS for every
#: batch of articles (hits and URL inserts 0.05 -> 0.035 ms an article at 1M articles). It
#: fills only as far as pages are used.
SQLITE_CACHE_KIB = 32 * 1024
#: Pages in the WAL before a commit copies them back into the database (the default is
#: 1,000, 4 MB: two or three ingest batches). Pages written again before the checkpoint
#: are copied once (commit 0.10 -> 0.07 ms an article); the WAL is cut back to
#: SQLITE_WAL_LIMIT after each checkpoint.
SQLITE_CHECKPOINT_PAGES = 10_000
SQLITE_WAL_LIMIT = 64 * 1024 * 1024


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def parse_url(url: str) -> URL:
    """``url`` parsed, or a StorageError that shows it without its password."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"invalid database URL {describe(url)!r}: {exc}") from None


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite: WAL, busy timeout, foreign keys, and
    ``BEGIN IMMEDIATE`` so a transaction that reads then writes waits for the lock instead
    of failing at once with "database is locked"."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite":
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError) as exc:
            raise StorageError(f"cannot use database {describe(url)}: {exc}") from None
        if engine.dialect.driver == "psycopg":
            event.listen(engine, "connect", lambda conn, _record: register_binary_rows(conn))
        return engine
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder for {path}: {exc}") from None
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        cur.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


#: PostgreSQL's "insufficient privilege": a ProgrammingError by its SQLSTATE class, but the
#: database's grants, not our SQL.
_NOT_PERMITTED = "42501"


def is_operational(exc: BaseException) -> bool:
    """Whether a database error is the database's state or the world's, not a bug: locked,
    busy, unreachable, out of space or connections, read-only, corrupt, not permitted, a
    connection lost or a pool exhausted. Only these become StorageError (the user can act
    on them: the message names the database); a bug (a ProgrammingError, an IntegrityError,
    a DataError, ORM misuse) stays a traceback, as in lemon24/reader's ``wrap_exceptions``
    (reader/_storage/_sqlite_utils.py). SQLite reports its own SQL errors ("no such table",
    syntax) as OperationalError too, so on SQLite those count as operational, as in reader.
    PostgreSQL's read-only transactions and corruption are InternalError (SQLSTATE classes
    25 and XX)."""
    if isinstance(exc, OperationalError | InterfaceError | InternalError):
        return True
    if isinstance(exc, DisconnectionError | PoolTimeout):
        return True
    if isinstance(exc, ProgrammingError):
        return getattr(exc.orig, "sqlstate", None) == _NOT_PERMITTED
    # SQLite's "file is not a database", "database disk image is malformed": the DBAPI's
    # base DatabaseError itself, not one of its subclasses (IntegrityError, DataError...).
    return type(exc) is DatabaseError


@contextmanager
def wrap_errors(message: str) -> Iterator[None]:
    """Operational database errors (:func:`is_operational`) raised inside become
    StorageError("<message>: <error>"); anything else passes unchanged."""
    try:
        yield
    except SQLAlchemyError as exc:
        if not is_operational(exc):
            raise
        raise StorageError(f"{message}: {exc}") from exc


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction, committed on success; operational errors become
    StorageError (:func:`is_operational`), a bug stays what it is."""
    # A Session, not a sessionmaker: each sessionmaker makes a Session subclass, and SQLAlchemy
    # then sets up its events for that class (about 0.1 ms a transaction, hundreds a crawl).
    with wrap_errors(f"database error on {describe(str(engine.url))}"):
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
