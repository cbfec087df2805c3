"""robots.txt kept between crawls: ``robots_txt`` (host, status, body, fetched_at), read by
every crawl for up to 24 hours after the fetch (RFC 9309), instead of one request per host
per crawl (``monitor.crawl.robots``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "robots_txt",
        sa.Column("host", sa.String(length=255), primary_key=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", monitor.store.models.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("robots_txt")
