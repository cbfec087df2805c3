"""A cold crawl's first seconds, tenth by tenth: each process's CPU and the requests served.

    python benchmarks/crawl/timeline.py                      # monitor crawl, the real-page web
    python benchmarks/crawl/timeline.py --naive              # the naive script, same pages
    python benchmarks/crawl/timeline.py --root /tmp/before   # another tree (PYTHONPATH)

Run after ``bench.py --real`` (its web, ``--dir``, and its config in ``--work``, which
``bench.py --small`` overwrites). Polls
``/proc`` every 0.1 s for the CPU of the command and its children, reads nginx's access log
for the requests answered (robots.txt, feeds, the rest), and prints a line a tick: the
cores in use, the idle core-seconds so far (of 2), each process's share. Both cores busy
from the first page on is the goal: a crawl's cores idle while it imports, opens its
store and waits on sites' download delays (issue #19; benchmarks/README.md, session 13).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402
from serve import Nginx  # noqa: E402


def kind(uri: bytes) -> int:
    """0: robots.txt, 1: a feed, 2: anything else (article pages)."""
    if uri.endswith(b"/robots.txt"):
        return 0
    return 1 if b"feed" in uri or b"rss" in uri or uri.endswith(b".xml") else 2


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/realweb/crawl"), help="the web served")
    p.add_argument("--work", type=Path, default=Path("/tmp/crawlbench"), help="bench.py's --work")
    p.add_argument("--root", type=Path, default=HERE.parents[1], help="the monitor's tree")
    p.add_argument("--naive", action="store_true", help="the naive script instead")
    p.add_argument("--cores", type=int, default=2)
    args = p.parse_args()
    if args.naive:
        cmd = [sys.executable, str(HERE / "naive_pool.py"), "--dir", str(args.dir)]
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.work / 'monitor.db'}{suffix}").unlink(missing_ok=True)
        config = args.work / "monitor.toml"
        cmd = [sys.executable, "-m", "monitor", "--config", str(config), "crawl"]
    env = bench.monitor_env(args.work)
    env["PYTHONPATH"] = str(args.root)
    with Nginx(args.dir, default_type="text/html", charset="utf-8") as server:
        offset = server.log_offset()
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=args.root, env=env, stdout=subprocess.DEVNULL,
                                stderr=(args.work / "timeline.err").open("wb"))  # fmt: skip
        ticks: list[tuple[float, dict[int, float], list[int]]] = []
        while proc.poll() is None:
            at = time.monotonic() - started
            cpu = {pid: st[0] + st[1] for pid in [proc.pid, *bench.descendants(proc.pid)]
                   if (st := bench.proc_stat(pid)) is not None}  # fmt: skip
            with server.log.open("rb") as log:
                log.seek(offset)
                data = log.read()
            whole = data.rfind(b"\n") + 1
            offset += whole
            served = [0, 0, 0]
            for line in data[:whole].splitlines():
                served[kind(line.split()[-1])] += 1
            ticks.append((at, cpu, served))
            time.sleep(0.1)
        wall = time.monotonic() - started
    order: dict[int, int] = {}
    seen: dict[int, float] = {}
    idle = previous = 0.0
    print("     s  cores  idle   robots feeds pages  per process (p0: the command)")
    for at, cpu, served in ticks:
        spent = {order.setdefault(p, len(order)): c - seen.get(p, 0.0) for p, c in cpu.items()}
        seen.update(cpu)
        span, total = at - previous, sum(spent.values())
        previous = at
        if span <= 0:
            continue
        idle += max(0.0, args.cores * span - total)
        shares = " ".join(f"p{k}:{v:.2f}" for k, v in sorted(spent.items()) if v > 0)
        print(f"{at:6.2f} {total / span:5.2f} {idle:6.2f}   {served[0]:5d} {served[1]:5d}"
              f" {served[2]:5d}  {shares}")  # fmt: skip
    print(f"wall {wall:.2f} s, idle core-seconds {idle:.2f} (of {args.cores} cores)")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
