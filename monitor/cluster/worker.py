"""`monitor worker`: one process of the cluster.

It runs two procrastinate workers on the store's PostgreSQL, one on the ``crawl`` queue
(``[cluster] crawls`` jobs at once) and one on the ``control`` queue (digests, the daily
chores), and a timer (APScheduler, as in the daemon) that every ``[daemon] tick`` asks the
store what is due and queues it. Every worker does that: the queue's ``queueing_lock`` keeps
one job of a kind waiting and its ``lock`` one running, and each job asks again when it
runs, so N timers queue the work of one. No worker is special; adding or removing one needs
nothing from the others.

The timer also retries the jobs of workers that sent no heartbeat for ``[cluster]
stalled_after`` (a worker killed, or its machine gone) and prunes those workers.

SIGTERM or SIGINT: no new job is taken, running ones end, then the process exits. When the
database goes away, the workers stop taking jobs and the process reconnects every few
seconds until it is back; it does not exit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from datetime import UTC
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from procrastinate import App, PsycopgConnector, exceptions, jobs
from procrastinate.worker import Worker
from sqlalchemy import Engine

from monitor.cluster.plan import (
    CONTROL,
    CRAWL,
    CRAWL_HOST,
    DAILY,
    MAINTAIN,
    SEND_DIGEST,
    by_host,
    chore_lock,
    crawl_lock,
    digest_lock,
    host_of,
)
from monitor.cluster.tasks import CHORES_EVERY, Runtime, register
from monitor.config import Config
from monitor.digest.job import due_recipients
from monitor.errors import MonitorError
from monitor.store.cluster import chore_due, register_worker, waiting_jobs
from monitor.store.engine import describe, transaction
from monitor.store.lock import worker_lock
from monitor.store.models import utcnow
from monitor.store.sources import due_sources
from monitor.storeconfig import open_store

log = logging.getLogger("monitor.cluster")

#: Seconds between attempts to reach the database while it is away.
RECONNECT_EVERY = 5.0
#: Crawl jobs waiting in the queue at most: the rest of the due hosts are queued at later
#: ticks, most overdue first. Taking a job costs PostgreSQL more as more jobs wait (1.8 ms
#: of its CPU per job with 2,000-4,000 waiting, 3.5 ms with 20,000: benchmarks/README.md,
#: the cluster section), and a cold start with 100,000 due hosts need not queue them all.
MAX_WAITING = 5000


class NeedsPostgres(MonitorError):
    exit_code = 2


def worker_name() -> str:
    """How this worker appears in logs and in `monitor status`: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def conninfo(engine: Engine) -> str:
    """The store's SQLAlchemy URL as libpq takes it (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class ClusterWorker:
    def __init__(self, config: Config, *, verbose: bool = False) -> None:
        if not config.database_url.startswith("postgresql"):
            raise NeedsPostgres(
                f"`monitor worker` needs a PostgreSQL store, and {describe(config.database_url)} "
                "is not one: run `monitor run` (the single-process daemon) on SQLite, or move "
                'the store to PostgreSQL ([database] url = "postgresql+psycopg://...", '
                "docs/cluster.md)"
            )
        self.config = config
        self.verbose = verbose
        self.name = worker_name()
        self.engine = open_store(config)  # migrated if new, sources synced
        self.runtime = Runtime(
            config,
            self.engine,
            verbose,
            by_host((s.name, s.url) for s in config.sources),
        )
        self.host_of = {s.name: host_of(s.url) for s in config.sources}
        self.app: App | None = None
        self.stalled = config.cluster.stalled_after.total_seconds()
        self.beat_every = max(1.0, min(10.0, self.stalled / 4))  # 4 beats before "stalled"

    # -- the process ---------------------------------------------------------------------

    def run(self) -> int:
        return asyncio.run(self._main())

    async def _main(self) -> int:
        self.stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        c = self.config
        print(f"worker:   {self.name}")
        print(f"config:   {c.origin}")
        print(f"database: {describe(c.database_url)}")
        print(
            f"sources:  {len(c.sources)} on {len(self.runtime.hosts)} hosts, "
            f"recipients: {len(c.recipients)}, crawls at once: {c.cluster.crawls}"
        )
        print("Stop with Ctrl-C or SIGTERM (running jobs end first).", flush=True)
        log.info("worker started")
        while not self.stopping.is_set():
            try:
                await self._connected()
            except MonitorError:
                raise
            except Exception as exc:  # the database went away, or never came
                if self.stopping.is_set():
                    break
                log.warning(
                    "database unreachable, retrying in %.0fs error=%s",
                    RECONNECT_EVERY,
                    _one_line(exc),
                )
                try:
                    await asyncio.wait_for(self.stopping.wait(), RECONNECT_EVERY)
                except TimeoutError:
                    pass
        log.info("worker stopped")
        return 0

    def _on_signal(self, sig: int) -> None:
        log.info("signal received signal=%s; running jobs end first", signal.Signals(sig).name)
        self.stopping.set()

    async def _connected(self) -> None:
        """One span with the database: the lock beside the daemon's, the queue's workers
        and the timer. Returns when asked to stop; raises when the database is lost."""
        with worker_lock(self.engine):
            # Few connections: the queue's queries are short, and every worker counts
            # against the server's max_connections (docs/cluster.md, sizing).
            connector = PsycopgConnector(conninfo=conninfo(self.engine), min_size=1, max_size=4)
            app = App(connector=connector)
            register(app)
            async with app.open_async():
                self.app = app
                try:
                    await self._work(app)
                finally:
                    self.app = None

    async def _work(self, app: App) -> None:
        tick = self.config.daemon.tick.total_seconds()
        common: dict[str, Any] = {
            "additional_context": {"runtime": self.runtime},
            "install_signal_handlers": False,  # ours stop both, and the timer
            "update_heartbeat_interval": self.beat_every,
            "stalled_worker_timeout": self.stalled,
            "fetch_job_polling_interval": max(0.5, min(5.0, tick)),
            "delete_jobs": jobs.DeleteJobCondition.SUCCESSFUL,  # failed ones stay a week
        }
        workers = {
            "crawl": Worker(
                app,
                queues=[CRAWL],
                name=f"{self.name}/crawl",
                concurrency=self.config.cluster.crawls,
                **common,
            ),
            "control": Worker(app, queues=[CONTROL], name=f"{self.name}/control", **common),
        }
        running = {asyncio.create_task(w.run(), name=role) for role, w in workers.items()}
        registered = [asyncio.create_task(self._register(w, role)) for role, w in workers.items()]
        timer = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        now = utcnow()
        timer.add_job(self.plan, "interval", seconds=tick, next_run_time=now, id="plan")
        timer.add_job(
            self.recover,
            "interval",
            seconds=max(1.0, min(60.0, self.stalled / 2)),
            next_run_time=now,
            id="recover",
        )
        timer.start()
        stop = asyncio.create_task(self.stopping.wait())
        try:
            await asyncio.wait({*running, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.shutdown(wait=False)
            for w in workers.values():
                w.stop()
            # procrastinate stops a worker's heartbeat before it waits for the running jobs
            # (Worker._shutdown, 3.10): a crawl ending after SIGTERM for longer than
            # stalled_after would look stalled and run twice. Ours beat meanwhile.
            beating = asyncio.create_task(self._beat(app, list(workers.values())))
            results = await asyncio.gather(*running, return_exceptions=True)
            for t in [*registered, stop, beating]:
                t.cancel()
        if not self.stopping.is_set():
            # A worker stops by itself only when a side task (heartbeat, listener, periodic
            # deferrer) lost the database.
            errors = [r for r in results if isinstance(r, BaseException)]
            raise ConnectionError(_one_line(errors[0]) if errors else "a worker stopped")

    async def _beat(self, app: App, workers: list[Worker]) -> None:
        every = self.beat_every
        while True:
            for w in workers:
                if w.worker_id is not None:
                    try:
                        await app.job_manager.update_heartbeat(w.worker_id)
                    except Exception as exc:
                        log.warning("cannot send a heartbeat error=%s", _one_line(exc))
            await asyncio.sleep(every)

    async def _register(self, w: Worker, role: str) -> None:
        while w.worker_id is None:
            await asyncio.sleep(0.05)
        worker_id = w.worker_id
        host, pid = socket.gethostname(), os.getpid()

        def insert() -> None:
            with transaction(self.engine) as s:
                register_worker(s, worker_id, name=self.name, host=host, pid=pid, role=role)

        await asyncio.to_thread(insert)

    # -- the timer -----------------------------------------------------------------------

    async def plan(self) -> None:
        """Queue what is due: a crawl per host with due sources, a digest per due recipient,
        the daily chores. Every worker does it; the queue keeps one of each waiting."""
        app = self.app
        if app is None or self.stopping.is_set():
            return
        try:
            hosts, waiting, recipients, chores = await asyncio.to_thread(self._due)
            queued = 0
            for host in hosts:  # the most overdue first
                if waiting + queued >= MAX_WAITING:
                    break
                queued += await _defer(app, CRAWL_HOST, crawl_lock(host), host=host)
            for name in recipients:
                queued += await _defer(app, SEND_DIGEST, digest_lock(name), recipient=name)
            if chores:
                queued += await _defer(app, MAINTAIN, chore_lock(DAILY))
        except Exception as exc:
            log.warning("cannot queue what is due error=%s", _one_line(exc))
            return
        if queued:
            log.info("queued jobs=%d hosts=%d recipients=%d", queued, len(hosts), len(recipients))

    def _due(self) -> tuple[list[str], int, list[str], bool]:
        now = utcnow()
        with transaction(self.engine) as s:
            due = due_sources(s, self.host_of, now)  # the configured ones, as the daemon asks
            waiting = waiting_jobs(s, CRAWL)
            chores = chore_due(s, DAILY, CHORES_EVERY, now)
        # Hosts in the order of their most overdue source (due_sources' order).
        hosts = list(dict.fromkeys(self.host_of[n] for n in due))
        recipients = [r.name for r, _ in due_recipients(self.config, self.engine, now)]
        return hosts, waiting, recipients, chores

    async def recover(self) -> None:
        """Jobs held by a worker without a heartbeat for ``stalled_after`` go back to the
        queue (or, when an equal job already waits there, end as aborted); such workers
        are pruned, and leave `monitor status`."""
        app = self.app
        if app is None or self.stopping.is_set():
            return
        manager = app.job_manager
        try:
            stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled)
            for job in stalled:
                try:
                    await manager.retry_job(job)
                    log.warning("job retried, its worker is gone job=%s", job.call_string)
                except exceptions.UniqueViolation:  # the same job already waits
                    await manager.finish_job(job, status=jobs.Status.ABORTED, delete_job=False)
                    log.warning("job dropped, its worker is gone job=%s", job.call_string)
                except exceptions.ConnectorException:
                    pass  # another worker took it back first
            await manager.prune_stalled_workers(self.stalled)
        except Exception as exc:
            log.warning("cannot recover stalled jobs error=%s", _one_line(exc))


async def _defer(app: App, task: str, lock: str, **kwargs: Any) -> int:
    """Queue a job unless one like it already waits: 1 when queued, else 0."""
    try:
        await app.configure_task(name=task, lock=lock, queueing_lock=lock).defer_async(**kwargs)
    except exceptions.AlreadyEnqueued:
        return 0
    return 1


def _one_line(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}").splitlines()[0][:300]
