"""Alembic, driven from code: new databases are migrated by themselves, old ones refused."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

import migrations
from monitor.errors import SchemaOutOfDate, StorageError
from monitor.store.engine import describe, sqlite_path

MIGRATIONS_DIR = Path(migrations.__file__).parent
_LOCK_ID = 7_215_310_042  # an arbitrary key for pg_advisory_lock, the same in every process


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    try:
        command.upgrade(alembic_config(engine), revision)
    except SQLAlchemyError as exc:
        raise StorageError(f"migrating {describe(str(engine.url))} failed: {exc}") from exc


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Two processes opening a new database at once (two crawls, a crawl and the daemon)
    must not both migrate it: PostgreSQL has advisory locks, SQLite a lock file beside it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_LOCK_ID})")
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK_ID})")
                conn.commit()
        return
    path = sqlite_path(str(engine.url))
    if path is None:
        yield
        return
    with open(path.with_name(path.name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_schema(engine: Engine) -> bool:
    """Migrate an empty database; refuse one at another revision. True if it migrated."""
    where = describe(str(engine.url))
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot open the database {where}: {exc}") from None
    head = head_revision(engine)
    if current == head:
        return False  # the common case, without taking a lock
    with _migration_lock(engine):
        try:
            current = current_revision(engine)
            tables = set(inspect(engine).get_table_names())
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot open the database {where}: {exc}") from None
        if current is None:
            if tables - {"alembic_version"}:
                raise StorageError(
                    f"the database {where} has tables but no migration record; "
                    "it was not made by this monitor. Point [database] url at another database."
                )
            upgrade(engine)
            return True
    if current != head:
        raise SchemaOutOfDate(
            f"the database {where} is at schema revision {current}, this monitor needs {head}. "
            "Back it up, then run: monitor db upgrade"
        )
    return False
