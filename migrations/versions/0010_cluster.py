"""The cluster (issue #17): procrastinate's job queue, and what `monitor status` shows of it.

PostgreSQL only; on SQLite this revision does nothing (workers refuse SQLite).

- procrastinate's schema, as its 3.10.0 release ships it (``migrations/procrastinate-3.10.0.sql``,
  frozen here as any migration is): jobs, events, workers with heartbeats, periodic defers,
  and the functions its workers call. A later procrastinate release that changes it comes
  with its migration files (``procrastinate/sql/migrations``), applied by a revision of ours.
- ``cluster_workers``: each worker's name, host, pid, role and start, beside procrastinate's
  row for it (which has only an id and a heartbeat); pruned with it.
- ``cluster_chores``: when a cluster-wide chore (the daily statistics and retention) last
  ran, so it runs once a day whichever worker asks.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCHEMA = Path(__file__).parent.parent / "procrastinate-3.10.0.sql"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Through the driver without parameters: the file's '%' are literal (format() calls).
    bind.connection.driver_connection.execute(_SCHEMA.read_text("utf-8"))  # type: ignore[union-attr]
    op.execute(
        """
        CREATE TABLE cluster_workers (
            worker_id bigint PRIMARY KEY
                REFERENCES procrastinate_workers(id) ON DELETE CASCADE,
            name text NOT NULL,
            host text NOT NULL,
            pid integer NOT NULL,
            role text NOT NULL,
            started_at timestamp with time zone NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE cluster_chores (
            name text PRIMARY KEY,
            last_done_at timestamp with time zone NOT NULL
        )
        """
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS cluster_chores, cluster_workers")
    op.execute(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
        "procrastinate_jobs, procrastinate_workers CASCADE"
    )
    op.execute(
        """
        DO $$
        DECLARE f record;
        BEGIN
            FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                     JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE p.proname LIKE 'procrastinate\\_%' AND n.nspname = current_schema()
            LOOP
                EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE';
            END LOOP;
        END $$
        """
    )
    op.execute(
        "DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
        "procrastinate_job_status CASCADE"
    )
