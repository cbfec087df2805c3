"""The store pipeline: write articles and their hits, and sources' results, in batches.

Articles come matched and signed by the extraction workers (``monitor.crawl.extract``), those
with the feed's data alone (a failed fetch, a wall) too; the pipeline analyses only an item
that comes without (``analyse_fields``, as a worker would).

Articles are buffered and written ``MONITOR_STORE_BATCH`` at a time in one transaction
(``monitor.store.articles.store_articles``), or after ``MONITOR_STORE_BATCH_SECONDS`` when
they trickle in, and whatever is left when the spider closes: one article per transaction
was bound at about 100 articles/s by its 9-10 statements and commit (benchmarks/README.md).
An article counts as handled (tallies, logs, a source's validators) only once its batch is
committed, so a crawl that is killed loses nothing the next crawl would not fetch again.
Sources' results are buffered the same way and recorded first in each flush; one that is
lost leaves its source due, so the next crawl checks it again. A source that listed new
articles is recorded as checked only once they are all handled (or when the crawl ends
without some of them): a crawl killed before leaves it due, and the next crawl (another
worker's, minutes later) fetches what is missing, not the next check an interval later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from scrapy.crawler import Crawler
from scrapy.utils.reactor import CallLaterOnce
from sqlalchemy.orm import Session

from monitor.crawl.context import CrawlContext, context_for
from monitor.crawl.walls import trouble_kind
from monitor.domain.articles import ArticleData, FeedItemSeen, Rechecked, clean
from monitor.domain.sources import SourceStatus
from monitor.errors import StorageError
from monitor.store.articles import (
    FeedFill,
    Incoming,
    Stored,
    add_hits,
    complete_from_feed,
    store_articles,
)
from monitor.store.engine import transaction
from monitor.store.models import utcnow
from monitor.store.rechecks import record_outcomes, record_rechecks
from monitor.store.snapshots import add_snapshots
from monitor.store.sources import (
    count_page_trouble,
    count_recent_articles,
    record_source_result,
    save_validators,
    sources_named,
)

log = logging.getLogger("monitor.crawl")
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Buffered:
    item: ArticleData
    incoming: Incoming


class StorePipeline:
    def __init__(self, ctx: CrawlContext, crawler: Crawler, batch: int, seconds: float) -> None:
        self.ctx = ctx
        self.stats = crawler.stats
        self.batch, self.seconds = max(1, batch), seconds
        self.buffer: list[_Buffered] = []
        self.sources: list[SourceStatus] = []  # results to record with the next flush
        self.rechecked: list[Rechecked] = []  # re-checks that stored no article
        self.source_ids: dict[str, int] = {}  # sources are not deleted while a crawl runs
        self._later: CallLaterOnce[None] = CallLaterOnce(self.flush)
        # source -> [articles still to handle, its status, whether a page failed]: the
        # validators are saved at zero (cleared when a page failed).
        self.waiting: dict[str, list[Any]] = {}
        self.max_interval = {src.name: src.max_interval for src in ctx.config.sources}
        ctx.pipelines_open += 1

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(
            context_for(crawler),
            crawler,
            crawler.settings.getint("MONITOR_STORE_BATCH"),  # monitor.crawl.settings
            crawler.settings.getfloat("MONITOR_STORE_BATCH_SECONDS"),
        )

    def process_item(self, item: Any) -> Any:
        try:
            if isinstance(item, SourceStatus):
                self._source(item)
            elif isinstance(item, ArticleData):
                self._article(item)
            elif isinstance(item, Rechecked):
                self.rechecked.append(item)
                self._later.schedule(self.seconds)
            elif isinstance(item, FeedItemSeen):
                self.ctx.feed_items.append(item)
                self._later.schedule(self.seconds)
        except StorageError as exc:
            self._failed(getattr(item, "source", "?"), exc)
        return item

    def close_spider(self, spider: object = None) -> None:  # Scrapy < 2.14 passes the spider
        """Nothing buffered is left behind: the crawl ends after its last batch is stored.
        Feed items whose article another spider requested wait for that spider's pipeline,
        which completes them once it stores the article; the last pipeline to close drops
        those whose article was never stored (its write failed)."""
        self.flush()
        # Sources whose listed articles did not all come back (a store that failed, a
        # request Scrapy dropped): checked, without validators, so the next check parses
        # the feed again and fetches what is still unknown.
        unfinished = [
            replace(w[1], etag=None, last_modified=None, body_hash=None)
            for w in self.waiting.values()
        ]
        self.waiting = {}
        self._in_batches(unfinished, self._record_sources, lambda st: st.source, "sources")
        self.ctx.pipelines_open -= 1
        if self.ctx.feed_items and self.ctx.pipelines_open <= 0:
            log.info("feed items of unstored articles dropped count=%d", len(self.ctx.feed_items))
            self.ctx.feed_items = []

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
        if item.error is None and not item.not_modified and item.new:
            # Recorded with its last article (``_handled``), so that it stays due until then.
            self.waiting[item.source] = [item.new, item, False]
            return
        # Recorded with the next flush, many sources to a transaction (a warm cycle is
        # mostly sources: one transaction each was a fifth of it), before the articles.
        self.sources.append(item)
        if len(self.sources) >= self.batch:
            self.flush()
        else:
            self._later.schedule(self.seconds)

    def _record_sources(self, batch: list[SourceStatus]) -> None:
        """The sources' results, and the validators of those whose listed articles are all
        handled (or that listed none new)."""
        now = utcnow()  # the batch's checks, recorded together
        with transaction(self.ctx.engine) as s:
            rows = sources_named(s, [item.source for item in batch])
            count_recent_articles(s, rows.values(), now)
            for item in batch:
                record_source_result(
                    s,
                    item.source,
                    error=item.error,
                    entries=item.entries,
                    now=now,
                    status=item,
                    max_interval=self.max_interval.get(item.source),
                    source=rows.get(item.source),
                )
                if item.error is None and not item.not_modified:
                    save_validators(rows[item.source], item)  # known: recorded above

    def _article(self, item: ArticleData) -> None:
        """Match and sign now, unless an extraction worker did (CPU, no I/O); store with
        the next batch. Items without a worker's analysis (the feed entry alone, after a
        failed fetch or extraction) are matched and signed here."""
        if item.analysis is None:  # the spiders send every item through a worker
            from monitor.crawl.extract import analyse_fields

            analyse_fields(item, self.ctx.matcher, item.lang)
        else:
            item.sanitize()
        assert item.analysis is not None
        hits, signature = item.analysis.hits, item.analysis.signature
        if not hits and not self.ctx.config.archive.all:
            item.snapshot = None  # not evidence: the raw page is not held until the batch
        self.buffer.append(_Buffered(item, Incoming(item, hits, signature)))
        if len(self.buffer) >= self.batch:
            self.flush()
        else:
            self._later.schedule(self.seconds)

    def flush(self) -> None:
        """Record the buffered sources' results, then store the buffered articles, each in
        one transaction. When one fails, each item is tried on its own, so one bad item
        costs only itself."""
        self._later.cancel()
        sources, self.sources = self.sources, []
        self._in_batches(sources, self._record_sources, lambda st: st.source, "sources")
        batch, self.buffer = self.buffer, []
        self._in_batches(batch, self._store, lambda b: b.item.source, "articles")
        listed, self.ctx.feed_items = self.ctx.feed_items, []
        self._in_batches(listed, self._complete, lambda f: f.source, "feed items")
        outcomes, self.rechecked = self.rechecked, []
        self._in_batches(outcomes, self._record_outcomes, lambda o: o.source, "re-checks")

    def _record_outcomes(self, outcomes: list[Rechecked]) -> None:
        with transaction(self.ctx.engine) as s:
            record_outcomes(s, outcomes, self.ctx.now())
        for o in outcomes:
            if o.removed:
                log.info(
                    "article removed source=%s article=%d why=%s", o.source, o.article_id, o.why
                )

    def _complete(self, listed: list[FeedItemSeen]) -> None:
        """Feed items of articles this crawl did not fetch: after the articles, since the
        one another source requested may be in this flush's batch; those whose article is
        not stored yet (its page still on the way) wait for the next flush."""
        fills = [FeedFill(f.url, clean(f.title), clean(f.summary)) for f in listed]
        with transaction(self.ctx.engine) as s:
            missing, refilled = complete_from_feed(s, fills)
            for art in refilled:
                fields = {"title": art.title, "summary": art.summary, "text": art.text}
                hits = self.ctx.matcher.match(fields, source=art.source, lang=art.lang)
                for watchlist in add_hits(s, art.id, art.source_id, hits):
                    self._count_hit(watchlist, art.source, art.title or art.url)
        later = [listed[n] for n in missing]
        self.ctx.feed_items.extend(later)

    def _in_batches(
        self,
        batch: list[_T],
        write: Callable[[list[_T]], None],
        source: Callable[[_T], str],
        what: str,
    ) -> None:
        if not batch:
            return
        try:
            write(batch)
        except StorageError as exc:
            if len(batch) == 1:
                self._failed(source(batch[0]), exc)
                return
            log.warning("store batch failed %s=%d error=%s", what, len(batch), exc)
            for one in batch:
                try:
                    write([one])
                except StorageError as exc_one:
                    self._failed(source(one), exc_one)

    def _store(self, batch: list[_Buffered]) -> None:
        trouble: dict[str, dict[str, int]] = {}
        for b in batch:
            kind = trouble_kind(b.item.fetch_error)
            if kind:
                counts = trouble.setdefault(b.item.source, {"blocked": 0, "thin": 0})
                counts[kind] += 1
        with transaction(self.ctx.engine) as s:
            stored = store_articles(s, [b.incoming for b in batch], self.source_ids)
            for name, counts in trouble.items():
                count_page_trouble(s, name, blocked=counts["blocked"], thin=counts["thin"])
            self._archive(s, batch, stored)
            pairs = list(zip(batch, stored, strict=True))
            # A re-check moves on the article it was made for, whatever the page led to.
            checked = [b.item.recheck_of for b, _ in pairs if b.item.recheck_of is not None]
            kept = [(b.item.recheck_of or st.article_id, b.item) for b, st in pairs]
            record_rechecks(s, checked, kept, self.ctx.now())
        for b in batch:
            b.item.snapshot = None  # the body is not held after its batch
        done = [self._handled(b.item, st) for b, st in zip(batch, stored, strict=True)]
        # The articles are stored: if this fails, the source stays due and the next crawl
        # checks it again.
        self._in_batches(
            [st for st in done if st is not None],
            self._record_sources,
            lambda st: st.source,
            "sources",
        )

    def _archive(self, s: Session, batch: list[_Buffered], stored: list[Stored]) -> None:
        """The pages of the articles with hits (of all with ``[archive] all``), new or
        revised, to the WARC archive; their rows only once the records are on disk (the
        transaction commits after this). An article seen again unchanged keeps its first."""
        keep_all = self.ctx.config.archive.all
        chosen = [
            (b.item.snapshot, st.article_id)
            for b, st in zip(batch, stored, strict=True)
            if b.item.snapshot is not None
            and (st.new_article or st.revised)
            and (keep_all or b.incoming.hits)
        ]
        if not chosen:
            return
        try:
            refs = self.ctx.archive.write([snap for snap, _ in chosen])
        except OSError as exc:  # a full disk loses the evidence, not the articles
            self.ctx.tally.store_errors += 1
            log.error("archive write failed error=%s", exc)
            return
        add_snapshots(
            s,
            [
                {
                    "article_id": article_id,
                    "url": snap.url,
                    "status": snap.status,
                    "fetched_at": snap.fetched_at,
                    "file": ref.file,
                    "offset": ref.offset,
                    "length": ref.length,
                }
                for (snap, article_id), ref in zip(chosen, refs, strict=True)
            ],
        )

    def _handled(self, item: ArticleData, stored: Stored) -> SourceStatus | None:
        """Count and log a stored article; its source's status once every article the
        source listed is handled."""
        tally = self.ctx.tally.of(item.source)
        tally.articles_done += 1
        complete = None
        waiting = self.waiting.get(item.source)
        if waiting is not None:
            waiting[0] -= 1
            waiting[2] = waiting[2] or item.fetch_error is not None
            if waiting[0] <= 0:  # every article the source listed is handled
                del self.waiting[item.source]
                complete = waiting[1]
                if waiting[2]:
                    # A page failed (a timeout, a 5xx, a wall): it is fetched again only if
                    # the next crawl parses the feed, so no validators (issue #17: a page
                    # that timed out was never tried again while its feed was unchanged).
                    # After MAX_FETCH_ATTEMPTS the page counts as known, and they are kept.
                    complete = replace(complete, etag=None, last_modified=None, body_hash=None)
        kind = trouble_kind(item.fetch_error)
        if kind == "blocked":
            tally.blocked += 1
        elif kind == "thin":
            tally.thin += 1
        if kind:
            log.warning("article page %s source=%s url=%s", kind, item.source, item.url)
        elif item.fetch_error:
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
            self._count_hit(watchlist, item.source, item.title or item.url)
        return complete

    def _count_hit(self, watchlist: str, source: str, title: str) -> None:
        self.ctx.tally.of(source).hits_new += 1
        self.stats.inc_value("monitor/hits_new")
        log.info("hit watchlist=%s source=%s title=%r", watchlist, source, title[:100])
