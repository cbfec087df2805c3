"""Query the hit archive at scale: `monitor hits` (in process and as a command), the web
view's list page over HTTP, and `monitor export` streaming every hit (rows/s, peak RSS).

Runs against a database kept by the store benchmark (1,000,000 articles, ~2,000,000 hits):

    python benchmarks/store/bench.py --backend sqlite --keep          # builds /tmp/monitor_bench.db
    python benchmarks/query/bench.py --url sqlite:////tmp/monitor_bench.db
    python benchmarks/query/bench.py --url postgresql+psycopg://monitor:monitor@127.0.0.1/monitor_bench

Everything goes through the monitor's own code: monitor.store.hits.page_hits on a read-only
engine, `python -m monitor hits|export|web` as real processes, the web page fetched with
urllib from 127.0.0.1. Nothing is written to the database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from monitor.domain.filters import Cursor, HitFilter  # noqa: E402
from monitor.store.hits import page_hits  # noqa: E402
from monitor.store.readonly import make_reader, read_session  # noqa: E402

WATCHLISTS = (
    "iran",
    "russia",
    "ukraine",
    "china",
    "israel",
    "turkey",
    "energy",
    "nato",
    "sanctions",
    "drones",
)  # benchmarks/store/bench.py's
RUNS, WARM = 20, 3


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary(label: str, seconds: list[float], rows: int | None = None) -> dict[str, Any]:
    out = {
        "label": label,
        "median_ms": round(1000 * statistics.median(seconds), 1),
        "p95_ms": round(1000 * pct(seconds, 95), 1),
        "runs": len(seconds),
    }
    if rows is not None:
        out["rows"] = rows
    print(f"  {label}: median {out['median_ms']} ms, p95 {out['p95_ms']} ms", file=sys.stderr)
    return out


def cases(now: datetime) -> list[tuple[str, list[HitFilter], list[str]]]:
    """(label, in-process filters, the same as `monitor hits` arguments) per case."""
    week = now - timedelta(days=7)
    return [
        ("newest 50, no filter", [HitFilter()], []),
        ("one watchlist", [HitFilter(watchlists=(w,)) for w in WATCHLISTS], ["-w", "nato"]),
        (
            "watchlist + since 7d",
            [HitFilter(watchlists=(w,), since=week) for w in WATCHLISTS],
            ["-w", "iran", "--since", "7d"],
        ),
        (
            "one source",
            [HitFilter(sources=(f"source-{i:03d}",)) for i in range(1, 500, 25)],
            ["-s", "source-042"],
        ),
        (
            "watchlist + term",
            [
                HitFilter(watchlists=("iran",), terms=("Tehran",)),
                HitFilter(watchlists=("russia",), terms=("Kremlin",)),
            ],
            ["-w", "iran", "--term", "Tehran"],
        ),
        (
            "until a year ago",
            [HitFilter(watchlists=(w,), until=now - timedelta(days=365)) for w in WATCHLISTS],
            ["-w", "nato", "--until", (now - timedelta(days=365)).date().isoformat()],
        ),
        ("updated only", [HitFilter(updated_only=True)], ["--updated"]),
        (
            "one row per story",
            [HitFilter(watchlists=(w,), per="story") for w in WATCHLISTS],
            ["-w", "drones", "--per", "story"],
        ),
        (
            "full-text, newest",
            [
                HitFilter(search=q)
                for q in ("Iran", "sanctions", "Kremlin", "oil prices", "Tehrann")
            ],
            ["--search", "Kremlin"],
        ),
        (
            "full-text + watchlist",
            [HitFilter(search=q, watchlists=("iran",)) for q in ("Tehran", "drones", "Ankara")],
            ["--search", "drones", "-w", "iran"],
        ),
        (
            "full-text, by relevance",
            [HitFilter(search=q, sort="relevance") for q in ("NATO", "Ankara", "Tehrann")],
            ["--search", "Ankara", "--sort", "relevance"],
        ),
    ]


def bench_in_process(url: str, now: datetime) -> list[dict[str, Any]]:
    print("page_hits (limit 50) in process:", file=sys.stderr)
    engine = make_reader(url)
    out = []
    for label, filters, _ in cases(now):
        times, rows = [], 0
        for i in range(WARM + RUNS):
            f = filters[i % len(filters)]
            t = time.perf_counter()
            with read_session(engine) as s:
                rows = len(page_hits(s, f, limit=50).rows)
            if i >= WARM:
                times.append(time.perf_counter() - t)
        out.append(summary(label, times, rows))
    # A deep page: the 200th page of the busiest watchlist, by cursor.
    with read_session(engine) as s:
        cursor = None
        for _ in range(200):
            page = page_hits(s, HitFilter(watchlists=("iran",)), limit=50, cursor=cursor)
            cursor = Cursor.decode(page.next) if page.next else None
    times = []
    for i in range(WARM + RUNS):
        t = time.perf_counter()
        with read_session(engine) as s:
            page_hits(s, HitFilter(watchlists=("iran",)), limit=50, cursor=cursor)
        if i >= WARM:
            times.append(time.perf_counter() - t)
    out.append(summary("page 201 by cursor", times))
    engine.dispose()
    return out


def write_config(url: str, folder: Path) -> Path:
    lists = "".join(f'\n[[watchlists]]\nname = "{w}"\nquery = "{w}"\n' for w in WATCHLISTS)
    path = folder / "monitor.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n\n[[sources]]\nname = "source-001"\n'
        f'feed = "https://www.source001.example/rss"\n{lists}'
    )
    return path


def monitor(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), *args]


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k != "MONITOR_DATABASE_URL"}
    e["PYTHONPATH"] = str(ROOT)
    return e


def bench_cli(config: Path, now: datetime, runs: int) -> list[dict[str, Any]]:
    print("`monitor hits` as a process (table of 50, start-up included):", file=sys.stderr)
    out = []
    for label, _, args in cases(now):
        times = []
        for i in range(1 + runs):
            t = time.perf_counter()
            r = subprocess.run(
                monitor(config, "hits", *args), capture_output=True, text=True, env=env(), cwd=ROOT
            )
            if r.returncode:
                raise SystemExit(r.stderr)
            if i:
                times.append(time.perf_counter() - t)
        out.append(summary(label, times))
    return out


def bench_web(config: Path, now: datetime, port: int) -> list[dict[str, Any]]:
    print("web list page over HTTP (server already running):", file=sys.stderr)
    proc = subprocess.Popen(
        monitor(config, "web", "--port", str(port)), env=env(), cwd=ROOT, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "trends", timeout=60).close()
                break
            except OSError:
                time.sleep(0.3)
        out = []
        for label, _, args in cases(now):
            query = cli_args_to_query(args)
            times = []
            for i in range(WARM + RUNS):
                t = time.perf_counter()
                with urllib.request.urlopen(base + "?" + query, timeout=60) as r:
                    assert r.status == 200
                    r.read()
                if i >= WARM:
                    times.append(time.perf_counter() - t)
            out.append(summary(label, times))
        for page in ("trends", "sources", "feeds/iran.atom", "feeds/all.atom"):
            times = []
            for i in range(WARM + 5):
                t = time.perf_counter()
                urllib.request.urlopen(base + page, timeout=120).read()
                if i >= WARM:
                    times.append(time.perf_counter() - t)
            out.append(summary("/" + page, times))
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cli_args_to_query(args: list[str]) -> str:
    from urllib.parse import urlencode

    names = {
        "-w": "watchlist",
        "-s": "source",
        "--since": "since",
        "--until": "until",
        "--term": "term",
        "--per": "per",
        "--search": "q",
        "--sort": "sort",
    }
    pairs, i = [], 0
    while i < len(args):
        if args[i] == "--updated":
            pairs.append(("updated", "1"))
            i += 1
        else:
            pairs.append((names[args[i]], args[i + 1]))
            i += 2
    return urlencode(pairs)


def bench_stream(config: Path, label: str, args: list[str], target: Path) -> dict[str, Any]:
    """A streaming command as a process: wall time, rows/s, peak RSS and RSS over time."""
    proc = subprocess.Popen(
        monitor(config, *args),
        env=env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, int]] = []
    t0 = time.perf_counter()

    def watch() -> None:
        while proc.poll() is None:
            try:
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        samples.append((time.perf_counter() - t0, int(line.split()[1])))
            except OSError:
                return
            time.sleep(0.5)

    watcher = threading.Thread(target=watch)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    watcher.join()
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode:
        raise SystemExit(err)
    rows = sum(1 for _ in target.open()) - (1 if args[2:3] == ["csv"] or "csv" in args else 0)
    rss = [kb for _, kb in samples]
    picks = [rss[int(len(rss) * q)] // 1024 for q in (0.1, 0.5, 0.9)] if rss else []
    out = {
        "label": label,
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),  # load-independent
        "rows_per_cpu_s": round(rows / (usage.ru_utime + usage.ru_stime)),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "rss_mb_at_10_50_90pct": picks,
        "bytes": target.stat().st_size,
    }
    print(
        f"  {label}: {rows:,} rows in {seconds:.1f} s = {out['rows_per_s']:,}/s "
        f"({out['cpu_s']} s CPU: {out['rows_per_cpu_s']:,} rows per CPU-second), "
        f"peak RSS {out['peak_rss_mb']} MB, RSS at 10/50/90%: {picks} MB",
        file=sys.stderr,
    )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", default="sqlite:////tmp/monitor_bench.db")
    ap.add_argument("--cli-runs", type=int, default=5)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--skip", nargs="*", default=[], choices=["process", "cli", "web", "export"])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    now = datetime.now(UTC)
    result: dict[str, Any] = {
        "url": args.url.split("@")[-1],
        "at": now.isoformat(),
        "load_average_at_start": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(args.url, Path(tmp))
        steps: dict[str, Callable[[], Any]] = {
            "process": lambda: bench_in_process(args.url, now),
            "cli": lambda: bench_cli(config, now, args.cli_runs),
            "web": lambda: bench_web(config, now, args.port),
            "export": lambda: [
                bench_stream(
                    config, "export jsonl", ["export", "-o", f"{tmp}/x.jsonl"], Path(tmp, "x.jsonl")
                ),
                bench_stream(
                    config,
                    "export csv",
                    ["export", "-f", "csv", "-o", f"{tmp}/x.csv"],
                    Path(tmp, "x.csv"),
                ),
            ],
        }
        for name, step in steps.items():
            if name not in args.skip:
                result[name] = step()
                for f in Path(tmp).glob("x.*"):
                    f.unlink()
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
