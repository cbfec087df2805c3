"""What the benchmark prints: progress lines on stderr as it goes, and the results as
Markdown tables (the form benchmarks/README.md keeps them in)."""

from __future__ import annotations

import sys
import time
from typing import Any

T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:8.1f}s] {msg}", file=sys.stderr, flush=True)


def fmt_ms(v: float) -> str:
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def report(r: dict[str, Any]) -> str:
    ld, q = r.get("load"), r["queries"]
    lines = [f"### {r['backend']}", ""]
    if ld:
        s = ld["seconds"]
        parts = ", ".join(f"{k} {v:.0f} s" for k, v in s.items() if k != "total")
        lines += [
            f"{ld['articles']:,} articles, {ld['hits']:,} hits ({ld['unsent']:,} unsent), "
            f"{ld['signatures']:,} signatures, {ld['digests']:,} digests",
            "",
            f"load: {s['total']:.0f} s ({parts})",
            "",
        ]
    lines += [
        "| measure | median | p95 | driver only (median) | rows (median) |",
        "|---|---|---|---|---|",
    ]
    for m in q:
        lines.append(
            f"| `{m['label']}` | {fmt_ms(m['median_ms'])} | {fmt_ms(m['p95_ms'])} | "
            f"{fmt_ms(m['raw_median_ms'])} | {m['rows_median']:g} |"
        )
    lines += [
        "",
        "| ingest (2 cores shared) | articles/s | (a) crawl part: wall, CPU | (b) all: CPU | "
        "store only | index build | statements per article | ms per article | CPU ms | "
        "server CPU ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i in r["ingest"]:
        per = ", ".join(f"{k} {v:.2f}" for k, v in i["ms_per_article"].items())
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in i["cpu_ms_per_article"].items())
        what = "with" if i["clustering"] else "without"
        build = (
            f"{i['index_build_seconds'] * 1000:,.0f} ms, {i['index_articles']:,.0f} articles "
            f"({i['rate_with_build']:,.0f}/s with it)"
            if i.get("index_build_seconds")
            else ""
        )
        lines.append(
            f"| {what} clustering, batches of {i['batch']} | "
            f"{i['rate']:,.0f} | {i['crawl_rate']:,.0f}/s, {i['crawl_cpu_rate']:,.0f}/s | "
            f"{i['all_cpu_rate']:,.0f}/s | {i['store_rate']:,.0f}/s | {build} | "
            f"{i['statements_per_article']:.2f} | {per} | {cpu} | "
            + (f"{server:.3f} |" if (server := i.get("server_cpu_ms_per_article")) else " |")
        )
    total, parts = r["size"]
    per_m = total / (r["articles"] / 1e6)
    lines += [
        "",
        f"size on disk: {total / 2**30:.2f} GiB for {r['articles']:,} articles, "
        f"{per_m / 2**30:.2f} GiB per million articles",
        "",
        "largest objects: "
        + ", ".join(f"{n} {s / 2**20:,.0f} MiB" for n, s in list(parts.items())[:12]),
    ]
    return "\n".join(lines)
