"""Evidence and languages: snapshots of served pages, re-checks, an article's language.

- ``snapshots``: where an article's page is kept in the WARC archive (monitor.archive).
- ``articles``: ``lang`` (ISO 639-1), the re-check schedule and validators, ``removed_at``.
- PostgreSQL: the ``search`` tsvector is built with the text search configuration of the
  article's language (``monitor_regconfig(lang)``, 'simple' where PostgreSQL has none), so a
  German search finds German inflections. SQLite's FTS5 already folds diacritics
  (``unicode61 remove_diacritics 2``, migration 0002) and has no stemmers.

The languages of stored articles are backfilled here, in batches of ``_BATCH``, with the
detector the crawl uses (``monitor.domain.language.choose`` on the text, no declaration: the
pages are not kept). Before the search column is rebuilt, so PostgreSQL computes it once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 00:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.store.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000

# Frozen here (monitor.domain.language.PG_CONFIGS may grow): the configurations PostgreSQL
# 12+ ships, by ISO 639-1 code.
_CONFIGS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def _regconfig_function() -> str:
    known = {r[0] for r in op.get_bind().execute(sa.text("SELECT cfgname FROM pg_ts_config"))}
    cases = " ".join(
        f"WHEN '{code}' THEN '{cfg}'::regconfig"
        for code, cfg in sorted(_CONFIGS.items())
        if cfg in known
    )
    return (
        "CREATE OR REPLACE FUNCTION monitor_regconfig(lang text) RETURNS regconfig "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        f"$$ SELECT CASE lang {cases} ELSE 'simple'::regconfig END $$"
    )


_PG_SEARCH = [
    "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector(monitor_regconfig(lang), coalesce(title, '')), 'A') || "
    "setweight(to_tsvector(monitor_regconfig(lang), coalesce(text, '')), 'B')) STORED",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
]
_PG_SIMPLE_SEARCH = [
    "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(text, '')), 'B')) STORED",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
]


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("fetched_at", monitor.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("pruned_at", monitor.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_snapshots_article_id", "snapshots", ["article_id"], unique=False)
    op.create_index("ix_snapshots_file", "snapshots", ["file"], unique=False)
    # Plain ADD COLUMNs, no batch: SQLite keeps the table and its FTS triggers.
    when = monitor.store.models.UTCDateTime(timezone=True)
    op.add_column("articles", sa.Column("lang", sa.String(length=8), nullable=True))
    op.add_column("articles", sa.Column("recheck_at", when, nullable=True))
    op.add_column(
        "articles", sa.Column("rechecks", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("articles", sa.Column("etag", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("last_modified", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("removed_at", when, nullable=True))
    op.create_index("ix_articles_recheck_at", "articles", ["recheck_at"], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # rebuilt once, after the backfill
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search")
    _backfill_languages()
    if postgres:
        op.execute(_regconfig_function())
        for statement in _PG_SEARCH:
            op.execute(statement)


def _backfill_languages() -> None:
    from monitor.domain.language import choose

    bind = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("summary", sa.Text),
        sa.column("text", sa.Text),
        sa.column("lang", sa.String),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(articles.c.id, articles.c.title, articles.c.summary, articles.c.text)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        found = [
            {"b_id": id_, "b_lang": choose(text or " ".join(filter(None, (title, summary))), None)}
            for id_, title, summary, text in rows
        ]
        found = [f for f in found if f["b_lang"]]
        if found:
            bind.execute(
                articles.update()
                .where(articles.c.id == sa.bindparam("b_id"))
                .values(lang=sa.bindparam("b_lang")),
                found,
            )
        last = rows[-1][0]


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search")
        op.execute("DROP FUNCTION IF EXISTS monitor_regconfig(text)")
    op.drop_index("ix_articles_recheck_at", table_name="articles")
    if op.get_bind().dialect.name == "sqlite":
        # DROP COLUMN needs SQLite 3.35; none of these is indexed but recheck_at (dropped).
        for name in ("removed_at", "last_modified", "etag", "rechecks", "recheck_at", "lang"):
            op.execute(f"ALTER TABLE articles DROP COLUMN {name}")
    else:
        for name in ("removed_at", "last_modified", "etag", "rechecks", "recheck_at", "lang"):
            op.drop_column("articles", name)
    if postgres:
        for statement in _PG_SIMPLE_SEARCH:
            op.execute(statement)
    op.drop_index("ix_snapshots_file", table_name="snapshots")
    op.drop_index("ix_snapshots_article_id", table_name="snapshots")
    op.drop_table("snapshots")
