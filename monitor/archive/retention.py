"""Retention of the archive: files older than ``keep`` go, then the oldest files until the
rest fit ``max_size``. Whole files (a crawl's records each), by the time in their names.
The snapshots in a deleted file stay in the store, marked pruned (``apply_retention``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from monitor.archive.warc import SUFFIX, file_time
from monitor.store.engine import transaction
from monitor.store.snapshots import mark_pruned


@dataclass(frozen=True)
class ArchiveFile:
    name: str  # relative to the archive folder
    started: datetime
    size: int


def archive_files(folder: Path) -> list[ArchiveFile]:
    """The archive's WARC files, oldest first (files it did not name are left alone)."""
    out: list[ArchiveFile] = []
    if not folder.is_dir():
        return out
    for path in folder.glob("*" + SUFFIX):
        started = file_time(path.name)
        if started is not None:
            out.append(ArchiveFile(path.name, started, path.stat().st_size))
    return sorted(out, key=lambda f: (f.started, f.name))


def to_delete(
    files: list[ArchiveFile], now: datetime, keep: timedelta, max_size: int
) -> list[ArchiveFile]:
    """The files retention removes (pure): too old, then the oldest beyond ``max_size``."""
    doomed = [f for f in files if f.started < now - keep]
    rest = [f for f in files if f not in doomed]
    total = sum(f.size for f in rest)
    for f in rest:  # oldest first
        if total <= max_size:
            break
        doomed.append(f)
        total -= f.size
    return doomed


@dataclass(frozen=True)
class Pruned:
    files: int
    bytes: int
    snapshots: int  # rows marked pruned: their hits now say the evidence is gone


def apply_retention(
    engine: Engine, folder: Path, now: datetime, keep: timedelta, max_size: int
) -> Pruned:
    """Retention as a job (the daemon's daily one, `monitor db maintain`): the snapshots
    in the doomed files are marked first, in one transaction, then the files deleted. A
    crash between the two leaves files the next run deletes; never a row that points to
    a deleted file without saying so."""
    doomed = to_delete(archive_files(folder), now, keep, max_size)
    if not doomed:
        return Pruned(0, 0, 0)
    with transaction(engine) as s:
        marked = mark_pruned(s, [f.name for f in doomed], now)
    for f in doomed:
        (folder / f.name).unlink(missing_ok=True)
    return Pruned(len(doomed), sum(f.size for f in doomed), marked)
