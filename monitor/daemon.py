"""`monitor run`: APScheduler in one long-lived process.

Every tick, one job asks the store which sources are due and crawls them in a child process
(`monitor crawl`), because Twisted's reactor cannot be restarted and a child isolates leaks
and hangs. Every half minute another asks which recipients' digests are due (daily or weekly
at their local time, or immediate alerts), so a slot missed while the daemon was down goes
out once at start-up and a failed one is retried after its backoff. Scheduling state (next
check per source, what each recipient got) lives in the database, so a restart or kill -9
loses nothing.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from datetime import UTC, timedelta
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from monitor.app import daily_maintenance
from monitor.config import Config
from monitor.crawl.child import crawl_command, start_crawl, terminate
from monitor.digest.job import run_due
from monitor.store.engine import describe, transaction
from monitor.store.lock import daemon_lock
from monitor.store.models import utcnow
from monitor.store.sources import due_sources
from monitor.storeconfig import open_store

log = logging.getLogger("monitor.daemon")

#: Time between checks of which digests are due (at most; a shorter tick is used).
DIGEST_CHECK = timedelta(seconds=30)
#: The planner's statistics: a first refresh soon after start (a restart after an upgrade
#: finds them fresh), then daily.
STATISTICS_FIRST = timedelta(minutes=10)
STATISTICS_EVERY = timedelta(days=1)


class Daemon:
    def __init__(self, config: Config, *, verbose: bool = False) -> None:
        self.config = config
        self.verbose = verbose
        self.engine = open_store(config)
        self.stopping = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None
        self.digest_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            timezone=UTC,  # cycles in UTC; only the digest trigger has the user's zone
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    def run(self) -> int:
        with daemon_lock(self.engine):
            return self._run()

    def _run(self) -> int:
        c = self.config
        print(f"config:   {c.origin}")
        print(f"database: {describe(c.database_url)}")
        print(
            "digests:  "
            + (
                f"SMTP {c.smtp.host}:{c.smtp.port}"
                if c.smtp
                else f"written to the outbox {c.digest.outbox}"
            )
        )
        print(f"sources:  {len(c.sources)}, watchlists: {len(c.watchlists)}")
        for r in c.recipients:
            print(f"digest:   {r.name}: {r.describe()}")
        if not c.recipients:
            print("digest:   no recipients configured: hits are stored, nothing is sent")
        print("Stop with Ctrl-C or SIGTERM.", flush=True)
        now = utcnow()
        self.scheduler.add_job(
            self.crawl_due,
            "interval",
            seconds=c.daemon.tick.total_seconds(),
            next_run_time=now,
            id="crawl",
            name="crawl due sources",
        )
        # Which recipients are due is asked of the database every half minute: a slot
        # missed while the daemon was down is sent at start-up, a failed one is retried
        # after its backoff, and the schedule lives in each recipient's zone (DST included).
        self.scheduler.add_job(
            self.digests_due,
            "interval",
            seconds=min(c.daemon.tick, DIGEST_CHECK).total_seconds(),
            next_run_time=now,
            id="digests",
            name="digests due",
        )
        # The planner's statistics, as the archive grows (SQLite keeps none by itself).
        self.scheduler.add_job(
            self.refresh_statistics,
            "interval",
            seconds=STATISTICS_EVERY.total_seconds(),
            next_run_time=now + STATISTICS_FIRST,
            id="statistics",
            name="refresh planner statistics, archive retention",
        )
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self.scheduler.start()
        log.info("daemon started recipients=%d", len(c.recipients))
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            log.info("daemon stopping")
            self.scheduler.shutdown(wait=False)
            self._stop_child()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("daemon stopped")
        return 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal received signal=%s", signal.Signals(signum).name)
        self.stopping.set()

    def refresh_statistics(self) -> None:
        """The daily maintenance: the planner's statistics, then the archive's retention."""
        if self.stopping.is_set():
            return
        daily_maintenance(self.config, self.engine, utcnow())

    def crawl_due(self) -> None:
        if self.stopping.is_set():
            return
        try:
            with transaction(self.engine) as s:
                due = due_sources(s, [src.name for src in self.config.sources], utcnow())
        except Exception:
            log.exception("cannot read which sources are due")
            return
        if not due:
            return
        log.info("cycle started sources=%s", ",".join(due))
        started = time.monotonic()
        # Started from a scheduler thread, which lives until the daemon stops (and stops
        # the child first): the child's death-with-parent signal follows that thread.
        self.child = start_crawl(crawl_command(self.config, due, verbose=self.verbose))
        try:
            rc = self._wait_child(self.child)
        finally:
            self.child = None
        log.info(
            "cycle finished sources=%d exit=%s seconds=%.1f",
            len(due),
            rc,
            time.monotonic() - started,
        )

    def _wait_child(self, child: subprocess.Popen[bytes]) -> int | None:
        timeout = self.config.daemon.crawl_timeout.total_seconds()
        deadline = time.monotonic() + timeout
        while child.poll() is None:
            if self.stopping.is_set():
                return None  # _stop_child ends it
            if time.monotonic() > deadline:
                log.error("crawl timed out after %.0fs; stopping it", timeout)
                terminate(child)
                break
            time.sleep(0.2)
        return child.returncode

    def _stop_child(self) -> None:
        child = self.child
        if child is not None:
            terminate(child)

    def digests_due(self) -> None:
        if self.stopping.is_set():
            return
        with self.digest_lock:
            try:
                for outcome in run_due(self.config, self.engine):
                    log.info(
                        "digest run recipient=%s status=%s hits=%d",
                        outcome.recipient,
                        outcome.status,
                        outcome.hits,
                    )
            except Exception:
                # The daemon outlives any one failure; the next check retries.
                log.exception("digest run failed")
