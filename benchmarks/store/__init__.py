"""The store benchmark (bench.py): generate, load, measure, report. See benchmarks/README.md,
"Store at scale"."""
