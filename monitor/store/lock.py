"""One daemon per store: a lock that the operating system or the server releases when the
process dies, even by SIGKILL (an flock'd file beside SQLite, a PostgreSQL advisory lock)."""

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
            return "yes"
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
