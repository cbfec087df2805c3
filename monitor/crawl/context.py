"""What the spiders and the store pipeline of one crawl process share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from monitor.archive.warc import ArchiveWriter
from monitor.config import Config, load_config
from monitor.crawl.pool import ExtractorPool
from monitor.domain.articles import FeedItemSeen
from monitor.store.models import utcnow
from monitor.storeconfig import open_store

if TYPE_CHECKING:  # Scrapy is imported by the runner once the workers start (0.3 s)
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser
    from scrapy.settings import BaseSettings
    from twisted.internet.defer import Deferred

    from monitor.matching import Matcher


@dataclass
class SourceTally:
    entries: int | None = None  # entries in the feed / article links on the page
    new: int = 0  # of which not stored yet, so fetched now
    articles_done: int = 0  # article items stored (new or not)
    articles_new: int = 0
    hits_new: int = 0
    article_errors: int = 0
    revised: int = 0  # stored articles whose title or text changed
    blocked: int = 0  # article pages that were a bot or consent wall (monitor.crawl.walls)
    thin: int = 0  # article pages without text
    error: str | None = None
    reported: bool = False  # the source's own fetch got a result


@dataclass
class CrawlTally:
    """Counts per source across every spider of the crawl, for the run record and summary."""

    sources: dict[str, SourceTally] = field(default_factory=dict)
    store_errors: int = 0

    def of(self, name: str) -> SourceTally:
        return self.sources.setdefault(name, SourceTally())

    @property
    def articles_new(self) -> int:
        return sum(t.articles_new for t in self.sources.values())

    @property
    def hits_new(self) -> int:
        return sum(t.hits_new for t in self.sources.values())

    @property
    def errors(self) -> dict[str, str]:
        return {n: t.error for n, t in self.sources.items() if t.error}


@dataclass
class SiteSlots:
    """One site's requests in flight, whichever spider's downloader sent them, and each
    downloader's slot of the site (to wake when a request ends)."""

    transferring: set[Any] = field(default_factory=set)
    slots: dict[Any, Any] = field(default_factory=dict)  # downloader -> its Slot


class CrawlContext:
    """Config, store, matcher and extractor, built once per crawl process."""

    def __init__(self, config: Config, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or open_store(config)
        watchlists = {w.name: w.query for w in config.watchlists}
        # The workers compile the watchlists: articles are matched where extracted.
        self.extractor = ExtractorPool(config.crawl.extract_workers, watchlists, config.lists)
        self.tally = CrawlTally()
        self.requested: set[str] = set()  # URL keys requested by any spider of this crawl
        # Feed data for articles not fetched by the spider that listed them (FeedItemSeen),
        # shared by the store pipelines of every spider: the article may be stored by
        # another spider's pipeline, after the listing spider closed. The last pipeline to
        # close drops what is left (monitor.crawl.pipelines).
        self.feed_items: list[FeedItemSeen] = []
        self.pipelines_open = 0
        # robots.txt parsers per host (or the Deferred of the fetch under way), shared by
        # the spiders' middlewares (monitor.crawl.robots).
        self.robots: dict[str, RobotParser | Deferred[RobotParser | None] | None] = {}
        # The kept robots.txt of the sources' hosts, read in one query as the spiders start
        # (None: no fresh copy, fetch it), each dropped once its host is first asked.
        self.robots_kept: dict[str, bytes | None] = {}
        # Requests in flight per site, shared by the spiders' downloaders, so that
        # ``[crawl] per_domain`` holds for the whole crawl (monitor.crawl.downloader).
        self.sites: dict[str, SiteSlots] = {}
        # The clock of fetch times and re-check schedules (tests set their own).
        self.now: Callable[[], datetime] = utcnow
        # The evidence archive: this process's WARC file, opened with the first record.
        self.archive = ArchiveWriter(config.archive.dir, lambda: self.now())

    @cached_property
    def matcher(self) -> Matcher:
        """The watchlists compiled here too, on first use: for the articles a feed refills
        (``monitor.crawl.pipelines``); most crawls never need them."""
        from monitor.matching import Matcher

        return Matcher({w.name: w.query for w in self.config.watchlists}, self.config.lists)

    def close(self) -> None:
        self.extractor.close()
        self.archive.close()


_current: CrawlContext | None = None
_loaded: Config | None = None


def set_context(ctx: CrawlContext | None) -> None:
    """The runner hands its context to the spiders and pipeline (one crawl per process)."""
    global _current
    _current = ctx


def crawl_config(settings: BaseSettings) -> Config:
    """The crawl's configuration: the runner's, or for `scrapy crawl` the file the
    MONITOR_CONFIG_PATH setting names, else the usual search (``load_config``), loaded once."""
    global _loaded
    if _current is not None:
        return _current.config
    if _loaded is None:
        _loaded = load_config(settings.get("MONITOR_CONFIG_PATH"))
    return _loaded


def context_for(crawler: Crawler) -> CrawlContext:
    """The crawl's shared context: the runner's, or one built for `scrapy crawl`."""
    global _current
    if _current is None:
        _current = CrawlContext(crawl_config(crawler.settings))
    return _current
