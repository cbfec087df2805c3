"""The store pipeline: match each article, then write articles and their hits in batches.

Articles are buffered and written ``MONITOR_STORE_BATCH`` at a time in one transaction
(``monitor.store.ingest.store_articles``), or after ``MONITOR_STORE_BATCH_SECONDS`` when
they trickle in, and whatever is left when the spider closes: one article per transaction
was bound at about 100 articles/s by its 9-10 statements and commit (benchmarks/README.md).
An article counts as handled (tallies, logs, a source's validators) only once its batch is
committed, so a crawl that is killed loses nothing the next crawl would not fetch again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.reactor import CallLaterOnce

from monitor import stories
from monitor.crawl.context import CrawlContext, context_for
from monitor.crawl.items import ArticleData, FeedTitleSeen, SourceStatus
from monitor.errors import StorageError
from monitor.store.engine import transaction
from monitor.store.ingest import Incoming, Stored, store_articles
from monitor.store.repo import record_source_result, save_validators, set_feed_title

log = logging.getLogger("monitor.crawl")


@dataclass(frozen=True)
class _Buffered:
    item: ArticleData
    incoming: Incoming


class StorePipeline:
    def __init__(
        self, ctx: CrawlContext, crawler: Crawler, batch: int = 100, seconds: float = 1.0
    ) -> None:
        self.ctx = ctx
        self.stats = crawler.stats
        self.batch, self.seconds = max(1, batch), seconds
        self.buffer: list[_Buffered] = []
        self.source_ids: dict[str, int] = {}  # sources are not deleted while a crawl runs
        self._later: CallLaterOnce[None] = CallLaterOnce(self.flush)
        # source -> [articles still to handle, its status]: validators are saved at zero.
        self.waiting: dict[str, list[Any]] = {}
        self.max_interval = {
            src.name: timedelta(seconds=src.max_interval) for src in ctx.config.sources
        }

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(
            context_for(crawler),
            crawler,
            crawler.settings.getint("MONITOR_STORE_BATCH", 100),
            crawler.settings.getfloat("MONITOR_STORE_BATCH_SECONDS", 1.0),
        )

    def process_item(self, item: Any) -> Any:
        try:
            if isinstance(item, SourceStatus):
                self._source(item)
            elif isinstance(item, ArticleData):
                self._article(item)
            elif isinstance(item, FeedTitleSeen):
                with transaction(self.ctx.engine) as s:
                    set_feed_title(s, item.url, item.title)
        except StorageError as exc:
            self._failed(getattr(item, "source", "?"), exc)
        return item

    def close_spider(self, spider: object = None) -> None:  # Scrapy < 2.14 passes the spider
        """Nothing buffered is left behind: the crawl ends after its last batch is stored."""
        self.flush()

    def _failed(self, source: str, exc: StorageError) -> None:
        # Nothing half-written: the transaction rolled back. The next crawl retries,
        # since the article is still unknown to the store.
        self.ctx.tally.store_errors += 1
        log.error("store failed source=%s error=%s", source, exc)

    def _source(self, item: SourceStatus) -> None:
        tally = self.ctx.tally.of(item.source)
        tally.reported = True
        tally.entries, tally.new, tally.error = item.entries, item.new, item.error
        if item.error:
            log.warning("source failed source=%s error=%s", item.source, item.error)
        elif item.not_modified:
            log.info("source unchanged source=%s", item.source)
        else:
            log.info("source ok source=%s entries=%s new=%s", item.source, item.entries, item.new)
        with transaction(self.ctx.engine) as s:
            record_source_result(
                s,
                item.source,
                error=item.error,
                entries=item.entries,
                status=item,
                max_interval=self.max_interval.get(item.source),
            )
            if item.error is None and not item.not_modified:
                if item.new:
                    self.waiting[item.source] = [item.new, item]
                else:
                    save_validators(s, item.source, item)

    def _article(self, item: ArticleData) -> None:
        """Match now (CPU, no I/O); store with the next batch."""
        item.sanitize()
        hits = self.ctx.matcher.match(item.fields(), source=item.source)
        self.buffer.append(_Buffered(item, Incoming(item, hits, stories.signature(item.text))))
        if len(self.buffer) >= self.batch:
            self.flush()
        else:
            self._later.schedule(self.seconds)

    def flush(self) -> None:
        """Store the buffered articles in one transaction. When that fails, each is tried
        on its own, so one bad article costs only itself."""
        self._later.cancel()
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        try:
            self._store(batch)
        except StorageError as exc:
            if len(batch) == 1:
                self._failed(batch[0].item.source, exc)
                return
            log.warning("store batch failed articles=%d error=%s", len(batch), exc)
            for one in batch:
                try:
                    self._store([one])
                except StorageError as exc_one:
                    self._failed(one.item.source, exc_one)

    def _store(self, batch: list[_Buffered]) -> None:
        with transaction(self.ctx.engine) as s:
            stored = store_articles(s, [b.incoming for b in batch], self.source_ids)
        done = [self._handled(b.item, st) for b, st in zip(batch, stored, strict=True)]
        for status in done:
            if status is not None:
                try:
                    with transaction(self.ctx.engine) as s:
                        save_validators(s, status.source, status)
                except StorageError as exc:  # the articles are stored: the next crawl
                    self._failed(status.source, exc)  # asks for the whole feed again

    def _handled(self, item: ArticleData, stored: Stored) -> SourceStatus | None:
        """Count and log a stored article; its source's status once every article the
        source listed is handled."""
        tally = self.ctx.tally.of(item.source)
        tally.articles_done += 1
        complete = None
        waiting = self.waiting.get(item.source)
        if waiting is not None:
            waiting[0] -= 1
            if waiting[0] <= 0:  # every article the source listed is handled
                del self.waiting[item.source]
                complete = waiting[1]
        if item.fetch_error:
            tally.article_errors += 1
            log.warning(
                "article fetch failed source=%s url=%s error=%s",
                item.source,
                item.url,
                item.fetch_error,
            )
        if stored.revised:
            tally.revised += 1
            log.info(
                "article revised source=%s url=%s title=%r",
                item.source,
                item.url,
                (item.title or "")[:100],
            )
        if stored.new_article:
            tally.articles_new += 1
            self.stats.inc_value("monitor/articles_new")
        for watchlist in stored.new_hits:
            tally.hits_new += 1
            self.stats.inc_value("monitor/hits_new")
            log.info(
                "hit watchlist=%s source=%s title=%r",
                watchlist,
                item.source,
                (item.title or item.url)[:100],
            )
        return complete
