"""The instruments: median and p95 of a measurement over its runs, each run's SQL re-run
through the bare driver and the slowest one's plans; the driver's share of a phase; wall
and CPU time per phase; the PostgreSQL server's CPU time."""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from benchmarks.store.report import log

RUNS = 30


WARMUP = 3


@dataclass
class Captured:
    """The SELECTs the monitor sent to the driver during one run (a page of the hit list
    takes two or more), to re-run them raw and explain them."""

    statements: list[tuple[str, Any]] = field(default_factory=list)


def capture(*engines: Engine) -> Captured:
    got = Captured()

    def _seen(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            got.statements.append((statement, parameters))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", _seen)
    return got


def raw_seconds(engine: Engine, statements: Sequence[tuple[str, Any]]) -> float:
    """The same SQL with the same parameters through the bare driver, in order and in one
    transaction: database time plus fetching, without SQLAlchemy's result processing and
    the building of rows."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t = time.perf_counter()
        for statement, parameters in statements:
            cur.execute(statement, parameters)
            cur.fetchall()
        took = time.perf_counter() - t
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return took


def explain(engine: Engine, statements: Sequence[tuple[str, Any]]) -> str:
    """The plan of each statement, in order and in one transaction (on PostgreSQL a search
    sets planner options for the statements after it)."""
    raw = engine.raw_connection()
    plans = []
    try:
        cur = raw.cursor()
        for statement, parameters in statements:
            if engine.dialect.name == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                lines = [f"{r[0]}|{r[1]}|{r[3]}" for r in cur.fetchall()]
            else:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines = [r[0] for r in cur.fetchall()]
            plans.append("\n".join(lines))
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return "\n\n".join(plans)


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(
    engine: Engine,
    captured: Captured,
    label: str,
    params: Sequence[Any],
    run: Callable[[Any], int],
    warmup: Sequence[Any],
) -> dict[str, Any]:
    """Median and p95 of ``run`` over ``params`` (after the warm-up runs); each run's SQL is
    then re-run through the bare driver, and the slowest run's plan is kept."""
    for p in warmup:
        run(p)
    runs = []
    for p in params:
        captured.statements.clear()
        t = time.perf_counter()
        rows = run(p)
        took = time.perf_counter() - t
        sql = list(captured.statements)
        runs.append({"param": p, "ms": took * 1000, "rows": rows, "sql": sql})
    for r in runs:
        r["raw_ms"] = raw_seconds(engine, r.pop("sql")) * 1000
    ms = [r["ms"] for r in runs]
    slowest = max(runs, key=lambda r: r["ms"])
    captured.statements.clear()
    run(slowest["param"])  # capture its SQL again for the plan
    result = {
        "label": label,
        "median_ms": statistics.median(ms),
        "p95_ms": pct(ms, 95),
        "max_ms": max(ms),
        "raw_median_ms": statistics.median(r["raw_ms"] for r in runs),
        "rows_median": statistics.median(r["rows"] for r in runs),
        "runs": runs,
        "slowest_param": slowest["param"],
        "plan_slowest": explain(engine, captured.statements),
        "sql": ";\n".join(statement for statement, _ in captured.statements),
    }
    log(
        f"{label}: median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms "
        f"(driver only: median {result['raw_median_ms']:.1f} ms), "
        f"rows median {result['rows_median']}"
    )
    return result


class DriverClock:
    """Time spent inside the driver's execute (the database's work plus the round trip)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seconds = 0.0
        self.statements = 0
        self._start = 0.0

    def __enter__(self) -> DriverClock:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *args: Any) -> None:
        self._start = time.perf_counter()

    def _after(self, *args: Any) -> None:
        self.seconds += time.perf_counter() - self._start
        self.statements += 1


class Phases:
    """Wall and CPU seconds per phase of the ingest (CPU: this process's, all threads; on a
    shared machine the wall time waits for the cores, the CPU time much less)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._at = (0.0, 0.0)

    def start(self) -> None:
        self._at = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[name] = self.wall.get(name, 0.0) + wall - self._at[0]
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu - self._at[1]
        self._at = (wall, cpu)

    def rate(self, count: int, names: Sequence[str], cpu: bool = False) -> float:
        spent = self.cpu if cpu else self.wall
        return count / sum(spent.get(n, 0.0) for n in names)


def server_cpu_seconds(engine: Engine) -> float | None:
    """CPU seconds used so far by the PostgreSQL server's processes on this machine (its
    backends, WAL writer, checkpointer, autovacuum: all the work an ingest causes there),
    from /proc; None for SQLite, or when the server's processes cannot be read. A backend
    that exits is no longer counted: measure around work on a connection that stays open."""
    if engine.dialect.name != "postgresql" or not Path("/proc/self/stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:  # gone meanwhile
            continue
        if head.split("(", 1)[1].startswith("postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks if total else None
