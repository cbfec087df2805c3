"""What both spiders share: choosing sources, skipping stored articles, fetching articles."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence, Sized
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater
from twisted.python.failure import Failure

from monitor.config import Source, SourceKind
from monitor.crawl.context import CrawlContext, context_for, crawl_config
from monitor.crawl.discovery import Fetched, FetchError
from monitor.crawl.failures import describe_failure, is_gone, retry_after
from monitor.crawl.feeds import Entry
from monitor.crawl.robots import preload_kept
from monitor.crawl.served import ARCHIVE, SERVED
from monitor.crawl.settings import apply_config
from monitor.domain.articles import ArticleData, FeedItemSeen, Rechecked
from monitor.domain.sources import SourceStatus
from monitor.domain.urls import content_hash, is_homepage, plausible_alias, url_key
from monitor.store.articles import known_articles
from monitor.store.engine import transaction
from monitor.store.rechecks import DueRecheck, due_rechecks
from monitor.store.sources import fetch_state

log = logging.getLogger("monitor.crawl")


class SourceSpider(scrapy.Spider):
    kind: ClassVar[SourceKind]
    #: The [crawl] option a failure names when the source's own response is too large.
    size_option: ClassVar[str] = "max_response_size"
    ctx: CrawlContext
    selected: list[Source]
    sources_waiting: int = 0  # requested, not answered yet
    sources_answered: int = 0
    articles_listed: int = 0  # article requests the answered sources made
    state: dict[str, tuple[str | None, str | None, str | None, str | None]]

    def __init__(
        self, source: str | None = None, sources: Iterable[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        names = list(sources or [])
        if source:  # `-a source=a,b` on the scrapy command line
            names += [n.strip() for n in source.split(",") if n.strip()]
        self.source_names = names

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """The configuration's [crawl] options, where Scrapy takes a spider's own settings:
        so `scrapy crawl feed` from the repository root crawls as `monitor crawl` does."""
        super().update_settings(settings)
        apply_config(settings, crawl_config(settings).crawl)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.ctx = context_for(crawler)
        config = spider.ctx.config
        if spider.source_names:
            chosen = [config.source(n) for n in spider.source_names]
            wrong = [s.name for s in chosen if s.kind != cls.kind]
            if wrong:
                raise ValueError(
                    f"source(s) {', '.join(wrong)} are not {cls.kind} sources; use the other spider"
                )
        else:
            chosen = [s for s in config.sources if s.kind == cls.kind]
        spider.selected = chosen
        return spider

    async def start(self) -> AsyncIterator[Any]:
        """The sources' requests, interleaved by host, and lazily: the next source waits
        while the requests waiting in the scheduler and those the unanswered sources will
        likely add pass ``MONITOR_MAX_QUEUED_ARTICLES``, or while as many sources as
        requests may be in flight (``CONCURRENT_REQUESTS``) are not answered yet. Scrapy
        reads ``start()`` on whatever its downloader's load: a backfill's sources were all
        queued within seconds, and their feeds then queued ~12,000 article requests at
        once, which held the crawl process's memory (benchmarks/README.md)."""
        with transaction(self.ctx.engine) as s:
            self.state = fetch_state(s, [src.name for src in self.selected])
            due = due_rechecks(s, [src.name for src in self.selected], self.ctx.now())
            if self.crawler.settings.getbool("ROBOTSTXT_OBEY"):
                preload_kept(self.ctx, s, [src.url for src in self.selected])
        for recheck in due:  # few: the articles with hits an hour, a day, a week ago
            if url_key(recheck.url) not in self.ctx.requested:
                self.ctx.requested.add(url_key(recheck.url))
                yield self.recheck_request(recheck)
        from twisted.internet import reactor  # the one Scrapy installed (not at import time)

        limit = self.crawler.settings.getint("MONITOR_MAX_QUEUED_ARTICLES")
        in_flight = max(1, self.crawler.settings.getint("CONCURRENT_REQUESTS"))
        for source in interleave_hosts(self.selected):
            while limit > 0 and (
                self.sources_waiting >= in_flight or self._queued() + self._expected() > limit
            ):
                await maybe_deferred_to_future(deferLater(reactor, 0.1))
            self.sources_waiting += 1
            etag, last_modified, _, moved = self.state.get(source.name, (None,) * 4)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            yield scrapy.Request(
                self.source_url(source, moved),
                callback=self.parse_source,
                errback=self.source_failed,
                dont_filter=True,
                headers=headers,
                cb_kwargs={"source": source},
                # 304 is an answer, not an error: pass it to the callback.
                meta={
                    "source": source.name,
                    "handle_httpstatus_list": [304],
                    **self.request_meta(source),
                },
            )

    def _expected(self) -> float:
        """The article requests the unanswered sources will likely add: as many each as
        the answered ones listed on average (none on a warm cycle)."""
        return self.sources_waiting * self.articles_listed / max(1, self.sources_answered)

    def _queued(self) -> int:
        """Requests waiting in this crawler's scheduler (0 where Scrapy < 2.19 does not say)."""
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        return len(scheduler) if isinstance(scheduler, Sized) else 0

    def source_url(self, source: Source, moved: str | None) -> str:
        """What the source's request asks for: where it lives now."""
        return moved or source.url

    def request_meta(self, source: Source) -> dict[str, Any]:
        """More of the source request's meta (a sitemap's own size limit)."""
        return {}

    async def fetch(self, url: str, max_size: int) -> Fetched:
        """One more response, for discovery and sitemap indexes (``monitor.crawl.discovery
        .Fetch``): through Scrapy's downloader and its middlewares (robots.txt, redirects,
        retries), at most ``max_size`` bytes."""
        request = scrapy.Request(url, dont_filter=True, meta={"download_maxsize": max_size})
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:
            failure = Failure(exc)
            failure.request = request  # type: ignore[attr-defined]
            sitemap = max_size == self.ctx.config.crawl.max_sitemap_size
            option = "max_sitemap_size" if sitemap else "max_response_size"
            raise FetchError(describe_failure(failure, option)) from None
        return Fetched(response.url, response.status, response_headers(response), response.body)

    async def parse_source(self, response: Response, source: Source) -> AsyncIterator[Any]:
        """Conditional GET: a 304, or the very body we parsed last time, needs no parsing."""
        self.sources_waiting -= 1
        self.sources_answered += 1
        body_hash = content_hash(response.body.hex()) if response.status != 304 else None
        if response.status == 304 or body_hash == self.state.get(source.name, (0,) * 4)[2]:
            yield SourceStatus(source.name, error=None, not_modified=True)
            return
        etag = response.headers.get(b"ETag")
        last_modified = response.headers.get(b"Last-Modified")
        async for item in _each(self.parse_page(response, source)):
            if isinstance(item, SourceStatus):
                self.articles_listed += item.new
            if isinstance(item, SourceStatus) and item.error is None and item.conditional:
                item.moved_to = permanent_redirect(response)
                item.etag = etag.decode("latin-1") if etag else None
                item.last_modified = last_modified.decode("latin-1") if last_modified else None
                item.body_hash = body_hash
            yield item

    def parse_page(self, response: Response, source: Source) -> Iterator[Any] | AsyncIterator[Any]:
        raise NotImplementedError

    def source_failed(self, failure: Failure) -> Iterator[SourceStatus]:
        self.sources_waiting -= 1
        self.sources_answered += 1
        source: Source = failure.request.cb_kwargs["source"]  # type: ignore[attr-defined]
        yield SourceStatus(
            source.name,
            error=describe_failure(failure, self.size_option),
            retry_after=retry_after(failure),
            gone=is_gone(failure),
        )

    def triage(
        self, source: Source, entries: list[Entry]
    ) -> tuple[list[Entry], list[FeedItemSeen]]:
        """Which entries to fetch: those not stored yet, and stored ones whose headline in
        the feed changed (a rewrite, kept as a revision). The store, not this run,
        remembers what is known. The others' headline and summary are passed on
        (``FeedItemSeen``) for the articles first reached through a section page."""
        keys = [url_key(e.link) for e in entries]
        with transaction(self.ctx.engine) as s:
            known = known_articles(s, keys)
        fetch: list[Entry] = []
        seen: list[FeedItemSeen] = []
        for key, entry in zip(keys, entries, strict=True):
            listed = entry.title is not None or entry.summary is not None
            # Two sources of one crawl often list the same story: fetch it once.
            if key in self.ctx.requested:
                if listed:
                    seen.append(FeedItemSeen(source.name, entry.link, entry.title, entry.summary))
                continue
            if key in known:
                stored = known[key]
                if stored is None and listed:  # first seen in a feed: nothing changed
                    seen.append(FeedItemSeen(source.name, entry.link, entry.title, entry.summary))
                if entry.title is None or stored is None or _same(stored, entry.title):
                    continue
                self.logger.info("headline changed source=%s url=%s", source.name, entry.link)
            self.ctx.requested.add(key)
            fetch.append(entry)
        return fetch, seen

    def article_requests(self, source: Source, entries: list[Entry]) -> Iterator[scrapy.Request]:
        if entries:  # pages are on the way: the extraction workers start meanwhile
            self.ctx.extractor.start()
        for entry in entries:
            yield scrapy.Request(
                entry.link,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"source": source, "entry": entry},
                meta={"source": source.name, ARCHIVE: True},
                # triage() already skipped every URL key this crawl requested: Scrapy's
                # duplicate filter would only canonicalize and hash each URL again.
                dont_filter=True,
            )

    async def parse_article(
        self, response: Response, source: Source, entry: Entry
    ) -> AsyncIterator[ArticleData]:
        item = ArticleData(
            source=source.name,
            url=entry.link,
            title=entry.title,
            summary=entry.summary,
            published_at=entry.published_at,
            feed_title=entry.title,
        )
        yield await self.analyse(response, item)

    async def analyse(self, response: Response, item: ArticleData) -> ArticleData:
        """Fill ``item`` from its page (in an extraction worker), with the page as served
        for the archive; a page that is not HTML, or that the extractor fails on, is the
        article's fetch error."""
        if response.url != item.url and plausible_alias(response.url, item.url):
            # Where it was redirected names it too, unless that is a page many articles
            # are sent to (a consent or paywall page, the homepage, a section).
            item.other_urls.append(response.url)
        if not isinstance(response, TextResponse):
            ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
            item.fetch_error = f"NotHtml: the article is not a web page ({ctype or 'no type'})"
            return await self.feed_only(item)
        declared = response.headers.get(b"Content-Language")
        item.lang = declared.decode("latin-1") if declared else None  # the page's may override
        try:
            # The body as bytes, once: the worker decodes, extracts, matches and signs.
            item = await self.ctx.extractor.analyse(response.body, item, response.url)
        except Exception as exc:  # a crash in the extractor must not stop the crawl
            item.fetch_error = f"ExtractionFailed: {type(exc).__name__}: {exc}"
            return await self.feed_only(item)
        if item.fetch_error:
            # A wall or an empty page is not the article (the worker analysed the feed's
            # headline and summary alone, and said why): fetch it again later; no snapshot.
            return item
        # Set after the worker's round trip: the raw page stays in this process.
        item.snapshot = response.meta.get(SERVED)
        return item

    def recheck_request(self, due: DueRecheck) -> scrapy.Request:
        """A stored article fetched again, conditionally: 304, 404 and 410 are answers."""
        self.ctx.extractor.start()  # the page may come back changed
        headers = {}
        if due.etag:
            headers["If-None-Match"] = due.etag
        if due.last_modified:
            headers["If-Modified-Since"] = due.last_modified
        return scrapy.Request(
            due.url,
            callback=self.parse_recheck,
            errback=self.recheck_failed,
            dont_filter=True,
            headers=headers,
            cb_kwargs={"due": due},
            meta={"source": due.source, ARCHIVE: True, "handle_httpstatus_list": [304, 404, 410]},
        )

    async def parse_recheck(
        self, response: Response, due: DueRecheck
    ) -> AsyncIterator[ArticleData | Rechecked]:
        """Not modified, removed (gone, or sent to the homepage), or the page again: stored
        as the article seen again, a revision when its text changed."""
        now = self.ctx.now()
        if response.status == 304:
            yield Rechecked(due.source, due.article_id, False, now, "not modified")
            return
        if response.status in (404, 410):
            yield Rechecked(due.source, due.article_id, True, now, f"HTTP {response.status}")
            return
        if response.meta.get("redirect_urls") and is_homepage(response.url):
            yield Rechecked(due.source, due.article_id, True, now, "redirected to the homepage")
            return
        # The stored headline: a page title unlike the feed's is no revision (the feed's
        # headline changes are triage's to see).
        item = ArticleData(
            source=due.source, url=due.url, title=due.title, recheck_of=due.article_id
        )
        yield await self.analyse(response, item)

    def recheck_failed(self, failure: Failure) -> Iterator[Rechecked]:
        due: DueRecheck = failure.request.cb_kwargs["due"]  # type: ignore[attr-defined]
        # Counted as made: the schedule moves on rather than hammering a failing page.
        yield Rechecked(
            due.source, due.article_id, False, self.ctx.now(), describe_failure(failure)
        )

    async def article_failed(self, failure: Failure) -> AsyncIterator[ArticleData]:
        kw = failure.request.cb_kwargs  # type: ignore[attr-defined]
        entry: Entry = kw["entry"]
        # The feed's title and summary still get matched and stored; the page is tried
        # again by a later crawl.
        item = ArticleData(
            source=kw["source"].name,
            url=entry.link,
            title=entry.title,
            summary=entry.summary,
            published_at=entry.published_at,
            fetch_error=describe_failure(failure),
        )
        yield await self.feed_only(item)

    async def feed_only(self, item: ArticleData) -> ArticleData:
        """An item without its page, analysed in a worker (the crawl process would load the
        language model for it); as it is when that fails (the pipeline analyses it)."""
        try:
            return await self.ctx.extractor.analyse_fields(item)
        except Exception:
            log.exception("analysis of a feed item failed url=%s", item.url)
            return item


async def _each(items: Iterator[Any] | AsyncIterator[Any]) -> AsyncIterator[Any]:
    """A spider's items, whether its ``parse_page`` is a generator or an async one."""
    if isinstance(items, AsyncIterator):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


def response_headers(response: Response) -> dict[str, str]:
    """The response's headers as feedparser takes them: lower-case names, joined values."""
    return {
        k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
        for k, v in response.headers.items()
    }


def interleave_hosts(sources: Sequence[Source]) -> list[Source]:
    """The sources round-robin by host, each host's in their order: the first requests
    then reach many sites at once, within the per-site limit."""
    by_host: dict[str, list[Source]] = {}
    for src in sources:
        by_host.setdefault((urlsplit(src.url).hostname or "").lower(), []).append(src)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def permanent_redirect(response: Response) -> str | None:
    """The final URL when every redirect on the way was permanent (301, 308)."""
    reasons = response.meta.get("redirect_reasons") or []
    if reasons and all(r in (301, 308) for r in reasons):
        return response.url
    return None
