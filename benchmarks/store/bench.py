"""Store at scale: load a big archive into a fresh database, then time the queries users and
the digest run, and the crawl's ingest path, with the monitor's own code.

    python benchmarks/store/bench.py --backend sqlite|postgresql|both [--articles 1000000]
    python -m benchmarks.store ...  (the same, from the repository's root)

1. A fresh database (a SQLite file under /tmp, or the PostgreSQL database ``monitor_bench``,
   dropped and recreated), migrated by ``monitor.store.migrate.upgrade`` (load.py).
2. A seeded, generated archive (generate.py) loaded in bulk (SQLAlchemy Core executemany on
   SQLite, COPY on PostgreSQL, into the tables of ``monitor.store.models``): N articles over
   3 years from 500 sources, about 2 hits per article over 10 watchlists, one article URL per
   article, daily digests that sent 99% of the hits, MinHash signatures for the last 14 days
   (what story clustering reads, monitor.store.story_index). Secondary indexes, and on
   SQLite the full-text triggers, are dropped during the load and recreated exactly as the
   migrations made them (checked), then ANALYZE (SQLite) / VACUUM ANALYZE (PostgreSQL).
3. The hit list as `monitor hits` and the web view read it (``monitor.store.hits.page_hits``
   in a read-only session: by watchlist over 7 days, and a full-text search), and the
   digest's question (``monitor.store.digests.due_for_digest``, in a transaction as the
   digest asks it): median and p95 of 30 runs with different parameters each (queries.py,
   measure.py); then the ingest path as the crawl pipeline runs it (sanitize, matching and the
   MinHash signature per article, ``store_articles`` per batch of 100 in a transaction each)
   with and without story clustering, and one article per transaction (the pipeline before
   it buffered) for comparison; wall and CPU time per phase, the crawl process's part
   (sanitize, store, commit) and all of it reported apart (ingest.py).
4. The database size on disk; the results as Markdown tables (report.py).

The database is dropped (or the SQLite file deleted) at the end unless ``--keep``;
``--no-load`` reuses a database kept by an earlier run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if not __package__:
    # Run as a script (python benchmarks/store/bench.py): Python put this folder first on
    # the path, where generate.py and its neighbours would shadow any module of those
    # names. The repository's root goes last instead: they are imported as the package
    # they are, and `monitor` is still the one installed (or on PYTHONPATH).
    HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.path.append(str(HERE.parents[1]))

from sqlalchemy import text

from benchmarks.store.ingest import measure_ingest
from benchmarks.store.load import (
    PG_DATABASE,
    POSTGRES_ADMIN,
    SQLITE_PATH,
    Backend,
    PostgresBackend,
    SQLiteBackend,
    load,
    remove_ingested,
)
from benchmarks.store.queries import measure_queries
from benchmarks.store.report import log, report
from monitor.store.engine import make_engine
from monitor.store.models import utcnow


def run_backend(backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    now = utcnow().replace(microsecond=0)
    result: dict[str, Any] = {"backend": backend.name}
    if not args.no_load:
        log(f"{backend.name}: loading {args.articles:,} articles")
        result["load"] = load(backend, args.articles, now)
        log(f"{backend.name}: load {result['load']['seconds']}")
    engine = make_engine(backend.url)
    try:
        remove_ingested(engine)  # left by an earlier run (of the code before this one)
        with engine.connect() as c:
            result["articles"] = c.execute(text("SELECT count(*) FROM articles")).scalar_one()
        result["size"] = backend.size(engine)
        result["queries"] = [] if args.ingest_only else measure_queries(engine)
        result["ingest"] = (
            []
            if args.ingest == 0
            else [
                measure_ingest(engine, args.ingest, clustering=True, batch=args.batch),
                measure_ingest(engine, args.ingest, clustering=False, batch=args.batch),
                measure_ingest(engine, min(args.ingest, 500), clustering=True, batch=1),
            ]
        )
        remove_ingested(engine)
    finally:
        engine.dispose()
        if not args.keep:
            backend.drop()
    return result


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument(
        "--ingest", type=int, default=2_000, help="articles per ingest run (0: no ingest)"
    )
    ap.add_argument(
        "--batch", type=int, default=100, help="articles per ingest transaction (the pipeline's)"
    )
    ap.add_argument("--sqlite-path", type=Path, default=SQLITE_PATH)
    ap.add_argument(
        "--postgres",
        default=os.environ.get("MONITOR_BENCH_POSTGRES", POSTGRES_ADMIN),
        help="a server URL; the benchmark creates and drops the database monitor_bench on it",
    )
    ap.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help="the database the benchmark creates and drops on that server",
    )
    ap.add_argument(
        "--ingest-only", action="store_true", help="measure the ingest, not the queries"
    )
    ap.add_argument("--keep", action="store_true", help="keep the database after the run")
    ap.add_argument("--no-load", action="store_true", help="reuse a database kept by --keep")
    ap.add_argument("--json", type=Path, help="write all figures, runs and plans here")
    ap.add_argument("--plans", action="store_true", help="print the plan of each slowest run")
    args = ap.parse_args(argv)
    backends: list[Backend] = []
    if args.backend in ("sqlite", "both"):
        backends.append(SQLiteBackend(args.sqlite_path))
    if args.backend in ("postgresql", "both"):
        backends.append(PostgresBackend(args.postgres, args.pg_database))
    results = [run_backend(b, args) for b in backends]
    for r in results:
        print(report(r))
        if args.plans:
            for m in r["queries"]:
                print(f"\n{m['label']}, slowest run ({m['slowest_param']}):\n{m['plan_slowest']}")
        print()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
