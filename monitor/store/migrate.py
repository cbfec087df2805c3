"""Alembic, driven from code: new databases are migrated by themselves, old ones refused."""

from __future__ import annotations

import ast
import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

import migrations
from monitor.errors import SchemaOutOfDate, StorageError
from monitor.store.engine import describe, sqlite_path, wrap_errors

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# alembic is imported where it is used: importing it takes about 0.5 s, and a crawl opening
# an up-to-date database (every crawl but the first) does not need it (ensure_schema).

MIGRATIONS_DIR = Path(migrations.__file__).parent
_LOCK_ID = 7_215_310_042  # an arbitrary key for pg_advisory_lock, the same in every process


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with wrap_errors(f"migrating {describe(str(engine.url))} failed"):
        command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

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


#: A migration file's own ``revision = "..."`` and ``down_revision = ...`` lines (annotated
#: or not). Anything else (a value over several lines, a comment) makes file_heads give up.
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


def file_heads(versions: Path | None = None) -> set[str] | None:
    """The head revisions the migration files name (those no other names as its
    ``down_revision``; a merge revision names a tuple of them), read without importing
    alembic (0.3-0.5 s) and without parsing the files (0.1 s for five); None when a file
    does not say plainly (alembic then decides). ``versions``: the folder of the scripts,
    ``migrations/versions`` by default."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted((versions or MIGRATIONS_DIR / "versions").glob("*.py")):
        if path.name == "__init__.py":
            continue
        try:
            found = {
                m[1]: ast.literal_eval(m[2])
                for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))
            }
        except (SyntaxError, ValueError, OSError):
            return None
        rev, down = found.get("revision"), found.get("down_revision")
        if not isinstance(rev, str):
            return None
        revisions.add(rev)
        if isinstance(down, str):
            downs.add(down)
        elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
            downs.update(down)
        elif down is not None:
            return None
    return (revisions - downs) or None


def migrations_head() -> str | None:
    """The newest migration's revision, as the files name it (``file_heads``), without
    alembic, whose import is the better part of a `monitor hits` that queries in 10 ms;
    alembic's answer when a file does not say plainly; None when there are several heads
    (no database can be at the head then)."""
    heads = file_heads()
    if heads is not None:
        return next(iter(heads)) if len(heads) == 1 else None
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    except CommandError:
        return None


def _up_to_date(engine: Engine) -> bool:
    """True when the database is stamped with the only head of the migration files: the
    common case, answered with one query and without alembic. Anything else (no table
    yet, several heads, an error) is left to alembic."""
    heads = file_heads()
    if heads is None or len(heads) != 1:
        return False
    try:
        with engine.connect() as conn:
            stamped = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    return [r[0] for r in stamped] == list(heads)


def _known(engine: Engine, revision: str | None) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if revision is None:
        return False
    try:
        return (
            ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision) is not None
        )
    except CommandError:
        return False


def _holds_no_articles(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM articles LIMIT 1")).first() is None
    except SQLAlchemyError:
        return False


def ensure_schema(engine: Engine) -> bool:
    """Migrate an empty database; refuse one at another revision. True if it migrated."""
    if _up_to_date(engine):
        return False
    where = describe(str(engine.url))
    with wrap_errors(f"cannot open the database {where}"):
        current = current_revision(engine)
    head = head_revision(engine)
    if current == head:
        return False  # the common case, without taking a lock
    with _migration_lock(engine):
        with wrap_errors(f"cannot open the database {where}"):
            current = current_revision(engine)
            tables = set(inspect(engine).get_table_names())
        if current is None:
            if tables - {"alembic_version"}:
                raise StorageError(
                    f"the database {where} has tables but no migration record; "
                    "it was not made by this monitor. Point [database] url at another database."
                )
            upgrade(engine)
            return True
        if current != head and _known(engine, current) and _holds_no_articles(engine):
            # A first start-up cut short (kill -9 between two migrations, each committed
            # on its own): nothing to back up, so it is finished rather than refused.
            upgrade(engine)
            return True
    if current != head:
        raise SchemaOutOfDate(
            f"the database {where} is at schema revision {current}, this monitor needs {head}. "
            "Back it up, then run: monitor db upgrade"
        )
    return False
