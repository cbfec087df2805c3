"""Scrapy settings: the project settings module scrapy.cfg names (what does not depend on the
configuration), ``apply_config`` for the [crawl] options (the spiders' ``update_settings``
calls it, so `monitor crawl` and `scrapy crawl` get the same), and ``crawl_settings`` for our
runner."""

from __future__ import annotations

from scrapy.settings import BaseSettings, Settings

from monitor.config import Config, CrawlConfig

BOT_NAME = "news-monitor"
# The spider loader finds the spiders here, by name: one per source kind (spiders/).
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# USER_AGENT, ROBOTSTXT_OBEY, CONCURRENT_REQUESTS(_PER_DOMAIN), AUTOTHROTTLE_ENABLED,
# DOWNLOAD_TIMEOUT and DOWNLOAD_MAXSIZE are [crawl] options: see apply_config, and their
# defaults in monitor.config.CrawlConfig.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "monitor.crawl.robots.RobotsTxtMiddleware": 100,  # same place, see its docstring
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "monitor.crawl.refresh.HeadMetaRefreshMiddleware": 580,  # same place; see its docstring
    # Just outside HttpCompressionMiddleware (590): sees the raw body before it is decoded.
    "monitor.crawl.integrity.TruncatedBodyMiddleware": 595,
    # Outside both: copies an article's response as served, for the archive.
    "monitor.crawl.served.ServedResponseMiddleware": 597,
}
# Scrapy's, with the per-site limit kept under asyncio (see its docstring).
DOWNLOADER = "monitor.crawl.downloader.PoliteDownloader"
ITEM_PIPELINES = {"monitor.crawl.pipelines.StorePipeline": 300}
# Articles are stored this many per transaction, or after this many seconds when they
# trickle in (monitor.crawl.pipelines). A batch is written in the reactor's thread, which
# meanwhile neither receives pages nor hands them to the workers: 100 real pages (0.2-0.3 s
# with their archive records) could leave the workers without pages, 50 less so, and fewer
# pages' archive copies wait in memory (benchmarks/README.md, "Real pages, session 15").
MONITOR_STORE_BATCH = 50
MONITOR_STORE_BATCH_SECONDS = 1.0
# A source is requested only while fewer article requests than this wait in the scheduler
# (spiders.base): what a backfill holds in memory stays bounded (0: no limit).
MONITOR_MAX_QUEUED_ARTICLES = 1000
# Scrapy fetches nothing new while the pages its callbacks hold pass this many bytes (5 MB
# by default): a callback holds its page until a worker has extracted it, and 5 MB is 15
# real pages (330 KB a page), so the workers' queue fell to 1-6 pages before the next 32
# arrived, and ran dry when the crawl process was busy storing. 10 MB: fetching resumes
# with more pages queued (benchmarks/README.md, "Real pages, session 15").
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 10_000_000
# No listening ports in a long-lived daemon: Scrapy's telnet console and remote control are off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# ... and their modules not even imported: Scrapy 2.19 imports every extension it lists,
# disabled ones too (a None in EXTENSIONS included), and the remote control imports
# aiohttp: about 0.12 s of CPU at each crawl's start-up, a tenth of a warm cycle's fixed
# cost. So they are left out of the base list itself.
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.logstats.LogStats": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
COOKIES_ENABLED = False
# Feeds are revalidated by us (next issues: conditional GET); Scrapy's RFC2616 cache would
# serve stale feeds from disk.
HTTPCACHE_ENABLED = False
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DNS_TIMEOUT = 15
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 1
LOGSTATS_INTERVAL = 0
# Scrapy hands each response's callback output to this many asyncio tasks (plus one), made
# anew for every response: 101 tasks an article page by default, about 6% of the crawl
# process's samples in BaseEventLoop.create_task alone. Our only pipeline is synchronous,
# so more than one brings no concurrency.
CONCURRENT_ITEMS = 1
# Scrapy reads each callback's source with inspect and ast to warn about `return value` in
# generators: a check for development (our callbacks are tested), 6% of a warm cycle.
WARN_ON_GENERATOR_RETURN_VALUE = False
LOG_LEVEL = "INFO"


def apply_config(settings: BaseSettings, crawl: CrawlConfig) -> None:
    """The [crawl] options as Scrapy settings, at the priority of a spider's own settings:
    above this module's, below ``scrapy crawl -s NAME=VALUE``."""
    settings.setdict(
        {
            "USER_AGENT": crawl.user_agent,
            "ROBOTSTXT_OBEY": crawl.robots_txt,
            "CONCURRENT_REQUESTS": crawl.concurrent_requests,
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_domain,
            "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
            "DOWNLOAD_TIMEOUT": crawl.download_timeout.total_seconds(),
            # Hostile or broken servers: every response is bounded.
            "DOWNLOAD_MAXSIZE": crawl.max_response_size,
            "DOWNLOAD_WARNSIZE": min(crawl.max_response_size, DOWNLOAD_WARNSIZE),
        },
        priority="spider",
    )


def crawl_settings(config: Config, *, verbose: bool = False) -> Settings:
    """This module's settings with our runner's own: its logging, and where the
    configuration came from. The spiders add the [crawl] options (``apply_config``)."""
    settings = Settings()
    settings.setmodule(__name__, priority="project")
    settings.setdict(
        {
            "LOG_LEVEL": "DEBUG" if verbose else "WARNING",
            # `monitor` has its own logging (monitor.logs); `scrapy crawl` keeps Scrapy's.
            "LOG_INSTALL_ROOT_HANDLER": False,
            "MONITOR_CONFIG_PATH": str(config.path) if config.path else None,
        },
        priority="cmdline",
    )
    return settings
