"""Sources beyond feeds (issue #16): a site source's discovery, blocked and thin pages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discovered", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "discovered_at", monitor.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("blocked_pages", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("thin_pages", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "page_trouble_at", monitor.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("page_trouble_at")
        batch_op.drop_column("thin_pages")
        batch_op.drop_column("blocked_pages")
        batch_op.drop_column("discovered_at")
        batch_op.drop_column("discovered")
