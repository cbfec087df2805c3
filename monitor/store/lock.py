"""One daemon per store: a lock that the operating system or the server releases when the
process dies, even by SIGKILL (an flock'd file beside SQLite, a PostgreSQL advisory lock).

On PostgreSQL the cluster's workers (`monitor worker`, issue #17) hold the same advisory lock
*shared*: any number of workers together, never beside a daemon, which holds it exclusively."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from monitor.errors import MonitorError
from monitor.store.engine import describe, sqlite_path

_DAEMON_LOCK_ID = 7_215_310_043


class AlreadyRunning(MonitorError):
    exit_code = 1


@contextmanager
def daemon_lock(engine: Engine) -> Iterator[None]:
    where = describe(str(engine.url))
    if engine.dialect.name == "postgresql":
        raw: Any = engine.raw_connection()
        try:
            raw.driver_connection.autocommit = True  # never "idle in transaction" for months
            cur = raw.driver_connection.execute(f"SELECT pg_try_advisory_lock({_DAEMON_LOCK_ID})")
            if not cur.fetchone()[0]:
                if _only_shared(raw):
                    raise AlreadyRunning(
                        f"workers (`monitor worker`) are running on {where}; `monitor run` "
                        "does not run beside them: stop them all first, or let them do the "
                        "work (they crawl and send digests too; docs/cluster.md)"
                    )
                raise AlreadyRunning(
                    f"another monitor daemon is running on {where}; "
                    "stop it first (`monitor crawl` runs one cycle beside it)"
                )
            yield
        finally:
            raw.close()  # closing the session releases the lock
        return
    path = sqlite_path(str(engine.url))
    if path is None:
        yield
        return
    lock_path = path.with_name(path.name + ".daemon-lock")
    with open(lock_path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            pid = f.read().strip() or "?"
            raise AlreadyRunning(
                f"another monitor daemon (pid {pid}) is running on {where}; stop it first "
                "(`monitor crawl` runs one cycle beside it)"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _only_shared(raw: Any) -> bool:
    """Whether the lock is held only shared (by workers): a shared lock is then granted."""
    cur = raw.driver_connection.execute(f"SELECT pg_try_advisory_lock_shared({_DAEMON_LOCK_ID})")
    if not cur.fetchone()[0]:
        return False
    raw.driver_connection.execute(f"SELECT pg_advisory_unlock_shared({_DAEMON_LOCK_ID})")
    return True


@contextmanager
def worker_lock(engine: Engine) -> Iterator[None]:
    """Held by each `monitor worker` while it is connected: shared with the other workers,
    refused while a daemon (`monitor run`) holds the store. PostgreSQL only."""
    where = describe(str(engine.url))
    raw: Any = engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True
        cur = raw.driver_connection.execute(
            f"SELECT pg_try_advisory_lock_shared({_DAEMON_LOCK_ID})"
        )
        if not cur.fetchone()[0]:
            raise AlreadyRunning(
                f"a daemon (`monitor run`) is running on {where}; workers do not run beside "
                "it: stop it first, then start the workers (docs/cluster.md)"
            )
        yield
    finally:
        # A pooled connection outlives close(): end its session, which releases the lock
        # (after PostgreSQL restarted, the session and its lock are already gone).
        raw.invalidate()


def daemon_running(engine: Engine) -> str | None:
    """'pid N' (or 'yes') when a daemon holds the store's lock, else None."""
    if engine.dialect.name == "postgresql":
        raw: Any = engine.raw_connection()
        try:
            raw.driver_connection.autocommit = True
            cur = raw.driver_connection.execute(f"SELECT pg_try_advisory_lock({_DAEMON_LOCK_ID})")
            if cur.fetchone()[0]:
                raw.driver_connection.execute(f"SELECT pg_advisory_unlock({_DAEMON_LOCK_ID})")
                return None
            return None if _only_shared(raw) else "yes"  # shared: workers, not a daemon
        finally:
            raw.close()
    path = sqlite_path(str(engine.url))
    if path is None:
        return None
    lock_path = path.with_name(path.name + ".daemon-lock")
    if not lock_path.exists():
        return None
    with open(lock_path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            return f"pid {f.read().strip() or '?'}"
        fcntl.flock(f, fcntl.LOCK_UN)
        return None
