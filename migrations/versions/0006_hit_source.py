"""A hit keeps its article's source: a source's hits, newest first, from one index.

`monitor hits --source S` had to read every article of the source and their hits, then
sort them (314 ms median on PostgreSQL at a million articles); the source's hit counts of
`monitor sources` and the web view joined all hits to their articles (seconds).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE hits SET source_id = "
        "(SELECT articles.source_id FROM articles WHERE articles.id = hits.article_id)"
    )
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.alter_column("source_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_hits_source_id_sources", "sources", ["source_id"], ["id"])
        batch_op.create_index("ix_hits_source_created", ["source_id", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.drop_index("ix_hits_source_created")
        batch_op.drop_constraint("fk_hits_source_id_sources", type_="foreignkey")
        batch_op.drop_column("source_id")
