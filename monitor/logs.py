"""Our logging: one line per event with stable keys; Scrapy kept quiet unless -v."""

from __future__ import annotations

import logging
import os
import sys


def setup_logging(verbose: bool = False) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    if not verbose:
        handler.addFilter(_LibraryNoise())
    # A cluster's worker names itself in $MONITOR_WORKER, which its crawl children inherit:
    # every line of a worker's log says which worker wrote it (issue #17).
    worker = os.environ.get("MONITOR_WORKER", "").replace("%", "")
    tag = f" worker={worker}" if worker else ""
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s %(levelname)s{tag} %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
        )
    )
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    quiet_libraries(verbose)


def quiet_libraries(verbose: bool) -> None:
    quiet = logging.DEBUG if verbose else logging.WARNING
    for name in (
        "scrapy",
        "twisted",
        "trafilatura",
        "htmldate",
        "courlan",
        "alembic",
        "filelock",
        "py.warnings",
        "charset_normalizer",
    ):
        logging.getLogger(name).setLevel(quiet)
    # APScheduler warns at every tick while a long crawl still runs ("skipped: maximum
    # number of running instances reached"): expected, since cycles never overlap.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.ERROR)
    # Article pages are often broken HTML; those per-request warnings are noise, the crawl
    # records what matters.
    # The retry middleware logs a traceback per dead source; the crawl records the error.
    for name in (
        "scrapy.core.scraper",
        "scrapy.downloadermiddlewares.retry",
        "scrapy.downloadermiddlewares.robotstxt",
    ):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.CRITICAL)


class _LibraryNoise(logging.Filter):
    """Scrapy logs its banner at INFO while it sets itself up, before any level we set on
    its loggers can apply; below WARNING only our own records pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.startswith("monitor")
