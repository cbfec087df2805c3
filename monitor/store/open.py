"""Open the configured store: migrate a new database, refuse an out-of-date one, sync sources."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from monitor.config import Config
from monitor.store.engine import describe, make_engine, transaction
from monitor.store.migrate import ensure_schema
from monitor.store.repo import sync_sources

log = logging.getLogger("monitor.store")


def open_store(config: Config) -> Engine:
    engine = make_engine(config.database_url)
    if ensure_schema(engine):
        log.info("database created at %s", describe(config.database_url))
    with transaction(engine) as s:
        sync_sources(s, config.sources)
    return engine
