"""The hit list's CPU per call in two source trees, alternated in fresh processes: for a
before/after comparison of code that moves the query, on a machine too busy for wall times.

    python benchmarks/query/ab_hits.py --before /tmp/before --after . \\
        --url sqlite:////tmp/monitor_bench.db --rounds 3

Each tree's ``page_hits`` (``monitor.store.hits``; ``monitor.query.hits`` in trees before
"One way down") runs 5 warm-up and 200 timed calls per filter in one read-only session;
printed: CPU ms and wall ms per call.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CODE = r"""
import sys, time
try:
    from monitor.domain.filters import HitFilter
    from monitor.store.hits import page_hits
except ImportError:  # a tree before "One way down"
    from monitor.query.filters import HitFilter
    from monitor.query.hits import page_hits
from monitor.store.readonly import make_reader, read_session

engine = make_reader(sys.argv[1])
filters = {
    "newest 50": HitFilter(),
    "one watchlist": HitFilter(watchlists=("iran",)),
    "one source": HitFilter(sources=("source-017",)),
    "one row per story": HitFilter(per="story"),
}
for label, f in filters.items():
    with read_session(engine) as s:
        for _ in range(5):
            page_hits(s, f, limit=50)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(200):
            page_hits(s, f, limit=50)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"  {label:<20} CPU {cpu / 200 * 1000:6.2f} ms  wall {wall / 200 * 1000:6.2f} ms")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, help="a source tree (git archive of a commit)")
    ap.add_argument("--after", default=".", help="a source tree (default: this one)")
    ap.add_argument("--url", default="sqlite:////tmp/monitor_bench.db")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    for n in range(args.rounds):
        for name, tree in (("before", args.before), ("after", args.after)):
            env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
            print(f"round {n + 1}, {name} ({tree}):", flush=True)
            subprocess.run([sys.executable, "-c", CODE, args.url], env=env, check=True, cwd="/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
