"""Per-recipient delivery: recipients, deliveries, hits.changed_at; an index of revised hits.

Until now a hit was sent once, to everyone (hits.digest_id). Each recipient now has its own
watchlists and schedule, so what was delivered is recorded per recipient. The digests sent
so far went to the one recipient the old configuration had, which the new one calls
"default": its deliveries are made from the sent hits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 00:18:58.034096
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DT = monitor.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("floor_at", UTC_DT, nullable=False),
        sa.Column("last_slot_at", UTC_DT, nullable=True),
        sa.Column("last_sent_at", UTC_DT, nullable=True),
        sa.Column("last_attempt_at", UTC_DT, nullable=True),
        sa.Column("next_attempt_at", UTC_DT, nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", UTC_DT, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("hit_changed_at", UTC_DT, nullable=False),
        sa.Column("sent_at", UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(["digest_id"], ["digests.id"]),
        sa.ForeignKeyConstraint(["hit_id"], ["hits.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recipient_id"], ["recipients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient_id", "hit_id", name="uq_deliveries_recipient_hit"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_hit_id"), ["hit_id"], unique=False)
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient", sa.String(length=64), nullable=True))
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_at", UTC_DT, nullable=True))
    # A hit revised after it was sent (updated, no digest) changed when its article did.
    op.execute(
        "UPDATE hits SET changed_at = CASE WHEN updated AND digest_id IS NULL THEN "
        "(SELECT COALESCE(a.updated_at, hits.created_at) FROM articles a "
        "WHERE a.id = hits.article_id) ELSE created_at END"
    )
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.alter_column("changed_at", existing_type=UTC_DT, nullable=False)
        batch_op.drop_index(
            "ix_hits_unsent",
            sqlite_where=sa.text("digest_id IS NULL"),
            postgresql_where=sa.text("digest_id IS NULL"),
        )
        batch_op.create_index("ix_hits_watchlist_changed", ["watchlist", "changed_at"])
        batch_op.create_index(
            "ix_hits_updated",
            ["created_at"],
            sqlite_where=sa.text("updated = 1"),
            postgresql_where=sa.text("updated = true"),
        )
        batch_op.create_index(
            "ix_hits_updated_watchlist",
            ["watchlist", "created_at"],
            sqlite_where=sa.text("updated = 1"),
            postgresql_where=sa.text("updated = true"),
        )
    _deliveries_of_the_old_digest()


def _deliveries_of_the_old_digest() -> None:
    """The old single digest becomes recipient "default": what it sent stays sent (in the
    version it had), what it had not sent is still due."""
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT 1 FROM digests LIMIT 1")).first():
        return  # never sent a digest: recipients are made when first configured
    hits = sa.table(
        "hits",
        sa.column("changed_at", UTC_DT),
        sa.column("digest_id", sa.Integer),
        sa.column("updated", sa.Boolean),
    )
    floor = bind.execute(
        sa.select(sa.func.min(hits.c.changed_at)).where(hits.c.digest_id.is_(None) | hits.c.updated)
    ).scalar()
    recipients = sa.table(
        "recipients",
        sa.column("name", sa.String),
        sa.column("created_at", UTC_DT),
        sa.column("floor_at", UTC_DT),
    )
    now = monitor.store.models.utcnow()
    op.bulk_insert(recipients, [{"name": "default", "created_at": now, "floor_at": floor or now}])
    op.execute(
        "INSERT INTO deliveries (recipient_id, hit_id, digest_id, hit_changed_at, sent_at) "
        "SELECT r.id, h.id, h.digest_id, h.created_at, COALESCE(h.sent_at, h.created_at) "
        "FROM hits h, recipients r WHERE r.name = 'default' "
        "AND (h.digest_id IS NOT NULL OR h.updated)"
    )


def downgrade() -> None:
    # Back to one digest for everyone: a hit counts as sent if anyone got its latest version.
    op.execute(
        "UPDATE hits SET digest_id = NULL, sent_at = NULL WHERE NOT EXISTS (SELECT 1 FROM "
        "deliveries d WHERE d.hit_id = hits.id AND d.hit_changed_at >= hits.changed_at)"
    )
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.drop_index("ix_hits_watchlist_changed")
        batch_op.drop_index(
            "ix_hits_updated",
            sqlite_where=sa.text("updated = 1"),
            postgresql_where=sa.text("updated = true"),
        )
        batch_op.drop_index(
            "ix_hits_updated_watchlist",
            sqlite_where=sa.text("updated = 1"),
            postgresql_where=sa.text("updated = true"),
        )
        batch_op.create_index(
            "ix_hits_unsent",
            ["watchlist"],
            unique=False,
            sqlite_where=sa.text("digest_id IS NULL"),
            postgresql_where=sa.text("digest_id IS NULL"),
        )
        batch_op.drop_column("changed_at")
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_column("recipient")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_hit_id"))
    op.drop_table("deliveries")
    op.drop_table("recipients")
