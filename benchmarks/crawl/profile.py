"""Where a monitor crawl spends its time: one step under py-spy, summarised.

    python benchmarks/crawl/profile.py --dir /tmp/newsweb --work /tmp/crawlprof --step cold
    python benchmarks/crawl/profile.py --dir /tmp/newsweb --work /tmp/crawlprof --step warm
    python benchmarks/crawl/profile.py --summarise /tmp/crawlprof/cold.collapsed
    # the real-page web (after `bench.py --real`, which writes the web and its config):
    python benchmarks/crawl/profile.py --real --dir /tmp/realweb/crawl --work /tmp/crawlbench \
        --config /tmp/crawlbench/monitor.toml

Serves the web with nginx, writes the benchmark's monitor config into ``--work`` (``cold``
starts from a new database there; ``warm`` reuses it) and runs ``python -m monitor crawl``
under ``py-spy record --subprocesses`` (``pip install py-spy``; ``--py-spy`` names the
binary). Prints the samples per process (the crawl process and each extraction worker)
and, for the crawl process, the share of its samples under each function (inclusive) and
the leaf functions (self). py-spy samples threads that are running or waiting for a CPU, so
on a loaded machine the shares hold but the sample counts overstate CPU time.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402
from serve import Nginx  # noqa: E402

#: The crawl process's own steps, shown whatever their rank.
FOCUS = [
    "StorePipeline._article", "store_article", "assign_story", "signature", "Matcher.match",
    "ArticleData.sanitize", "transaction", "StorePipeline._source", "record_source_result",
    "SourceSpider.parse_source", "parse_feed", "find_article_links", "SourceSpider.triage",
    "SourceSpider.parse_article", "ExtractorPool.extract", "ExtractorPool.analyse",
    "_ExecutorManagerThread.run", "Queue._feed", "print_crawl_summary", "_find_and_load",
    "StorePipeline.flush", "StorePipeline._record_sources", "store_articles",
    "RobotsTxtMiddleware.robot_parser",
]  # fmt: skip


def _name(frame: str) -> str:
    func, _, where = frame.partition(" (")
    return f"{func} ({where.split(':')[0].rsplit('/', 1)[-1]})" if where else func


def summarise(path: Path, top: int = 40) -> str:
    processes: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    in_workers: collections.Counter[str] = collections.Counter()
    workers = 0
    leaf: collections.Counter[str] = collections.Counter()
    main = 0
    for line in path.read_text("utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        if len(frames) > 1 and frames[1].startswith("process "):  # an extraction worker
            processes["worker " + frames[1].split(":")[0].removeprefix("process ")] += n
            workers += n
            for name in {_name(f) for f in frames[2:]}:
                in_workers[name] += n
            continue
        processes["crawl process"] += n
        main += n
        for name in {_name(f) for f in frames[1:]}:
            inclusive[name] += n
        leaf[_name(frames[-1])] += n
    out = ["samples per process: " + ", ".join(f"{k} {v}" for k, v in processes.most_common())]
    out.append(f"crawl process, inclusive share of its {main} samples:")
    skip = ("<frozen", "core.py)", "click", "runpy", "base_events", "events.py")
    shown = [(k, v) for k, v in inclusive.most_common() if not any(s in k for s in skip)]
    out += [f"  {100 * v / main:5.1f}%  {k}" for k, v in shown[:top]]
    out.append("crawl process, the monitor's own steps (inclusive):")
    for name in FOCUS:
        v = sum(n for k, n in inclusive.items() if k.startswith(name + " ("))
        out.append(f"  {100 * v / max(1, main):5.1f}%  {name}")
    out.append("crawl process, self (leaf) share:")
    out += [f"  {100 * v / main:5.1f}%  {k}" for k, v in leaf.most_common(15)]
    out.append(f"extraction workers, inclusive share of their {workers} samples:")
    shown = [(k, v) for k, v in in_workers.most_common() if not any(s in k for s in skip)]
    out += [f"  {100 * v / max(1, workers):5.1f}%  {k}" for k, v in shown[:top]]
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--work", type=Path, default=Path("/tmp/crawlprof"))
    p.add_argument("--step", choices=["cold", "warm"], default="cold")
    p.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    p.add_argument("--rate", type=int, default=40, help="samples per second")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--summarise", type=Path, help="only summarise this collapsed file")
    p.add_argument("--config", type=Path, help="a monitor config to use (else the benchmark's)")
    p.add_argument("--real", action="store_true", help="serve --dir as the real-page web")
    args = p.parse_args()
    if args.summarise:
        print(summarise(args.summarise, args.top))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    options = argparse.Namespace(workers=2, concurrent=64, autothrottle=True)
    config = args.config or bench.write_config(args.dir, args.work, options)[0]
    if args.step == "cold":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.work}/monitor.db{suffix}").unlink(missing_ok=True)
    out = args.work / f"{args.step}.collapsed"
    cmd = [args.py_spy, "record", "-r", str(args.rate), "--subprocesses", "-f", "raw",
           "-o", str(out), "--", sys.executable, "-m", "monitor", "--config", str(config),
           "crawl"]  # fmt: skip
    server = (
        Nginx(args.dir, default_type="text/html", charset="utf-8") if args.real else Nginx(args.dir)
    )
    with server, (args.work / f"{args.step}.log").open("wb") as log:
        subprocess.run(cmd, cwd=bench.ROOT, env=bench.monitor_env(args.work), stdout=log,
                       stderr=subprocess.STDOUT, check=True)  # fmt: skip
    print(summarise(out, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
