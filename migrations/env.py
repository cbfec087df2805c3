"""Alembic environment: used by `monitor db upgrade`, by the app at start-up, and by the
`alembic` command line (which reads the URL from $MONITOR_DATABASE_URL or the monitor config)."""

from __future__ import annotations

from alembic import context

from monitor.store.models import Base

config = context.config
target_metadata = Base.metadata


# Full-text search lives outside the ORM (FTS5 on SQLite, a generated tsvector on PostgreSQL),
# made by migration 0002; autogenerate and `alembic check` must not see it as drift.
_SEARCH_TABLES = ("articles_fts",)
# The cluster's queue (procrastinate's schema) and its tables, PostgreSQL only, made by plain
# SQL in migration 0010.
_CLUSTER_TABLES = ("procrastinate_", "cluster_")


def include_name(name, type_, parent_names):  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name and name.startswith(_SEARCH_TABLES + _CLUSTER_TABLES))


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ == "column" and name == "search" and obj.table.name == "articles":
        return False
    if type_ == "index" and name == "ix_articles_search":
        return False
    return True


def _engine():  # type: ignore[no-untyped-def]
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    from monitor.config import load_config
    from monitor.store.engine import make_engine

    return make_engine(config.get_main_option("sqlalchemy.url") or load_config().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table as copy, drop, rename; with foreign keys on,
            # dropping articles would cascade-delete every hit and alias. SQLite ignores this
            # pragma inside a transaction, so it goes to the driver before anything begins.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=include_name,
            include_object=include_object,
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()  # nothing is open after the commit; ends autobegin
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
