"""The cluster's jobs, as procrastinate tasks. Each asks the store whether its work is still
due when it runs, so a job queued twice, retried after its worker died, or queued by a
worker whose clock runs ahead does nothing the second time: "due" lives in the database
(next check per source, the slot each recipient got, when the daily chores ran), and the
queue's locks only keep two workers from doing one thing at the same moment."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from procrastinate import App, JobContext
from sqlalchemy import Engine

from monitor.app import daily_maintenance
from monitor.cluster.plan import CONTROL, CRAWL, CRAWL_HOST, DAILY, MAINTAIN, SEND_DIGEST
from monitor.config import Config
from monitor.crawl.child import crawl_command, start_crawl, terminate
from monitor.digest.job import due_recipients, run_digest
from monitor.errors import MonitorError
from monitor.store.cluster import chore_done, chore_due
from monitor.store.engine import transaction
from monitor.store.models import utcnow
from monitor.store.sources import due_sources

log = logging.getLogger("monitor.cluster")

#: How often the daily chores run, cluster-wide.
CHORES_EVERY = timedelta(days=1)
#: Finished jobs that failed are kept this long for `monitor status`, then deleted.
KEEP_FAILED = timedelta(days=7)


class CrawlFailed(MonitorError):
    """The crawl child crashed or timed out (failed sources alone do not fail a crawl)."""


@dataclass
class Runtime:
    """What the jobs of one worker process share: passed to each job by procrastinate."""

    config: Config
    engine: Engine
    verbose: bool
    hosts: dict[str, tuple[str, ...]]  # host -> the configured sources on it


def _runtime(context: JobContext) -> Runtime:
    rt = context.additional_context["runtime"]
    assert isinstance(rt, Runtime)
    return rt


async def crawl_host(context: JobContext, host: str) -> str:
    """Crawl the host's sources that are due now, in a `monitor crawl` child."""
    rt = _runtime(context)
    names = rt.hosts.get(host, ())
    due = await asyncio.to_thread(_due_sources, rt.engine, names)
    if not due:
        return "nothing due"
    log.info("crawl started host=%s sources=%s", host, ",".join(due))
    started = time.monotonic()
    # Started from the event loop's thread, which lives as long as the worker: the child
    # is killed with the worker (monitor.crawl.child), so a job retried after a SIGKILL
    # never overlaps the crawl it replaces.
    child = start_crawl(crawl_command(rt.config, due, verbose=rt.verbose))
    timeout = rt.config.daemon.crawl_timeout.total_seconds()
    try:
        while child.poll() is None:
            if time.monotonic() - started > timeout:
                log.error("crawl timed out host=%s seconds=%.0f; stopping it", host, timeout)
                await asyncio.to_thread(terminate, child)
                break
            await asyncio.sleep(0.2)
    finally:
        if child.poll() is None:  # the job was cancelled: the crawl goes with it
            await asyncio.to_thread(terminate, child)
    seconds = time.monotonic() - started
    log.info(
        "crawl finished host=%s sources=%d exit=%s seconds=%.1f",
        host,
        len(due),
        child.returncode,
        seconds,
    )
    if child.returncode != 0:
        raise CrawlFailed(f"crawl of {host} exited with {child.returncode}")
    return f"sources={len(due)} seconds={seconds:.1f}"


def _due_sources(engine: Engine, names: tuple[str, ...]) -> list[str]:
    if not names:
        return []
    with transaction(engine) as s:
        return due_sources(s, names, utcnow())


def send_digest(context: JobContext, recipient: str) -> str:
    """The recipient's digest (or alert) if it is still due: once per slot, whichever
    worker runs it (monitor.digest.job records the slot with the delivery)."""
    rt = _runtime(context)
    for r, slot in due_recipients(rt.config, rt.engine, utcnow()):
        if r.name == recipient:
            outcome = run_digest(rt.config, rt.engine, r, slot_at=slot)
            log.info(
                "digest run recipient=%s status=%s hits=%d",
                outcome.recipient,
                outcome.status,
                outcome.hits,
            )
            return outcome.status
    return "not due"


async def maintain(context: JobContext) -> str:
    """The daily chores, once a day for the whole cluster: the planner's statistics, the
    archive's retention, and the queue's old failed jobs."""
    rt = _runtime(context)
    if not await asyncio.to_thread(_chore_due, rt.engine):
        return "not due"
    log.info("daily maintenance started")
    await asyncio.to_thread(daily_maintenance, rt.config, rt.engine, utcnow())
    await context.app.job_manager.delete_old_jobs(
        nb_hours=int(KEEP_FAILED.total_seconds() // 3600),
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )
    await asyncio.to_thread(_chore_done, rt.engine)
    log.info("daily maintenance finished")
    return "done"


def _chore_due(engine: Engine) -> bool:
    with transaction(engine) as s:
        return chore_due(s, DAILY, CHORES_EVERY, utcnow())


def _chore_done(engine: Engine) -> None:
    with transaction(engine) as s:
        chore_done(s, DAILY, utcnow())


def register(app: App) -> None:
    """The tasks, each on its queue, under the names the planner defers them by."""
    app.task(name=CRAWL_HOST, queue=CRAWL, pass_context=True)(crawl_host)
    app.task(name=SEND_DIGEST, queue=CONTROL, pass_context=True)(send_digest)
    app.task(name=MAINTAIN, queue=CONTROL, pass_context=True)(maintain)
