"""Two processes ingesting at once into a kept archive: the aggregate rate (PostgreSQL).

Each process runs ``bench.measure_ingest`` (sanitize, match, signature, ``store_articles``
a batch of 100 at a time) on articles of its own seed, both starting at the same moment;
the rate is all articles over the time from that moment to the last one's end. With
clustering the writers serialize on ``story_index.lock_writers``; without, they do not.

    python benchmarks/store/two_writers.py --pg-database ingest_pg_a --articles 4000
    python benchmarks/store/two_writers.py --pg-database ingest_pg_a --no-clustering

The articles they add are deleted at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench

from monitor.store.engine import make_engine


def writer(url: str, count: int, clustering: bool, k: int, start: float) -> tuple[float, float]:
    bench.SEED += 1000 * k  # articles of their own
    engine = make_engine(url)
    prepare = bench.ingest_articles

    def ready(*args: object) -> list[bench.ArticleData]:
        articles = prepare(*args)  # type: ignore[arg-type]
        while time.time() < start:
            time.sleep(0.001)
        return articles

    bench.ingest_articles = ready  # type: ignore[assignment]
    result = bench.measure_ingest(engine, count, clustering=clustering, batch=100)
    return time.time(), result["store_rate"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=bench.POSTGRES_ADMIN)
    parser.add_argument("--pg-database", required=True, help="a kept archive (bench.py --keep)")
    parser.add_argument("--articles", type=int, default=4000, help="per writer")
    parser.add_argument("--no-clustering", action="store_true")
    args = parser.parse_args()
    url = bench.make_url(args.postgres).set(database=args.pg_database).render_as_string(False)
    start = time.time() + 8  # both have their articles ready by then
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        ends = pool.starmap(
            writer, [(url, args.articles, not args.no_clustering, k, start) for k in (1, 2)]
        )
    total = 2 * args.articles
    seconds = max(end for end, _ in ends) - start
    alone = ", ".join(f"{rate:,.0f}/s" for _, rate in ends)
    print(
        f"two writers, {'without' if args.no_clustering else 'with'} clustering: {total:,} "
        f"articles in {seconds:.2f} s = {total / seconds:,.0f}/s together (each: {alone})"
    )
    bench.remove_ingested(make_engine(url))


if __name__ == "__main__":
    main()
