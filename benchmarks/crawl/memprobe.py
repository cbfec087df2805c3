"""What holds the crawl process's memory during a cold cycle: a sampler thread inside it.

    python benchmarks/crawl/memprobe.py --dir /tmp/newsweb20k --work /tmp/crawlmem
    python benchmarks/crawl/memprobe.py --dir /tmp/newsweb20k --work /tmp/crawlmem \\
        --trace-from 60 --trace-every 120      # tracemalloc: what was allocated and kept
    python benchmarks/crawl/memprobe.py --real --dir /tmp/realweb/crawl --work /tmp/crawlbench \
        --config /tmp/crawlbench/monitor.toml --every 2     # the real-page web (bench.py --real)

Serves the web with nginx, writes the benchmark's config into ``--work`` and runs the
monitor's ``crawl`` command in this process, from a new database, with a thread that every
``--every`` seconds writes one JSON line to ``--work``/memprobe.jsonl: the process's RSS
(anonymous and file-backed), the PSS of the crawl process and of each extraction worker
(``/proc/PID/smaps_rollup``: pages shared between processes counted once across them),
the article requests Scrapy's schedulers hold, the responses its scrapers hold, the calls
waiting for the extraction pool, the store's buffer, and how many Python objects exist.
With ``--trace-from``, tracemalloc starts that many seconds in (before it, start-up
allocations are left out) and each later sample writes the 25 call sites whose live
allocations grew most since tracing started.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _status(pid: int | str = "self") -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0]) // 1024
    except OSError:
        pass
    return out


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")
    ]  # fmt: skip


def _allocators() -> dict[str, float]:
    """MB held by glibc's malloc (in use, free but kept, mmapped) and by Python's own
    allocator (pymalloc arenas, mmapped apart from malloc: in use and free)."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    mi = libc.mallinfo2()
    out = {
        "malloc_used": mi.uordblks / 2**20,
        "malloc_free": mi.fordblks / 2**20,
        "malloc_mmapped": mi.hblkhd / 2**20,
    }
    # sys._debugmallocstats writes to C stderr: catch it through a temporary file.
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode("ascii", "replace")
    for key, name in (
        ("# arenas allocated current", "pymalloc_arenas"),
        ("# bytes in allocated blocks", "pymalloc_used"),
        ("# bytes in available blocks", "pymalloc_free_blocks"),
        ("unused pools *", "pymalloc_free_pools"),
    ):
        m = re.search(re.escape(key).replace(r"\*", r"\s*\d*\s*\*") + r"[^=]*=\s*([\d,]+)", text)
        if m:
            value = int(m.group(1).replace(",", ""))
            out[name] = value if name == "pymalloc_arenas" else value / 2**20
    return {k: round(v, 1) for k, v in out.items()}


def _pss(pid: int | str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def _children() -> list[int]:
    """Every descendant: the extraction workers are the fork server's children."""
    kids: list[int] = []
    todo = ["self"]
    while todo:
        for tasks in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            try:
                found = [int(x) for x in tasks.read_text().split()]
            except OSError:
                continue
            kids += found
            todo += [str(k) for k in found]
    return kids


def _crawl_state() -> dict[str, Any]:
    """Queues of the running crawl, found among the live objects."""
    from scrapy.core.scheduler import Scheduler
    from scrapy.core.scraper import Scraper

    from monitor.crawl import context
    from monitor.crawl.pipelines import StorePipeline
    from spiders.base import SourceSpider

    out: dict[str, Any] = {"objects": len(gc.get_objects())}
    for obj in gc.get_objects():
        if isinstance(obj, Scheduler):
            out["scheduled"] = out.get("scheduled", 0) + len(obj)
        elif isinstance(obj, Scraper) and obj.slot is not None:
            out["scraper_active"] = out.get("scraper_active", 0) + len(obj.slot.active)
            out["scraper_bytes"] = out.get("scraper_bytes", 0) + obj.slot.active_size
        elif isinstance(obj, SourceSpider):
            out[f"{obj.name}_queued"] = obj._queued()
            out[f"{obj.name}_sources_waiting"] = obj.sources_waiting
        elif isinstance(obj, StorePipeline):
            out["store_buffer"] = len(obj.buffer)
    ctx = context._current
    if ctx is not None:
        out["requested"] = len(ctx.requested)
        pool = getattr(ctx.extractor, "_pool", None)
        pending = getattr(pool, "_pending_work_items", None)
        if pending is not None:
            out["pool_pending"] = len(pending)
        out.update(ctx.extractor.counters() if hasattr(ctx.extractor, "counters") else {})
    return out


def _where(tb: tracemalloc.Traceback) -> str:
    return " <- ".join(f"{fr.filename.rsplit('/', 2)[-1]}:{fr.lineno}" for fr in tb[:6])


def sampler(
    path: Path,
    every: float,
    trace_from: float | None,
    trace_every: float,
    trim: bool,
    frames: int,
) -> None:
    started = time.monotonic()
    last_trace = 0.0
    base = None
    with path.open("a", encoding="utf-8") as f:
        while True:
            time.sleep(every)
            t = time.monotonic() - started
            row: dict[str, Any] = {"t": round(t, 1), **_status(), **_allocators()}
            row["pss_crawl"] = _pss("self")
            if tracemalloc.is_tracing():
                row["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
            row["workers"] = [
                {"pid": k, "rss": _status(k).get("VmRSS"), "pss": _pss(k)} for k in _children()
            ]
            try:
                row.update(_crawl_state())
            except Exception as exc:  # the crawl is starting or ending
                row["state_error"] = repr(exc)
            if trim:
                # What freeing the C heap's unused tails gives back: the gap is memory
                # free for malloc but not returned to the system (fragmentation).
                ctypes.CDLL("libc.so.6").malloc_trim(0)
                row["rss_after_trim"] = _status().get("VmRSS")
            if trace_from is not None and t >= trace_from and base is None:
                if not tracemalloc.is_tracing():
                    tracemalloc.start(frames)
                base = True
                last_trace = t
            elif base is not None and t - last_trace >= trace_every:
                last_trace = t
                snap = tracemalloc.take_snapshot()
                row["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
                row["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
                row["live"] = [
                    f"{s.size / 2**20:.1f} MB {s.count} " + _where(s.traceback)
                    for s in snap.statistics("traceback")[:30]
                ]
            f.write(json.dumps(row) + "\n")
            f.flush()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--work", type=Path, default=Path("/tmp/crawlmem"))
    p.add_argument("--every", type=float, default=10.0)
    p.add_argument("--trace-from", type=float, help="start tracemalloc after this many s")
    p.add_argument("--trace-every", type=float, default=120.0)
    p.add_argument(
        "--glibc-default", action="store_true", help="leave malloc's mmap threshold dynamic"
    )
    p.add_argument("--frames", type=int, default=1, help="tracemalloc frames per trace (1)")
    p.add_argument("--trim", action="store_true", help="malloc_trim(0) after each sample")
    p.add_argument("--config", type=Path, help="a monitor config to use (else the benchmark's)")
    p.add_argument("--real", action="store_true", help="serve --dir as the real-page web")
    args = p.parse_args()
    import bench
    from serve import Nginx

    args.work.mkdir(parents=True, exist_ok=True)
    options = argparse.Namespace(workers=2, concurrent=64, autothrottle=True)
    config = args.config or bench.write_config(args.dir, args.work, options)[0]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.work}/monitor.db{suffix}").unlink(missing_ok=True)
    out = args.work / "memprobe.jsonl"
    out.unlink(missing_ok=True)
    for key, value in bench.monitor_env(args.work).items():
        os.environ[key] = value
    sys.path.insert(0, str(bench.ROOT))
    os.chdir(bench.ROOT)
    if args.trace_from == 0:  # from start-up: imports included
        tracemalloc.start(args.frames)
    sampling = (out, args.every, args.trace_from, args.trace_every, args.trim, args.frames)
    threading.Thread(target=sampler, args=sampling, daemon=True).start()
    from monitor.cli import main as monitor_main

    if args.glibc_default:
        from monitor.crawl import runner

        runner.map_page_sized_blocks = lambda: False  # type: ignore[assignment]

    sys.argv = ["monitor", "--config", str(config), "crawl"]
    server = (
        Nginx(args.dir, default_type="text/html", charset="utf-8") if args.real else Nginx(args.dir)
    )
    with server:
        try:
            monitor_main()
        except SystemExit as exc:
            return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
