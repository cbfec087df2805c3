"""The cluster's tables (migration 0010, PostgreSQL only): who the workers are, what the
queue holds, and when the cluster-wide chores last ran. The queue itself is procrastinate's
(``procrastinate_jobs``, ``procrastinate_workers``, ``procrastinate_events``); this module
only reads it, for `monitor status`, and never changes a job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class WorkerRow:
    name: str
    host: str
    pid: int
    role: str  # crawl | control
    started_at: datetime
    last_heartbeat: datetime
    jobs: tuple[str, ...]  # what it runs now, as "task(args)"


@dataclass(frozen=True)
class FailedJob:
    task: str
    args: dict[str, Any]
    status: str  # failed | aborted
    at: datetime


@dataclass(frozen=True)
class ClusterStatus:
    workers: list[WorkerRow]
    waiting: int  # jobs due to run now and not yet taken
    oldest_wait: timedelta | None  # how long the oldest of them has waited
    running: int
    failed: list[FailedJob]  # failed or aborted in the last day, newest first


def has_cluster(engine: Engine) -> bool:
    """Whether the store has the cluster's tables (PostgreSQL, migrated to 0010 or later)."""
    if engine.dialect.name != "postgresql":
        return False
    return inspect(engine).has_table("cluster_workers")


def register_worker(
    session: Session, worker_id: int, *, name: str, host: str, pid: int, role: str
) -> None:
    session.execute(
        text(
            "INSERT INTO cluster_workers (worker_id, name, host, pid, role) "
            "VALUES (:id, :name, :host, :pid, :role) ON CONFLICT (worker_id) DO NOTHING"
        ),
        {"id": worker_id, "name": name, "host": host, "pid": pid, "role": role},
    )


def waiting_jobs(session: Session, queue: str) -> int:
    """Jobs of ``queue`` waiting to be taken (scheduled ones included)."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' AND queue_name = :q"
            ),
            {"q": queue},
        ).scalar_one()
    )


def chore_due(session: Session, name: str, every: timedelta, now: datetime) -> bool:
    last = session.execute(
        text("SELECT last_done_at FROM cluster_chores WHERE name = :name"), {"name": name}
    ).scalar()
    return last is None or last + every <= now


def chore_done(session: Session, name: str, now: datetime) -> None:
    session.execute(
        text(
            "INSERT INTO cluster_chores (name, last_done_at) VALUES (:name, :now) "
            "ON CONFLICT (name) DO UPDATE SET last_done_at = excluded.last_done_at"
        ),
        {"name": name, "now": now},
    )


def _call(task: str, args: dict[str, Any]) -> str:
    return f"{task}({', '.join(f'{k}={v}' for k, v in sorted(args.items()))})"


def cluster_status(session: Session, now: datetime, failed_since: timedelta) -> ClusterStatus:
    """The workers (live ones: a worker pruned for a stale heartbeat is gone), the queue
    and the jobs that failed since ``now - failed_since``."""
    running: dict[int, list[str]] = {}
    for wid, task, args in session.execute(
        text(
            "SELECT worker_id, task_name, args FROM procrastinate_jobs "
            "WHERE status = 'doing' ORDER BY id"
        )
    ):
        running.setdefault(wid, []).append(_call(task.rsplit(":", 1)[-1], args))
    workers = [
        WorkerRow(r.name, r.host, r.pid, r.role, r.started_at, r.last_heartbeat,
                  tuple(running.get(r.worker_id, ())))
        for r in session.execute(
            text(
                "SELECT c.worker_id, c.name, c.host, c.pid, c.role, c.started_at, "
                "w.last_heartbeat FROM cluster_workers c "
                "JOIN procrastinate_workers w ON w.id = c.worker_id ORDER BY c.host, c.name"
            )
        )
    ]  # fmt: skip
    waiting, oldest = session.execute(
        text(
            # Waiting since it was queued, or queued again (a retry).
            "SELECT count(*), min(queued) FROM (SELECT max(e.at) AS queued "
            "FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id "
            "AND e.type IN ('deferred', 'deferred_for_retry') "
            "WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= :now) "
            "GROUP BY j.id) AS w"
        ),
        {"now": now},
    ).one()
    failed = [
        FailedJob(r.task_name.rsplit(":", 1)[-1], r.args, r.status, r.at)
        for r in session.execute(
            text(
                "SELECT j.task_name, j.args, j.status::text AS status, max(e.at) AS at "
                "FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id "
                "WHERE j.status IN ('failed', 'aborted') AND e.type IN ('failed', 'aborted') "
                "AND e.at >= :since GROUP BY j.id ORDER BY at DESC LIMIT 20"
            ),
            {"since": now - failed_since},
        )
    ]
    return ClusterStatus(
        workers=workers,
        waiting=int(waiting),
        oldest_wait=(now - oldest) if oldest is not None else None,
        running=sum(len(v) for v in running.values()),
        failed=failed,
    )
