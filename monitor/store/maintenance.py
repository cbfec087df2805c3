"""Planner statistics: what keeps the queries on their indexes as the archive grows.

SQLite keeps none unless asked (``ANALYZE``): without them it picks plans by guesswork, and
on the 1M-article benchmark a watchlist search went from 8 to 160 ms after a migration
rebuilt the hits table and dropped its statistics (benchmarks/README.md). PostgreSQL's
autovacuum analyzes by itself, but only some time after a migration has rewritten a table.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: Rows SQLite samples per index (``PRAGMA analysis_limit``): a second or two at a million
#: articles instead of reading every index whole, and estimates good enough for the plans.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics(engine: Engine) -> float:
    """Gather the planner's statistics of every table; the seconds it took."""
    started = time.monotonic()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    seconds = time.monotonic() - started
    log.info("statistics refreshed seconds=%.1f", seconds)
    return seconds
