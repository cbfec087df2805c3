"""Open a store for writing: migrate a new database, refuse an out-of-date one, sync sources."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Engine

from monitor.domain.sources import SourceSpec
from monitor.store.engine import describe, make_engine, transaction
from monitor.store.migrate import ensure_schema
from monitor.store.sources import sync_sources

log = logging.getLogger("monitor.store")


def open_database(url: str, sources: Iterable[SourceSpec]) -> Engine:
    """An engine on the database at ``url``, migrated if it was new, its sources table in
    step with ``sources``."""
    engine = make_engine(url)
    if ensure_schema(engine):
        log.info("database created at %s", describe(url))
    with transaction(engine) as s:
        sync_sources(s, sources)
    return engine
