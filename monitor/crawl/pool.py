"""The extraction workers: a process pool that runs ``monitor.crawl.extract`` on article
pages, so that the crawl process neither extracts, matches, signs nor loads the language
model (about 75 MB), and does not even import the extraction (trafilatura, the layout and
boilerplate rules, the language module; it reads the walls' verdicts with
``monitor.crawl.walls`` and signs nothing, though the store imports the signatures' module
for its index): a crawl that fetches no page (most cycles of a daemon) starts no worker.

The crawl process sends each page's body once, as bytes (decoded in the worker), with the
article's feed data; the worker returns the article filled from the page. ``workers = 0``
does all of it inline (tests, tiny crawls).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from monitor.domain.articles import ArticleData

if TYPE_CHECKING:
    from monitor.crawl.extract import Extracted
    from monitor.matching import Matcher

log = logging.getLogger(__name__)

_worker_matcher: Matcher | None = None


def _init_worker(watchlists: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> None:
    """Once per worker process: the extraction imported (the fork server has it already,
    ``monitor.crawl.preload``) and the watchlists compiled."""
    global _worker_matcher
    import monitor.crawl.extract  # noqa: F401  (once per worker, not per article)
    from monitor.matching import Matcher

    _worker_matcher = Matcher(watchlists, lists)


def _analyse_in_worker(html: bytes, item: ArticleData, url: str) -> ArticleData:
    from monitor.crawl.extract import analyse_article

    assert _worker_matcher is not None, "the pool's initializer compiles the matcher"
    return analyse_article(html, item, url, _worker_matcher)


def _analyse_fields_in_worker(item: ArticleData) -> ArticleData:
    from monitor.crawl.extract import analyse_fields

    assert _worker_matcher is not None, "the pool's initializer compiles the matcher"
    return analyse_fields(item, _worker_matcher, item.lang)


def _extract(html: bytes, url: str) -> Extracted:
    from monitor.crawl.extract import extract_article

    return extract_article(html, url)


class ExtractorPool:
    def __init__(
        self,
        workers: int,
        watchlists: Mapping[str, str] | None = None,
        lists: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.workers = workers
        self._matcher_args: tuple[dict[str, str], dict[str, list[str]]] = (
            dict(watchlists or {}),
            {k: list(v) for k, v in (lists or {}).items()},
        )
        self._matcher: Matcher | None = None  # inline only
        self._pool: Executor | None = None
        self._lock = threading.Lock()
        self._ready: Future[None] | None = None  # the workers started (``start``)

    def start(self) -> None:
        """Start the workers in the background, so that they are ready when the first page
        arrives. The fork server first loads trafilatura and the language model (about a
        second), and the first worker exists only after it: started from the reactor's
        thread, that second would block the whole crawl."""
        with self._lock:
            if self.workers <= 0 or self._ready is not None:
                return
            ready: Future[None] = Future()
            self._ready = ready
        threading.Thread(
            target=self._start_workers, args=(ready,), name="extraction-start", daemon=True
        ).start()

    def started(self) -> Future[None] | None:
        """Done once the workers run (None: not started, or ``workers = 0``)."""
        return self._ready

    def worker_pids(self) -> set[int]:
        with self._lock:
            pool = self._pool
        return {p.pid for p in getattr(pool, "_processes", {}).values()} if pool else set()

    def _start_workers(self, ready: Future[None]) -> None:
        try:
            with self._lock:
                if self._ready is not ready:  # closed meanwhile: start nothing
                    ready.cancel()
                    return
                pool = self._pool or self._new_pool()
            for fut in [pool.submit(os.getpid) for _ in range(self.workers)]:
                fut.result()  # each submit starts a worker while none is idle
            ready.set_result(None)
        except BaseException as exc:  # handed to whoever awaits the workers
            ready.set_exception(exc)

    def _executor(self) -> Executor:
        with self._lock:
            return self._pool or self._new_pool()

    def _new_pool(self) -> Executor:
        # Not fork: the crawl process runs a reactor and threads. A fork server (a fresh
        # process) loads what every worker needs once (monitor.crawl.preload), and the
        # workers forked from it share those pages: about 90 MB less for two workers
        # than spawning each.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["monitor.crawl.preload"])
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=self._matcher_args,
        )
        return self._pool

    async def extract(self, html: bytes, url: str) -> Extracted:
        """Extraction alone (no matching)."""
        return await self._run(_extract, html, url)

    async def analyse(self, html: bytes, item: ArticleData, url: str) -> ArticleData:
        """``analyse_article`` in a worker: the returned item is a filled copy of ``item``."""
        if self.workers <= 0:
            from monitor.crawl.extract import analyse_article

            return analyse_article(html, item, url, self._inline_matcher())
        result: ArticleData = await self._run(_analyse_in_worker, html, item, url)
        return result

    async def analyse_fields(self, item: ArticleData) -> ArticleData:
        """``analyse_fields`` of an item without its page, in a worker."""
        if self.workers <= 0:
            from monitor.crawl.extract import analyse_fields

            return analyse_fields(item, self._inline_matcher(), item.lang)
        result: ArticleData = await self._run(_analyse_fields_in_worker, item)
        return result

    def _inline_matcher(self) -> Matcher:
        if self._matcher is None:
            from monitor.matching import Matcher

            self._matcher = Matcher(*self._matcher_args)
        return self._matcher

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self.workers <= 0:
            return fn(*args)
        for attempt in (1, 2):
            try:
                self.start()
                assert self._ready is not None
                await asyncio.wrap_future(self._ready)
                fut = self._executor().submit(fn, *args)
                return await asyncio.wrap_future(fut)
            except BrokenProcessPool:
                # A worker died (out of memory, a crash in a C library): start a new pool.
                log.warning("extraction worker died url=%s attempt=%d", args[-1], attempt)
                self.close()
        raise RuntimeError("extraction workers keep dying")

    def close(self) -> None:
        with self._lock:
            pool, self._pool, self._ready = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
