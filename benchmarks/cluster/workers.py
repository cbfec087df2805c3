"""1, 2 and 4 `monitor worker`s on this machine crawling a generated web (issue #17): does the
work spread, and how long does the last due source wait?

    python benchmarks/cluster/workers.py                          # 24 hosts x 20 feeds
    python benchmarks/cluster/workers.py --hosts 100 --feeds 100 --articles 5  # 10,000 sources

The web is the one tests/test_cluster.py serves (feeds on 127.0.0.121 and up, each host's
feeds sharing its articles, every article its own text), made bigger. For each worker count:
a fresh PostgreSQL database ($MONITOR_TEST_POSTGRES's server), every source due at once, the
workers started together; measured until every source has been checked: the wall time, the
lag of each source (its check's end minus the workers' start: median and worst), and how the
crawl jobs spread over the workers (from their logs). Then, once the last crawls have ended
(a source's check is recorded before the pages its feed listed are stored, so counting the
articles at "all checked" counts the last crawls' pages as missing): the articles stored
(and of them without text, their page failed) against those served, the requests (pages
asked for twice), the most requests one host answered at once, and the CPU of PostgreSQL
(every postgres process here, exited backends included: run it beside the server).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

import tests.test_cluster as web_module  # noqa: E402
from benchmarks.cluster.bench import postgres_cpu  # noqa: E402

SERVER = os.environ.get(
    "MONITOR_TEST_POSTGRES", "postgresql+psycopg://monitor:monitor@127.0.0.1:5432/postgres"
)
DB = "monitor_bench_workers"


def settled(engine: Any) -> bool:
    """No crawl job waiting or running, no crawl run open."""
    with engine.connect() as c:
        jobs = c.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'crawl_host' "
                "AND status IN ('todo', 'doing')"
            )
        ).scalar_one()
        runs = c.execute(
            text("SELECT count(*) FROM crawl_runs WHERE finished_at IS NULL")
        ).scalar_one()
    return jobs == 0 and runs == 0


def run(workers: int, folder: Path, timeout: float) -> str:
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{DB}"'))
    url = SERVER.rsplit("/", 1)[0] + "/" + DB
    env = {**os.environ, "MONITOR_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    engine = create_engine(url)
    total = web_module.HOSTS * web_module.FEEDS
    procs = []
    try:
        with web_module.serve_web(folder / "web") as web:
            config = web_module._cluster_config(folder, web)
            # Migrate first, so that the clock starts with every worker ready to work.
            subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), "db", "upgrade"],
                env=env, cwd=ROOT, check=True, capture_output=True,
            )  # fmt: skip
            started = datetime.now(UTC)
            t0 = time.monotonic()
            cpu0 = postgres_cpu(reaped=True)
            for k in range(workers):
                log = open(folder / f"worker{k}.log", "wb")  # the child keeps it
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "monitor", "--config", str(config), "worker"],
                        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                    )
                )  # fmt: skip
            while True:
                with engine.connect() as c:
                    n = c.execute(
                        text("SELECT count(*) FROM sources WHERE last_checked_at IS NOT NULL")
                    ).scalar_one()
                if n == total:
                    break
                if time.monotonic() - t0 > timeout:
                    raise SystemExit(f"{workers} workers: {n} of {total} checked after {timeout}s")
                time.sleep(0.5)
            wall = time.monotonic() - t0
            while not settled(engine) and time.monotonic() - t0 < timeout:
                time.sleep(0.5)
            ended = time.monotonic() - t0
            cpu = postgres_cpu(reaped=True) - cpu0
            with engine.connect() as c:
                ends = [r[0] for r in c.execute(text("SELECT last_checked_at FROM sources"))]
                articles = c.execute(text("SELECT count(*) FROM articles")).scalar_one()
                no_text = c.execute(
                    text("SELECT count(*) FROM articles WHERE text IS NULL")
                ).scalar_one()
                checks = c.execute(
                    text("SELECT count(*) FROM sources WHERE checks <> 1")
                ).scalar_one()
            lags = sorted((e - started).total_seconds() for e in ends)
            requests = sum(len(s.requests) for s in web.sites)
            again = [
                (s.base, p, n) for s in web.sites for p, n in Counter(s.requests).items() if n > 1
            ]
            twice = sum(n - 1 for _, _, n in again)
            for base, path, n in again:  # which, to tell a retry from two crawls (the logs)
                print(f"asked {n} times: {base}{path}", file=sys.stderr)
            peak = max(s.peak for s in web.sites)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(120)
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        admin.dispose()
    spread = [
        (folder / f"worker{k}.log").read_text("utf-8", "replace").count("crawl finished host=")
        for k in range(workers)
    ]
    expected = web_module.HOSTS * web_module.ARTICLES
    return (
        f"| {workers} | {wall:.1f} s | {ended:.1f} s | {statistics.median(lags):.1f} s | "
        f"{lags[-1]:.1f} s | {'/'.join(map(str, spread))} | {articles:,} of {expected:,} "
        f"({no_text} without text) | {checks} | {requests:,} ({twice} twice) | {peak} | "
        f"{cpu:.1f} s |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=24)
    ap.add_argument("--feeds", type=int, default=20, help="feeds per host")
    ap.add_argument("--articles", type=int, default=20, help="articles per host")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds a run may take")
    args = ap.parse_args()
    # The test module's web, made bigger: its functions read these at call time.
    web_module.HOSTS, web_module.FEEDS, web_module.ARTICLES = args.hosts, args.feeds, args.articles
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    total = args.hosts * args.feeds
    print(f"{total:,} feeds on {args.hosts} hosts, {args.articles} articles per host\n")
    print("| workers | all checked after | last crawl ended | median lag | worst lag "
          "| crawl jobs per worker | articles stored | sources checked not once | requests "
          "| most at once to a host | PostgreSQL CPU |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(x) for x in args.workers.split(",")):
        with tempfile.TemporaryDirectory() as d:
            print(run(n, Path(d), args.timeout), flush=True)


if __name__ == "__main__":
    main()
