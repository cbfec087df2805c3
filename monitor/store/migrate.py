"""Alembic, driven from code: new databases are migrated by themselves, old ones refused."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

import migrations
from monitor.errors import SchemaOutOfDate, StorageError
from monitor.store.engine import describe

MIGRATIONS_DIR = Path(migrations.__file__).parent


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


def ensure_schema(engine: Engine) -> bool:
    """Migrate an empty database; refuse one at another revision. True if it migrated."""
    where = describe(str(engine.url))
    try:
        current = current_revision(engine)
        tables = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot open the database {where}: {exc}") from None
    head = head_revision(engine)
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
