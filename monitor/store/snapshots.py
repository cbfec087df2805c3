"""Snapshots: which archived record (file, offset, length) holds an article's page as served.
Rows are written only after their record is on disk (``monitor.archive.warc``); retention
marks those whose file it deleted (``pruned_at``) instead of forgetting them, so a hit can
say its evidence is gone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from monitor.store.models import Snapshot
from monitor.store.upsert import any_of

_SNAPSHOTS: Table = Snapshot.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class SnapshotRow:
    id: int
    article_id: int
    url: str
    status: int
    fetched_at: datetime
    file: str
    offset: int
    length: int
    pruned_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "status": self.status,
            "fetched_at": self.fetched_at.isoformat(),
            "kept": self.pruned_at is None,
            "pruned_at": self.pruned_at.isoformat() if self.pruned_at else None,
        }


_COLUMNS = (
    Snapshot.id,
    Snapshot.article_id,
    Snapshot.url,
    Snapshot.status,
    Snapshot.fetched_at,
    Snapshot.file,
    Snapshot.offset,
    Snapshot.length,
    Snapshot.pruned_at,
)


def add_snapshots(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of ``snapshots`` (article_id, url, status, fetched_at, file, offset, length)."""
    if rows:
        session.execute(_SNAPSHOTS.insert(), list(rows))


def snapshots_of(session: Session, article_ids: Sequence[int]) -> dict[int, list[SnapshotRow]]:
    """Each article's snapshots, first fetched first."""
    out: dict[int, list[SnapshotRow]] = {}
    if not article_ids:
        return out
    stmt = (
        select(*_COLUMNS)
        .where(any_of(session, _SNAPSHOTS.c.article_id, list(set(article_ids))))
        .order_by(Snapshot.fetched_at, Snapshot.id)
    )
    for row in session.execute(stmt):
        snap = SnapshotRow(*row)
        out.setdefault(snap.article_id, []).append(snap)
    return out


def mark_pruned(session: Session, files: Sequence[str], now: datetime) -> int:
    """The snapshots in these deleted files: kept as rows, marked gone. How many."""
    if not files:
        return 0
    result = session.execute(
        update(_SNAPSHOTS)
        .where(_SNAPSHOTS.c.file.in_(list(files)), _SNAPSHOTS.c.pruned_at.is_(None))
        .values(pruned_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
