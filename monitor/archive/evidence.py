"""Reading the evidence back: an article's archived page (`monitor show --raw`, the web
view's download) and the snapshots of many hits as one WARC file (`monitor evidence
export`). A snapshot whose file retention deleted is reported, never silently skipped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from monitor.archive.warc import RecordRef, Served, parse_record, read_raw
from monitor.domain.filters import HitFilter
from monitor.errors import MonitorError
from monitor.store.hits import iter_hits
from monitor.store.snapshots import SnapshotRow, snapshots_of


class SnapshotGone(MonitorError):
    """The article has no archived page, or retention deleted it."""

    exit_code = 3


def ref(snap: SnapshotRow) -> RecordRef:
    return RecordRef(snap.file, snap.offset, snap.length)


def why_gone(snaps: list[SnapshotRow]) -> str:
    if not snaps:
        return "no snapshot of this article was kept (it had no hit when it was fetched)"
    last = snaps[-1]
    when = last.pruned_at.date().isoformat() if last.pruned_at else "?"
    return (
        f"the snapshot of {last.fetched_at.date().isoformat()} was deleted by retention on {when}"
    )


def latest_page(session: Session, folder: Path, article_id: int) -> tuple[SnapshotRow, Served]:
    """The article's latest archived page; SnapshotGone saying why there is none."""
    snaps = snapshots_of(session, [article_id]).get(article_id, [])
    kept = [s for s in snaps if s.pruned_at is None]
    if not kept:
        raise SnapshotGone(why_gone(snaps))
    snap = kept[-1]
    try:
        return snap, parse_record(read_raw(folder, ref(snap)))
    except FileNotFoundError:
        raise SnapshotGone(
            f"the snapshot's file {snap.file} is missing from {folder} "
            "(deleted outside the monitor, or the archive folder moved)"
        ) from None


@dataclass
class Exported:
    records: int = 0
    articles: int = 0
    without: int = 0  # hit articles with no snapshot kept
    gone: int = 0  # snapshots whose file is gone


def _article_ids(session: Session, f: HitFilter) -> Iterator[list[int]]:
    """The hits' articles, each once, in batches (hits are streamed, newest first)."""
    seen: set[int] = set()
    batch: list[int] = []
    for hit in iter_hits(session, f):
        if hit.article_id not in seen:
            seen.add(hit.article_id)
            batch.append(hit.article_id)
            if len(batch) >= 500:
                yield batch
                batch = []
    if batch:
        yield batch


def export_warc(session: Session, folder: Path, f: HitFilter, out: IO[bytes]) -> Exported:
    """Every kept snapshot of the articles of ``f``'s hits, copied byte for byte (each
    record a gzip member of its own: concatenated, they are one WARC file)."""
    result = Exported()
    for ids in _article_ids(session, f):
        snaps = snapshots_of(session, ids)
        for article_id in ids:
            kept = [s for s in snaps.get(article_id, []) if s.pruned_at is None]
            result.articles += 1
            if not kept:
                result.without += 1
                continue
            for snap in kept:
                try:
                    out.write(read_raw(folder, ref(snap)))
                    result.records += 1
                except FileNotFoundError:
                    result.gone += 1
    return result
