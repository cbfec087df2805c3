"""One crawl cycle: the chosen sources in one Scrapy run. `monitor crawl` and the daemon's
child process both come here. Twisted's reactor cannot be restarted, so this runs once per
process (the daemon starts a fresh process per cycle)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.config import Config, Source, SourceKind
from monitor.crawl.context import CrawlContext, CrawlTally, set_context
from monitor.crawl.tuning import map_page_sized_blocks, settle_collector
from monitor.logs import quiet_libraries
from monitor.store.engine import transaction
from monitor.store.models import utcnow
from monitor.store.runs import finish_run, start_run
from monitor.store.sources import never_checked, record_source_result

if TYPE_CHECKING:
    from twisted.internet.task import LoopingCall

log = logging.getLogger("monitor.crawl")


@dataclass
class CrawlSummary(CrawlTally):
    """The tally of a finished crawl run, with its id and duration."""

    run_id: int = 0
    seconds: float = 0.0


def select_sources(config: Config, names: Sequence[str]) -> list[Source]:
    return [config.source(n) for n in names] if names else list(config.sources)


def _progress_reporter(ctx: CrawlContext, total: int, every: float = 5.0) -> LoopingCall:
    """A line every few seconds while a long crawl runs (a backfill takes minutes)."""
    from twisted.internet.task import LoopingCall

    last: list[tuple[int, int, int]] = []

    def report() -> None:
        t = ctx.tally
        state = (
            sum(s.reported for s in t.sources.values()),
            sum(s.articles_done for s in t.sources.values()),
            len(ctx.requested),
        )
        if last and last[-1] == state:
            return
        last[:] = [state]
        log.info(
            "progress sources=%d/%d articles=%d/%d new_articles=%d new_hits=%d",
            state[0],
            total,
            state[1],
            state[2],
            t.articles_new,
            t.hits_new,
        )

    loop = LoopingCall(report)
    loop.start(every, now=False)
    return loop


def run_crawl(config: Config, names: Sequence[str] = (), *, verbose: bool = False) -> CrawlSummary:
    started = time.monotonic()
    map_page_sized_blocks()
    sources = select_sources(config, names)
    ctx = CrawlContext(config)
    with transaction(ctx.engine) as s:
        # In a cluster (a worker's child: $MONITOR_WORKER) other workers' crawls run now:
        # only a run older than a crawl may take was left by a dead one (issue #17).
        stale = utcnow() - config.daemon.crawl_timeout if os.environ.get("MONITOR_WORKER") else None
        run_id = start_run(s, [src.name for src in sources], os.getpid(), stale_before=stale)
        if never_checked(s, [src.name for src in sources]):
            # Their feeds list articles we do not have: the extraction workers start now,
            # beside the first requests, rather than with the first page (spiders.base).
            ctx.extractor.start()
    log.info("crawl started run=%d sources=%d", run_id, len(sources))
    # Scrapy (0.3 s of imports) only now, while the workers' fork server loads trafilatura.
    from scrapy.crawler import CrawlerProcess

    from monitor.crawl.settings import crawl_settings

    settings = crawl_settings(config, verbose=verbose)
    set_context(ctx)
    process = CrawlerProcess(settings)
    quiet_libraries(verbose)  # Scrapy just set its loggers to DEBUG
    for kind in SourceKind:  # each kind's spider is named after it; Scrapy's loader finds it
        chosen = [s.name for s in sources if s.kind == kind]
        if chosen:
            process.crawl(kind.value, sources=chosen)
    progress = _progress_reporter(ctx, len(sources))
    settle_collector()  # what exists now lasts as long as the crawl
    try:
        if sources:
            process.start()
    finally:
        if progress.running:
            progress.stop()
        ctx.close()
    tally = ctx.tally
    for src in sources:
        per = tally.of(src.name)
        if not per.reported:  # stopped early (signal) or never answered
            per.error = "Interrupted: the crawl ended before this source was checked"
            with transaction(ctx.engine) as s:
                record_source_result(s, src.name, error=per.error, entries=None)
    status = "failed" if sources and len(tally.errors) == len(sources) else "ok"
    with transaction(ctx.engine) as s:
        finish_run(
            s,
            run_id,
            articles_new=tally.articles_new,
            hits_new=tally.hits_new,
            errors=[{"source": k, "error": v} for k, v in tally.errors.items()],
            status=status,
        )
    # Its connections closed now, not when the process is torn down: SQLite copies the
    # write-ahead log back into the database as the last one closes.
    ctx.engine.dispose()
    summary = CrawlSummary(
        run_id=run_id,
        sources={s.name: tally.of(s.name) for s in sources},
        store_errors=tally.store_errors,
        seconds=time.monotonic() - started,
    )
    log.info(
        "crawl finished run=%d sources=%d new_articles=%d new_hits=%d failed_sources=%d "
        "seconds=%.1f",
        run_id,
        len(sources),
        summary.articles_new,
        summary.hits_new,
        len(summary.errors),
        summary.seconds,
    )
    return summary
