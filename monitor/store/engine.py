"""Engine set-up: SQLite tuned for one writer and concurrent readers, wrapped errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

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


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction, committed on success; driver errors become
    StorageError."""
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        with factory.begin() as session:
            yield session
    except SQLAlchemyError as exc:
        raise StorageError(f"database error on {describe(str(engine.url))}: {exc}") from exc
