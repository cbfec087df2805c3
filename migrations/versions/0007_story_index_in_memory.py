"""Story clustering without story_bands: the writer keeps the LSH index in memory.

32 band rows per article (random B-tree inserts with a foreign-key check, and a lookup of
3,200 bands per batch of 100) were most of the cost of ingest (benchmarks/README.md, "Store at
scale"). The articles keep their MinHash signature (articles.minhash, unchanged); a writer
builds its index from those of the last 14 days (monitor.store.story_index).

Downgrade recreates the table and the bands of the articles first seen in the last 14 days,
as the code of 0002-0005 computed them (blake2b of each band's 16 bytes, copied here: the
migration must not change when monitor.stories does).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 03:40:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WINDOW = timedelta(days=14)
_BANDS = 32


def upgrade() -> None:
    op.drop_table("story_bands")


def downgrade() -> None:
    op.create_table(
        "story_bands",
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "article_id"),
    )
    bind = op.get_bind()
    since = datetime.now(UTC) - _WINDOW
    if bind.dialect.name == "sqlite":  # naive UTC, as monitor.store.models.UTCDateTime writes
        since = since.replace(tzinfo=None)
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer()),
        sa.column("minhash", sa.LargeBinary()),
        sa.column("first_seen_at", sa.DateTime(timezone=True)),
    )
    bands = sa.table("story_bands", sa.column("band", sa.BigInteger()), sa.column("article_id"))
    rows = bind.execute(
        sa.select(articles.c.id, articles.c.minhash).where(
            articles.c.first_seen_at >= since, articles.c.minhash.is_not(None)
        )
    ).all()
    for start in range(0, len(rows), 1000):
        values = [
            {"band": b, "article_id": id_}
            for id_, sig in rows[start : start + 1000]
            for b in dict.fromkeys(_old_bands(bytes(sig)))
        ]
        if values:
            bind.execute(sa.insert(bands), values)


def _old_bands(sig: bytes) -> list[int]:
    """monitor.stories.bands of 0002-0005: one signed 64-bit key per LSH band."""
    size = len(sig) // _BANDS
    return [
        int.from_bytes(
            hashlib.blake2b(bytes([i]) + sig[i * size : (i + 1) * size], digest_size=8).digest(),
            "big",
            signed=True,
        )
        for i in range(_BANDS)
    ]
