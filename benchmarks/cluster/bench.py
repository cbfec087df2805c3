"""The cluster's queue alone (issue #17): what procrastinate on one PostgreSQL costs per job,
to show where one server stops. No crawling: jobs are queued and claimed as `monitor worker`
queues and claims them, and nothing runs in between.

    python benchmarks/cluster/bench.py                         # 100,000 jobs, 4 claimers
    python benchmarks/cluster/bench.py --jobs 10000 --claimers 8

Needs a PostgreSQL server ($MONITOR_TEST_POSTGRES, the tests' variable); a fresh database
``monitor_bench_cluster`` is made on it, migrated by our Alembic migrations (so the queue is
migration 0010's), and dropped at the end. Steps, each timed (wall, this process's CPU, and
the CPU of every ``postgres`` process on this machine from /proc, so run it beside the server):

1. queue: ``--jobs`` crawl jobs, one per host, deferred one at a time with their ``lock`` and
   ``queueing_lock`` as the planner defers them (``crawl:<host>``);
2. queue again: the same jobs, each refused as already queued (what every other worker's
   timer costs while the jobs wait);
3. planner's question: ``due_sources`` over ``--jobs`` configured sources (one tick's query);
4. claim: ``--claimers`` concurrent loops, each a registered worker, taking jobs with
   ``fetch_job`` and finishing them as succeeded and deleted, as `monitor worker` does;
5. rows: what the queue's tables hold after step 1 and after step 4 (rows, bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from procrastinate import App, PsycopgConnector, exceptions, jobs  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from monitor.cluster.plan import CRAWL_HOST, crawl_lock  # noqa: E402
from monitor.cluster.tasks import register  # noqa: E402
from monitor.cluster.worker import conninfo  # noqa: E402
from monitor.domain.sources import SourceSpec  # noqa: E402
from monitor.store.engine import make_engine, transaction  # noqa: E402
from monitor.store.migrate import upgrade  # noqa: E402
from monitor.store.sources import due_source_names, due_sources, sync_sources  # noqa: E402

SERVER = os.environ.get(
    "MONITOR_TEST_POSTGRES", "postgresql+psycopg://monitor:monitor@127.0.0.1:5432/postgres"
)
DB = "monitor_bench_cluster"
TABLES = ("procrastinate_jobs", "procrastinate_events", "procrastinate_workers")


def postgres_cpu(*, reaped: bool) -> float:
    """CPU seconds (user + system) of every postgres process now running here; with
    ``reaped``, also of those that have exited (the postmaster's reaped children: backends
    that came and went, as each crawl child's connections do in workers.py)."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = slice(11, 15 if reaped else 13)  # utime stime, then cutime cstime
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().rsplit(") ", 1)
        except (OSError, ValueError):
            continue
        if name.endswith("(postgres"):
            total += sum(int(x) for x in rest.split()[fields])
    return total / tick


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Step:
    def __init__(self, name: str, n: int) -> None:
        self.name, self.n = name, n

    def __enter__(self) -> Step:
        self.t, self.c, self.p = time.perf_counter(), own_cpu(), postgres_cpu(reaped=False)
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.t
        cpu, pg = own_cpu() - self.c, postgres_cpu(reaped=False) - self.p
        print(
            f"| {self.name} | {self.n:,} | {wall:.1f} s | {wall / self.n * 1e3:.2f} ms | "
            f"{self.n / wall:,.0f}/s | {cpu / self.n * 1e3:.2f} ms | {pg / self.n * 1e3:.2f} ms |",
            flush=True,
        )


def rows(engine: Any) -> str:
    with engine.connect() as c:
        out = []
        for t in TABLES:
            n = c.execute(text(f"SELECT count(*) FROM {t}")).scalar()  # noqa: S608
            size = c.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar()
            out.append(f"{t} {n:,} rows, {size / 2**20:.1f} MB")
        return "; ".join(out)


async def claim(app: App, stop_at: int, done: list[int]) -> None:
    manager = app.job_manager
    worker_id = await manager.register_worker()
    try:
        while True:
            job = await manager.fetch_job(queues=None, worker_id=worker_id)
            if job is None:
                return
            await manager.finish_job(job, status=jobs.Status.SUCCEEDED, delete_job=True)
            done[0] += 1
    finally:
        await manager.unregister_worker(worker_id)


async def queue_steps(url: str, n: int, claimers: int, engine: Any, analyze: bool) -> None:
    # Made here, not at import: procrastinate warns about an App in a __main__ module.
    app = App(connector=PsycopgConnector(conninfo=url, min_size=1, max_size=claimers + 1))
    register(app)
    hosts = [f"host{i:06d}.example" for i in range(n)]
    async with app.open_async():
        with Step("queue: defer with lock + queueing_lock", n):
            for h in hosts:
                lock = crawl_lock(h)
                await app.configure_task(CRAWL_HOST, lock=lock, queueing_lock=lock).defer_async(
                    host=h
                )
        print(f"\nrows queued: {rows(engine)}\n", flush=True)
        with Step("queue again: refused as already queued", n):
            for h in hosts:
                lock = crawl_lock(h)
                try:
                    await app.configure_task(CRAWL_HOST, lock=lock, queueing_lock=lock).defer_async(
                        host=h
                    )
                except exceptions.AlreadyEnqueued:
                    pass
        if analyze:
            with engine.connect() as c:
                c.execute(text("ANALYZE procrastinate_jobs, procrastinate_events"))
                c.commit()
        done = [0]
        with Step(f"claim: fetch + finish (delete), {claimers} claimers", n):
            await asyncio.gather(*(claim(app, n, done) for _ in range(claimers)))
        assert done[0] == n, done
    print(f"\nrows after: {rows(engine)}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--claimers", type=int, default=4)
    ap.add_argument(
        "--analyze", action="store_true", help="ANALYZE the queue's tables before claiming"
    )
    ap.add_argument("--planner-only", action="store_true", help="only the planner's question")
    args = ap.parse_args()
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{DB}"'))
    url = SERVER.rsplit("/", 1)[0] + "/" + DB
    engine = make_engine(url)
    try:
        upgrade(engine)
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.jobs:,} jobs\n")
        head = "| step | jobs | wall | wall per job | rate | client CPU per job "
        print(head + "| PostgreSQL CPU per job |")
        print("|---|---|---|---|---|---|---|")
        if not args.planner_only:
            asyncio.run(
                queue_steps(conninfo(engine), args.jobs, args.claimers, engine, args.analyze)
            )
        specs = [
            SourceSpec(f"s{i:06d}", "feed", f"https://host{i:06d}.example/rss", timedelta(hours=1))
            for i in range(args.jobs)
        ]
        with transaction(engine) as s:
            sync_sources(s, specs)
        names = [x.name for x in specs]
        try:
            with Step("planner's question, by name: due_sources(all names)", 1):
                with transaction(engine) as s:
                    due_sources(s, names, datetime.now(UTC))
        except Exception as exc:  # psycopg takes at most 65,535 parameters a query
            print(f"  failed: {str(exc).splitlines()[0][:200]}")
        with Step("planner's question as asked: due_source_names (1 tick)", 1):
            with transaction(engine) as s:
                due = due_source_names(s, datetime.now(UTC))
        print(f"\n(due sources found: {len(due):,})")
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
