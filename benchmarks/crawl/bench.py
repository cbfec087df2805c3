"""Crawl throughput, side by side with peers: the one command of the crawl benchmark.

    python benchmarks/crawl/bench.py                      # full scale (30-40 min when quiet)
    python benchmarks/crawl/bench.py --small              # 50 feeds, 500 articles: a check
    python benchmarks/crawl/bench.py --only floor,cold    # some steps; --out results.json

1. Generates the news web (``generate.py``, into ``--dir``, default /tmp/newsweb) and serves
   it with nginx (``serve.py``); ApacheBench measures the server first.
2. Runs each step as a real process, one at a time, and measures it from outside: wall
   time; CPU time (user + system) of the whole process tree (the crawl and its extraction
   workers), from ``wait4`` and from polling /proc every 0.2 s, whichever is larger; peak RSS
   of the main process (VmHWM) and of the tree (the largest sum of VmRSS seen, and of PSS,
   which counts the pages the processes share, their libraries, once); requests by
   kind and status from nginx's access log; the 1-minute load average at the start.
3. Steps, in this order:
   - ``floor``: trafilatura alone over the article files, ``--workers`` processes (floor.py);
   - ``floor_monitor``: the monitor's extraction function alone, the same way
     (``floor.py --call monitor``: one parse, of the metadata only what the monitor keeps);
   - ``cold``: ``python -m monitor --config CONFIG crawl`` on a new SQLite database;
   - ``warm``: the same again, nothing changed; ``fixed``: one unchanged feed only (the
     cost of starting a crawl process, to separate from the per-feed cost);
   - ``reader``: the ``reader`` library updating the same feeds, cold then warm;
   - ``trickle``: ``--trickle`` (2%) new articles are added to the web, then the monitor and
     reader run again;
   - ``naive``: the sequential requests + feedparser + trafilatura script (naive.py);
   - ``newsplease``: news-please over the RSS feeds of the first ``--np-sites`` sites.
   ``reader`` and ``news-please`` are installed in venvs under ``--venvs`` on first use.
``--real`` runs the same steps on real news pages instead (issue #19): the corpus of
``benchmarks/realweb/`` (fundus's test pages, brought with ``corpus.py``), each publisher its
own host with an RSS feed, every page served ``--copies`` times (copy k under ``/copyK/``),
one feed source per publisher and the real-page benchmark's watchlists, every other option
at its default. ``--rounds N`` runs the chosen steps N times in turn (``cold#2``, ...).
The monitor runs from this checkout (``PYTHONPATH`` = the repository root, cwd there) with
the benchmark's own config (written to ``--work``), never $MONITOR_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from serve import Nginx, check_speed  # noqa: E402

STEPS = [
    "floor",
    "floor_monitor",
    "cold",
    "warm",
    "fixed",
    "reader",
    "trickle",
    "naive",
    "naive_pool",
    "newsplease",
]
PEERS = {"reader": ["reader==3.26", "sgmllib3k"], "newsplease": ["news-please==1.6.16"]}

CONFIG_HEAD = """
[database]
url = "sqlite:///{work}/monitor.db"

[crawl]
# What a user with hundreds of sources on many sites would set: two extraction processes
# (one per core), more requests in flight than the default 32 so the pool never waits for
# the network, the default per-site limit and politeness (robots.txt, AutoThrottle).
extract_workers = {workers}
concurrent_requests = {concurrent}
per_domain = 4
autothrottle = {autothrottle}
robots_txt = true
download_timeout = "30s"

[lists]
iran = ["Iran", "Иран", "إيران", "Tehran", "Teheran", "Тегеран", "طهران"]
russia = ["Russia", "Russland", "Россия", "روسيا", "Kremlin", "Kreml", "Кремль", "الكرملين"]

[[watchlists]]
name = "iran"
query = "@iran"

[[watchlists]]
name = "russia"
query = "@russia"

[[watchlists]]
name = "iran-russia"
query = "@iran NEAR/10(@iran, @russia)"

[[watchlists]]
name = "drones"
query = '"drone strike" OR Drohnenangriff OR "удар дронов"'

[[watchlists]]
name = "sanctions"
query = "sanctions OR Sanktionen OR санкции OR عقوبات"

[digest]
time = "07:00"
timezone = "UTC"
recipients = ["analyst@example.org"]
sender = "monitor@example.org"
outbox = "{work}/outbox"
"""


def proc_stat(pid: int) -> tuple[float, float, int] | None:
    """(user CPU seconds, system CPU seconds, VmRSS kB) of one process, None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        tick = os.sysconf("SC_CLK_TCK")
        rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        return int(fields[11]) / tick, int(fields[12]) / tick, rss
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None


def pss_kb(pid: int) -> int:
    """Proportional set size: each page shared with other processes (libraries, and the
    pages a forked child has not written) divided among them, so a tree's sum counts it
    once; the sum of RSS counts it in every process."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for tasks in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                kids = [int(x) for x in tasks.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            out += kids
            todo += kids
    return out


def vm_hwm(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure(
    name: str,
    cmd: list[str],
    *,
    work: Path,
    server: Nginx | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 7200,
) -> dict[str, Any]:
    """Run ``cmd`` to the end and measure it from outside."""
    out_path, err_path = work / f"{name}.out", work / f"{name}.err"
    offset = server.log_offset() if server else 0
    load = load1()
    started = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
    cpu_seen: dict[int, tuple[float, float]] = {}  # pid -> (user, system), last seen
    hwm_main = 0
    rss_tree_max = pss_tree_max = 0
    done: tuple[int, int, Any] | None = None
    while done is None:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            done = (pid, status, usage)
            break
        if time.monotonic() - started > timeout:
            proc.kill()
            continue
        tree = pss_tree = 0
        for p in [proc.pid, *descendants(proc.pid)]:
            st = proc_stat(p)
            if st is None:
                continue
            cpu_seen[p] = (st[0], st[1])
            tree += st[2]
            pss_tree += pss_kb(p)
        rss_tree_max = max(rss_tree_max, tree)
        pss_tree_max = max(pss_tree_max, pss_tree)
        hwm_main = max(hwm_main, vm_hwm(proc.pid) or 0)
        time.sleep(0.2)
    wall = time.monotonic() - started
    _, status, usage = done
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu_wait4 = usage.ru_utime + usage.ru_stime
    polled = sum(u + s for u, s in cpu_seen.values())
    main_cpu = cpu_seen.get(proc.pid, (0.0, 0.0))
    result: dict[str, Any] = {
        "step": name,
        "rc": proc.returncode,
        "load1_at_start": load,
        "wall_s": round(wall, 2),
        "cpu_s": round(max(cpu_wait4, polled), 2),
        "cpu_wait4_s": round(cpu_wait4, 2),
        "cpu_user_s": round(usage.ru_utime, 2),
        "cpu_system_s": round(usage.ru_stime, 2),
        # polled, so up to 0.2 s short per process: the split, not the total
        "cpu_main_process_s": round(sum(main_cpu), 2),
        "cpu_other_processes_s": round(polled - sum(main_cpu), 2),
        "processes": len(cpu_seen),
        "peak_rss_main_mb": round(hwm_main / 1024, 1),
        "peak_rss_tree_mb": round(rss_tree_max / 1024, 1),
        "peak_pss_tree_mb": round(pss_tree_max / 1024, 1),
        "peak_rss_any_process_mb": round(usage.ru_maxrss / 1024, 1),
    }
    if server:
        time.sleep(0.3)  # nginx writes its log line after the response
        result["requests"] = server.requests_since(offset)
    lines = out_path.read_text("utf-8", "replace").strip().splitlines()
    if lines and lines[-1].startswith("{"):
        result["reported"] = json.loads(lines[-1])
    if proc.returncode != 0:
        tail = err_path.read_text("utf-8", "replace")[-2000:]
        print(f"{name}: exit {proc.returncode}\n{tail}", file=sys.stderr)
    return result


def db_counts(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out: dict[str, Any] = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("articles", "article_urls", "hits")
        }
        row = con.execute(
            "SELECT id, status, articles_new, hits_new FROM crawl_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        out["last_run"] = dict(zip(("id", "status", "articles_new", "hits_new"), row, strict=True))
        out["articles_with_text"] = con.execute(
            "SELECT count(*) FROM articles WHERE text IS NOT NULL AND text != ''"
        ).fetchone()[0]
        return out
    finally:
        con.close()


def venv_python(venvs: Path, name: str) -> Path:
    """The Python of a venv with the peer installed (made on first use, with pip)."""
    venv = venvs / name
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS[name]], check=True)
        marker.write_text(" ".join(PEERS[name]))
    return python


def monitor_env(work: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # PYTHONDONTWRITEBYTECODE (set on some machines): the checkout's modules were compiled
        # anew at every start (0.15-0.2 s of CPU a crawl process); an installed monitor has
        # the bytecode pip compiled.
        if k
        not in ("MONITOR_DATABASE_URL", "MONITOR_CONFIG", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    }
    env["PYTHONPATH"] = str(ROOT)  # this checkout, whatever the editable install points at
    env["MONITOR_DATA_DIR"] = str(work / "data")
    return env


def write_config(web: Path, work: Path, args: argparse.Namespace) -> tuple[Path, int, int]:
    manifest = json.loads((web / "manifest.json").read_text("utf-8"))
    port = manifest["params"]["port"]
    parts = [
        CONFIG_HEAD.format(
            work=work,
            workers=args.workers,
            concurrent=args.concurrent,
            autothrottle="true" if args.autothrottle else "false",
        )
    ]
    feeds = sections = 0
    for s in manifest["sites"]:
        for f in s["feeds"]:
            feeds += 1
            url = f"http://{s['host']}:{port}{f['path']}"
            parts.append(f'[[sources]]\nname = "f{feeds:04d}"\nfeed = "{url}"\ninterval = "15m"\n')
        for sec in s["sections"]:
            sections += 1
            url = f"http://{s['host']}:{port}{sec['path']}"
            parts.append(
                f'[[sources]]\nname = "s{sections:03d}"\nsection = "{url}"\ninterval = "15m"\n'
            )
    path = work / "monitor.toml"
    path.write_text(textwrap.dedent("\n".join(parts)), "utf-8")
    return path, feeds, sections


def monitor_figures(r: dict[str, Any], counts: dict[str, Any], feeds: int, sections: int) -> None:
    """Derived figures of a monitor step, added to its result."""
    req = r.get("requests", {})
    lists = feeds + sections
    new = counts["last_run"]["articles_new"]
    list_requests = req.get("feed", 0) + req.get("section", 0)
    list_304 = req.get("feed_304", 0) + req.get("section_304", 0)
    r["store"] = counts
    r["articles_new"] = new
    r["articles_per_s"] = round(new / r["wall_s"], 1) if new else 0.0
    r["article_requests"] = req.get("article", 0)
    r["share_304_of_feed_and_section_requests"] = (
        round(list_304 / list_requests, 4) if list_requests else None
    )
    r["share_304_of_all_requests"] = round(req.get("all_304", 0) / req["all"], 4) if req else None
    r["cpu_ms_per_source"] = round(1000 * r["cpu_s"] / lists, 2)


def cpu_rate(r: dict[str, Any], articles: int, cores: int) -> None:
    """Articles/s if ``cores`` cores did nothing else: the figure a loaded machine still
    measures fairly (CPU time barely changes with load, wall time does)."""
    r["cpu_ms_per_article"] = round(1000 * r["cpu_s"] / articles, 1) if articles else None
    r["cpu_bound_articles_per_s"] = round(cores * articles / r["cpu_s"], 1) if articles else None
    # The core-seconds no process of the tree used: what a CPU-bound run loses beside its CPU
    # (a start before the first page, waits on sites, stalls of the process feeding the
    # workers; benchmarks/README.md, sessions 13-15).
    r["idle_core_s"] = round(cores * r["wall_s"] - r["cpu_s"], 2)


def build_real(args: argparse.Namespace) -> tuple[Path, Any, list[str]]:
    """The real-page web under ``args.dir``, its config and the naive script's keywords."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.realweb import corpus
    from benchmarks.realweb import serve as realserve

    manifest = realserve.build_web(args.dir, realserve.corpus_sites(corpus.load(), args.copies))
    args.work.mkdir(parents=True, exist_ok=True)
    config = realserve.write_config(
        args.work / "monitor.toml",
        manifest,
        kind="feed",
        database=args.work / "monitor.db",
        workers=args.workers,
    )
    terms = [q.removeprefix("case:").strip('"') for _, q in realserve.TERMS]
    return config, realserve.serve(args.dir), terms


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"), help="the generated web")
    p.add_argument("--real", action="store_true", help="real news pages (benchmarks/realweb)")
    p.add_argument("--copies", type=int, default=4, help="--real: times each page is served")
    p.add_argument("--rounds", type=int, default=1, help="run the chosen steps this often")
    p.add_argument("--work", type=Path, default=Path("/tmp/crawlbench"), help="databases, logs")
    p.add_argument("--venvs", type=Path, default=Path("/tmp/crawlbench-venvs"))
    p.add_argument("--small", action="store_true", help="50 feeds, 10 sections, 500 articles")
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--sections", type=int, default=200)
    p.add_argument("--articles", type=int, default=20000)
    p.add_argument("--sites", type=int, default=100)
    p.add_argument("--reuse", action="store_true", help="keep an existing generated web")
    p.add_argument("--only", help=f"comma-separated steps of {','.join(STEPS)}")
    p.add_argument("--workers", type=int, default=2, help="extraction processes (2)")
    p.add_argument("--concurrent", type=int, default=64, help="monitor concurrent_requests")
    p.add_argument("--autothrottle", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--trickle", type=float, default=0.02)
    p.add_argument("--floor-limit", type=int, help="articles for the floor (all)")
    p.add_argument("--naive-limit", type=int, help="articles for the naive script (all)")
    p.add_argument("--np-sites", type=int, default=20, help="sites for news-please (20)")
    p.add_argument("--out", type=Path, help="write every result as JSON")
    args = p.parse_args()
    if args.small:
        args.feeds, args.sections, args.articles, args.sites = 50, 10, 500, 5
        args.np_sites = min(args.np_sites, 2)
    steps = args.only.split(",") if args.only else STEPS
    unknown = set(steps) - set(STEPS)
    if unknown:
        p.error(f"unknown steps: {', '.join(sorted(unknown))}")
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "args": {
        k: str(v) for k, v in vars(args).items()}}  # fmt: skip
    if args.real and args.dir == Path("/tmp/newsweb"):
        args.dir = Path("/tmp/realweb/crawl")
    manifest_path = args.dir / "manifest.json"
    terms = ["Iran", "Russia"]
    if args.real:
        t = time.monotonic()
        config, nginx, terms = build_real(args)
        print(f"real web built in {time.monotonic() - t:.0f} s", file=sys.stderr)
    elif not (args.reuse and manifest_path.exists()):
        t = time.monotonic()
        generate.generate(args.dir, args.feeds, args.sections, args.articles, args.sites, 8471)
        print(f"generated in {time.monotonic() - t:.0f} s", file=sys.stderr)
    manifest = json.loads(manifest_path.read_text("utf-8"))
    results["web"] = {
        "sites": len(manifest["sites"]),
        "feeds": sum(len(s["feeds"]) for s in manifest["sites"]),
        "sections": sum(len(s["sections"]) for s in manifest["sites"]),
        "articles": len(manifest["articles"]),
        "mean_article_kb": round(manifest["article_bytes"] / len(manifest["articles"]) / 1024, 1),
        "feed_items": sum(len(f["items"]) for s in manifest["sites"] for f in s["feeds"]),
    }
    args.work.mkdir(parents=True, exist_ok=True)
    if args.real:
        n_feeds, n_sections = len(manifest["sites"]), 0
    else:
        config, n_feeds, n_sections = write_config(args.dir, args.work, args)
        nginx = Nginx(args.dir)
    db = args.work / "monitor.db"
    env = monitor_env(args.work)
    monitor = [sys.executable, "-m", "monitor", "--config", str(config), "crawl"]
    here = sys.executable

    current = [1]  # the round

    def key_of(step: str) -> str:
        return step if current[0] == 1 else f"{step}#{current[0]}"

    def report(key: str, r: dict[str, Any]) -> None:
        key = key_of(key)
        results[key] = r
        brief = {k: v for k, v in r.items() if k not in ("requests", "store")}
        print(f"{key}: {json.dumps(brief)}", file=sys.stderr, flush=True)
        if args.out:
            args.out.write_text(json.dumps(results, indent=1) + "\n", "utf-8")

    def run_steps(server: Any) -> None:
        for step, call in (("floor", "trafilatura"), ("floor_monitor", "monitor")):
            if step not in steps:
                continue
            cmd = [here, str(HERE / "floor.py"), "--dir", str(args.dir), "--workers",
                   str(args.workers), "--call", call]  # fmt: skip
            if args.floor_limit:
                cmd += ["--limit", str(args.floor_limit)]
            r = measure(step, cmd, work=args.work)
            r["articles_per_s"] = round(
                r["reported"]["articles"] / r["reported"]["extract_wall_s"], 1
            )
            cpu_rate(r, r["reported"]["articles"], args.workers)
            report(step, r)
        if "cold" in steps:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            r = measure("cold", monitor, work=args.work, server=server, env=env)
            monitor_figures(r, db_counts(db), n_feeds, n_sections)
            cpu_rate(r, r["articles_new"], args.workers)
            report("cold", r)
        if "warm" in steps:
            r = measure("warm", monitor, work=args.work, server=server, env=env)
            monitor_figures(r, db_counts(db), n_feeds, n_sections)
            report("warm", r)
        if "fixed" in steps:
            r = measure("fixed", [*monitor, "--source", "f0001"], work=args.work,
                        server=server, env=env)  # fmt: skip
            report("fixed", r)
            if "warm" in results:
                w = results["warm"]
                w["cpu_ms_per_source_beyond_fixed"] = round(
                    1000 * (w["cpu_s"] - r["cpu_s"]) / (n_feeds + n_sections - 1), 2
                )
        reader_db = args.work / "reader.sqlite"
        reader_cmd: list[str] = []
        if "reader" in steps or "trickle" in steps:
            reader_cmd = [str(venv_python(args.venvs, "reader")), str(HERE / "reader_peer.py"),
                          "--dir", str(args.dir), "--db", str(reader_db)]  # fmt: skip
        if "reader" in steps:
            reader_db.unlink(missing_ok=True)
            for phase in ("reader_cold", "reader_warm"):
                r = measure(phase, reader_cmd, work=args.work, server=server)
                r["cpu_ms_per_feed"] = round(1000 * r["cpu_s"] / n_feeds, 2)
                r["update_cpu_ms_per_feed"] = round(
                    1000 * r["reported"]["update_cpu_s"] / n_feeds, 2
                )
                report(phase, r)
        if "trickle" in steps:
            change = generate.trickle(args.dir, args.trickle)
            change.pop("new_ids")
            results["trickle_change"] = change
            print(f"trickle: {change}", file=sys.stderr)
            r = measure("trickle", monitor, work=args.work, server=server, env=env)
            monitor_figures(r, db_counts(db), n_feeds, n_sections)
            report("trickle", r)
            if reader_db.exists():
                r = measure("reader_trickle", reader_cmd, work=args.work, server=server)
                r["cpu_ms_per_feed"] = round(1000 * r["cpu_s"] / n_feeds, 2)
                report("reader_trickle", r)
        if "naive" in steps:
            cmd = [here, str(HERE / "naive.py"), "--dir", str(args.dir)]
            if args.naive_limit:
                cmd += ["--limit", str(args.naive_limit)]
            r = measure("naive", cmd, work=args.work, server=server)
            rep = r["reported"]
            r["articles_per_s"] = round(rep["articles"] / r["wall_s"], 1)
            cpu_rate(r, rep["articles"], 1)  # sequential: one core
            report("naive", r)
        if "naive_pool" in steps:
            cmd = [here, str(HERE / "naive_pool.py"), "--dir", str(args.dir), "--workers",
                   str(args.workers), "--terms", ",".join(terms)]  # fmt: skip
            r = measure("naive_pool", cmd, work=args.work, server=server)
            rep = r["reported"]
            r["articles_per_s"] = round(rep["articles"] / r["wall_s"], 1)
            cpu_rate(r, rep["articles"], args.workers)
            report("naive_pool", r)
        if "cold" in steps:
            cold = results[key_of("cold")]
            for peer in ("naive_pool", "floor"):
                if key_of(peer) in results and cold.get("articles_per_s"):
                    cold[f"rate_vs_{peer}"] = round(
                        cold["articles_per_s"] / results[key_of(peer)]["articles_per_s"], 3
                    )
            print(f"cold vs peers: { {k: v for k, v in cold.items() if 'vs' in k} }",
                  file=sys.stderr)  # fmt: skip
        if "newsplease" in steps:
            python = venv_python(args.venvs, "newsplease")
            package = Path(
                subprocess.run(
                    [str(python), "-c", "import newsplease, os; print(os.path.dirname("
                     "newsplease.__file__))"],
                    capture_output=True, text=True, check=True,
                ).stdout.strip()
            )  # fmt: skip
            np_work = args.work / "newsplease"
            cfg = subprocess.run(
                [here, str(HERE / "newsplease_peer.py"), "--dir", str(args.dir), "--work",
                 str(np_work), "--sites", str(args.np_sites), "--package", str(package)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            expected = json.loads(cfg.stdout)["expected_articles"]
            cmd = [str(python.parent / "news-please"), "-c", str(np_work / "config"), "-no-confirm"]
            r = measure("newsplease", cmd, work=args.work, server=server, cwd=np_work)
            files = list((np_work / "repo").rglob("*.json"))
            r["expected_articles"] = expected
            r["json_files"] = len(files)
            r["articles_per_s"] = round(len(files) / r["wall_s"], 2)
            cpu_rate(r, len(files), args.workers)
            report("newsplease", r)

    with nginx as server:
        if not args.real:
            results["server"] = check_speed(server)
            print(f"server: {results['server']}", file=sys.stderr)
        for round_ in range(1, args.rounds + 1):
            current[0] = round_
            run_steps(server)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    print(json.dumps({k: v for k, v in results.items() if k != "args"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
