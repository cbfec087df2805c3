"""The store as configured: the wiring between ``monitor.config`` and ``monitor.store``,
which takes plain values and knows nothing of the configuration. Every command, the daemon
and the crawl open the store through here."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from monitor.config import Config
from monitor.domain.sources import SourceSpec
from monitor.store.engine import sqlite_path
from monitor.store.open import open_database
from monitor.store.readonly import check_schema, make_reader


def source_specs(config: Config) -> list[SourceSpec]:
    """The configured sources, as the store keeps them."""
    return [SourceSpec(s.name, s.kind, s.url, s.interval) for s in config.sources]


def open_store(config: Config) -> Engine:
    """The configured store, for writing: migrated if new, its sources synced."""
    return open_database(config.database_url, source_specs(config))


def open_reader(config: Config) -> Engine:
    """The configured store, read-only. A SQLite file that does not exist yet is created and
    migrated first, as every other command does, so a fresh install reads an empty archive."""
    path = sqlite_path(config.database_url)
    if path is not None and not Path(path).exists():
        open_store(config).dispose()
    engine = make_reader(config.database_url)
    check_schema(engine)
    return engine
