"""Retention of the archive: files older than ``keep`` go, then the oldest files until the
rest fit ``max_size``. Whole files (a crawl's records each), by the time in their names.
Which snapshots that removed is the caller's to record (``monitor.evidence``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.archive.warc import SUFFIX, file_time


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


def prune(folder: Path, now: datetime, keep: timedelta, max_size: int) -> list[ArchiveFile]:
    """Delete the files retention removes; returns them."""
    doomed = to_delete(archive_files(folder), now, keep, max_size)
    for f in doomed:
        (folder / f.name).unlink(missing_ok=True)
    return doomed
