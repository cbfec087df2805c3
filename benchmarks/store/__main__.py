"""python -m benchmarks.store: the same as python benchmarks/store/bench.py."""

from benchmarks.store.bench import main

main()
