"""What the spiders and the store pipeline of one crawl process share."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy.crawler import Crawler
from sqlalchemy import Engine

from monitor.config import Config, load_config
from monitor.crawl.extract import ExtractorPool
from monitor.matching import Matcher
from monitor.store.engine import make_engine, transaction
from monitor.store.migrate import ensure_schema
from monitor.store.repo import sync_sources

log = logging.getLogger(__name__)


@dataclass
class CrawlTally:
    """Counts across every spider of the crawl, for the run record and the summary."""

    articles_new: int = 0
    hits_new: int = 0
    article_errors: int = 0
    store_errors: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # source -> error
    reported: set[str] = field(default_factory=set)  # sources that got a result


class CrawlContext:
    """Config, store, matcher and extractor, built once per crawl process."""

    def __init__(self, config: Config, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or open_store(config)
        self.matcher = Matcher({w.name: w.query for w in config.watchlists})
        self.extractor = ExtractorPool(config.crawl.extract_workers)
        self.tally = CrawlTally()
        self.requested: set[str] = set()  # URL keys requested by any spider of this crawl

    def close(self) -> None:
        self.extractor.close()


def open_store(config: Config) -> Engine:
    """The engine, with the schema migrated (new database) or checked, and sources synced."""
    engine = make_engine(config.database_url)
    if ensure_schema(engine):
        log.info("database created at %s", config.database_url)
    with transaction(engine) as s:
        sync_sources(s, config.sources)
    return engine


_current: CrawlContext | None = None


def set_context(ctx: CrawlContext | None) -> None:
    """The runner hands its context to the spiders and pipeline (one crawl per process)."""
    global _current
    _current = ctx


def context_for(crawler: Crawler) -> CrawlContext:
    """The crawl's shared context: the runner's, or one built for `scrapy crawl`."""
    global _current
    if _current is None:
        _current = CrawlContext(load_config(crawler.settings.get("MONITOR_CONFIG_PATH")))
    return _current
