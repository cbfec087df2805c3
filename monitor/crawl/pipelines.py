"""The store pipeline: match each article, then write it and its hits in one transaction."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from scrapy.crawler import Crawler

from monitor import stories
from monitor.crawl.context import CrawlContext, context_for
from monitor.crawl.items import ArticleData, FeedTitleSeen, SourceStatus
from monitor.errors import StorageError
from monitor.store.engine import transaction
from monitor.store.repo import (
    record_source_result,
    save_validators,
    set_feed_title,
    store_article,
)

log = logging.getLogger("monitor.crawl")


class StorePipeline:
    def __init__(self, ctx: CrawlContext, crawler: Crawler) -> None:
        self.ctx = ctx
        self.stats = crawler.stats
        # source -> [articles still to handle, its status]: validators are saved at zero.
        self.waiting: dict[str, list[Any]] = {}
        self.max_interval = {
            src.name: timedelta(seconds=src.max_interval) for src in ctx.config.sources
        }

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(context_for(crawler), crawler)

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
            # Nothing half-written: the transaction rolled back. The next crawl retries,
            # since the article is still unknown to the store.
            self.ctx.tally.store_errors += 1
            log.error("store failed source=%s error=%s", getattr(item, "source", "?"), exc)
        return item

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
        item.sanitize()
        hits = self.ctx.matcher.match(item.fields(), source=item.source)
        signature = stories.signature(item.text)
        with transaction(self.ctx.engine) as s:
            stored = store_article(s, item, hits, signature)
        tally = self.ctx.tally.of(item.source)
        tally.articles_done += 1
        waiting = self.waiting.get(item.source)
        if waiting is not None:
            waiting[0] -= 1
            if waiting[0] <= 0:  # every article the source listed is handled
                del self.waiting[item.source]
                with transaction(self.ctx.engine) as s:
                    save_validators(s, item.source, waiting[1])
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
