"""The matcher of a git revision against the working tree's, in one process, on the corpus of
bench.py: for a change's cost when the machine is shared and wall-clock MB/s wander.

    python benchmarks/matching/ab.py --before REV [--ascii] [--proper] [--rounds 12]
    python benchmarks/matching/ab.py --before REV --control   # REV against itself

The two matchers take turns over the same articles (the order swapped every round) and each
keeps its best CPU time (time.process_time). --control compares REV with itself: the noise
floor to read the ratio against. REV's ``monitor`` package is extracted with ``git archive``
and imported as ``monitor_before``.
"""

from __future__ import annotations

import argparse
import importlib
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

import bench  # noqa: E402  (benchmarks/matching/bench.py: the corpus and the watchlists)

from monitor.matching import Matcher  # noqa: E402


def matcher_of(rev: str, into: Path) -> Any:
    """The Matcher class of ``rev``, from its ``monitor`` package renamed ``monitor_before``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "monitor"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    package = into / "monitor_before"
    (into / "monitor").rename(package)
    for path in package.rglob("*.py"):
        source = path.read_text()
        path.write_text(re.sub(r"\b(from|import) monitor\b", r"\1 monitor_before", source))
    sys.path.insert(0, str(into))
    return importlib.import_module("monitor_before.matching").Matcher


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, metavar="REV", help="a git revision")
    ap.add_argument("--ascii", action="store_true", help="as bench.py --ascii")
    ap.add_argument("--proper", action="store_true", help="as bench.py --proper")
    ap.add_argument("--control", action="store_true", help="REV against itself")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--mb", type=float, default=10.0)
    args = ap.parse_args()
    rng = random.Random(bench.SEED)
    words = bench.make_words(rng, 20_000, latin_only=args.ascii)
    if args.proper:
        words = [w.capitalize() for w in words]
    watchlists = bench.make_watchlists(rng, words)
    articles = bench.make_corpus(rng, words, args.mb)
    with tempfile.TemporaryDirectory() as tmp:
        before = matcher_of(args.before, Path(tmp))
        after = before if args.control else Matcher
        matchers = {"before": before(watchlists), "after": after(watchlists)}
        best = dict.fromkeys(matchers, float("inf"))
        hits = dict.fromkeys(matchers, 0)
        for r in range(args.rounds):
            for name, m in sorted(matchers.items(), reverse=bool(r % 2)):
                started, n = time.process_time(), 0
                for text in articles:
                    n += len(m.match({"title": text[:80], "summary": text[80:300], "text": text}))
                best[name] = min(best[name], time.process_time() - started)
                hits[name] = n
    for name in matchers:
        print(
            f"{name:<6} {best[name]:.3f} s CPU = {args.mb / best[name]:5.2f} MB/s, "
            f"{hits[name]} hits"
        )
    print(f"after/before time: {best['after'] / best['before']:.3f}")


if __name__ == "__main__":
    main()
