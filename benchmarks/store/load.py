"""Loading the generated archive into a fresh database in bulk (SQLAlchemy Core executemany
on SQLite, COPY on PostgreSQL), secondary indexes and full-text triggers dropped during the
load and recreated exactly as the migrations made them (checked); the recipients the digest
measurements ask for; and removing what the ingest runs added."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Engine,
    bindparam,
    create_engine,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.sql.elements import BindParameter

from benchmarks.store.generate import (
    BATCH,
    Batch,
    Corpus,
    Plan,
    digest_rows,
    generate,
    source_rows,
    table,
)
from benchmarks.store.report import log
from monitor.store.digests import recipient_state
from monitor.store.engine import make_engine, transaction
from monitor.store.migrate import upgrade
from monitor.store.models import Article, ArticleUrl, Digest, Hit, Source, UTCDateTime

SQLITE_PATH = Path("/tmp/monitor_bench.db")


POSTGRES_ADMIN = "postgresql+psycopg://monitor:monitor@127.0.0.1:5432/postgres"


PG_DATABASE = "monitor_bench"


class Backend:
    name = ""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    @property
    def url(self) -> str:
        raise NotImplementedError

    def create(self) -> None:
        raise NotImplementedError

    def drop(self) -> None:
        raise NotImplementedError

    def schema(self, conn: Connection) -> list[tuple[str, ...]]:
        """Indexes and triggers of the schema, to check the load restored them exactly."""
        raise NotImplementedError

    def before_load(self, conn: Connection) -> None:
        raise NotImplementedError

    def write(self, conn: Connection, batch: Batch) -> None:
        raise NotImplementedError

    def after_load(self, conn: Connection) -> dict[str, float]:
        raise NotImplementedError

    def size(self, engine: Engine) -> tuple[int, dict[str, int]]:
        raise NotImplementedError


def _timed(stats: dict[str, float], key: str, fn: Callable[[], None]) -> None:
    t = time.perf_counter()
    fn()
    stats[key] = stats.get(key, 0.0) + time.perf_counter() - t


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__("")
        self.path = path
        self.dropped: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def files(self) -> list[Path]:
        return [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]

    def create(self) -> None:
        self.drop()

    def drop(self) -> None:
        for p in self.files():
            p.unlink(missing_ok=True)

    def schema(self, conn: Connection) -> list[tuple[str, ...]]:
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') ORDER BY name"
        )
        return [tuple(r) for r in rows]

    def before_load(self, conn: Connection) -> None:
        conn.exec_driver_sql("PRAGMA cache_size=-1000000")  # this connection only
        # The exact triggers of migration 0002, which the load recreates.
        triggers = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type='trigger' ORDER BY name"
        ).all()
        assert sorted(s for _, s in triggers) == sorted(sqlite_fts_triggers()), triggers
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            "AND tbl_name IN ('articles', 'article_urls', 'hits') ORDER BY name"
        ).all()
        self.dropped = [(n, s) for n, s in indexes]
        conn.commit()
        with conn.begin():
            for name, _ in triggers:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            for name, _ in self.dropped:
                conn.exec_driver_sql(f"DROP INDEX {name}")

    def write(self, conn: Connection, batch: Batch) -> None:
        with conn.begin():
            conn.execute(insert(table(Article)), batch.articles)
            conn.execute(insert(table(ArticleUrl)), batch.urls)
            if batch.hits:
                conn.execute(insert(table(Hit)), batch.hits)

    def after_load(self, conn: Connection) -> dict[str, float]:
        stats: dict[str, float] = {}

        def indexes() -> None:
            with conn.begin():
                for _, sql in self.dropped:
                    conn.exec_driver_sql(sql)

        def fts() -> None:
            with conn.begin():
                for sql in sqlite_fts_triggers():
                    conn.exec_driver_sql(sql)
                conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts) VALUES('rebuild')")

        def analyze() -> None:
            with conn.begin():
                conn.exec_driver_sql("ANALYZE")
            # Outside any transaction: the bare driver (autocommit, see make_engine).
            raw: Any = conn.connection.driver_connection
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

        _timed(stats, "indexes", indexes)
        _timed(stats, "fts", fts)
        _timed(stats, "analyze", analyze)
        return stats

    def size(self, engine: Engine) -> tuple[int, dict[str, int]]:
        total = sum(p.stat().st_size for p in self.files()[:2] if p.exists())
        with engine.connect() as c:
            rows = c.exec_driver_sql(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).all()
        return total, {n: int(s) for n, s in rows}


def sqlite_fts_triggers() -> list[str]:
    m = importlib.import_module("migrations.versions.0002_stories_revisions_search")
    return [s for s in m.SQLITE_FTS if s.startswith("CREATE TRIGGER")]


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, admin_url: str, database: str = PG_DATABASE) -> None:
        super().__init__(admin_url)
        self.database = database
        self.dropped: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return make_url(self.admin_url).set(database=self.database).render_as_string(False)

    def _admin(self, sql: str) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as c:
                c.exec_driver_sql(sql)
        finally:
            admin.dispose()

    def create(self) -> None:
        self.drop()
        self._admin(f'CREATE DATABASE "{self.database}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def schema(self, conn: Connection) -> list[tuple[str, ...]]:
        rows = conn.exec_driver_sql(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' ORDER BY indexname"
        )
        return [tuple(r) for r in rows]

    def before_load(self, conn: Connection) -> None:
        # Indexes that back no constraint: built after the load, from their own definition.
        rows = conn.exec_driver_sql(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname IN ('articles', 'article_urls', 'hits') "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) "
            "ORDER BY c.relname"
        ).all()
        self.dropped = [(n, d) for n, d in rows]
        conn.commit()
        with conn.begin():
            for name, _ in self.dropped:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')

    def write(self, conn: Connection, batch: Batch) -> None:
        raw: Any = conn.connection.driver_connection  # psycopg: COPY
        with conn.begin():
            for tbl, rows in (
                (table(Article), batch.articles),
                (table(ArticleUrl), batch.urls),
                (table(Hit), batch.hits),
            ):
                if not rows:
                    continue
                cols = list(rows[0])
                json_cols = {c.name for c in tbl.columns if isinstance(c.type, JSON)}
                sql = f"COPY {tbl.name} ({', '.join(cols)}) FROM STDIN"
                with raw.cursor() as cur, cur.copy(sql) as copy:
                    for r in rows:
                        copy.write_row([json.dumps(r[c]) if c in json_cols else r[c] for c in cols])

    def after_load(self, conn: Connection) -> dict[str, float]:
        stats: dict[str, float] = {}

        def indexes() -> None:
            with conn.begin():
                conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")  # this session only
                for model in (Source, Article, ArticleUrl, Hit, Digest):
                    name = table(model).name
                    conn.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                        {"t": name, "n": conn.scalar(select(func.max(table(model).c.id)))},
                    )
                for _, sql in self.dropped:
                    conn.exec_driver_sql(sql)

        def analyze() -> None:
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.exec_driver_sql("VACUUM ANALYZE")

        _timed(stats, "indexes", indexes)
        _timed(stats, "analyze", analyze)
        return stats

    def size(self, engine: Engine) -> tuple[int, dict[str, int]]:
        with engine.connect() as c:
            total = c.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
            rows = c.exec_driver_sql(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't') "
                "UNION ALL SELECT t.relname || ' (toast)', pg_total_relation_size(t.reltoastrelid) "
                "FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE n.nspname = 'public' AND t.relkind = 'r' AND t.reltoastrelid <> 0 "
                "ORDER BY 2 DESC"
            ).all()
        return int(total or 0), {n: int(s) for n, s in rows if s}


def load(backend: Backend, n: int, now: datetime) -> dict[str, Any]:
    stats: dict[str, float] = {}
    t_all = time.perf_counter()
    backend.create()
    engine = make_engine(backend.url)
    _timed(stats, "migrate", lambda: upgrade(engine))
    plan = Plan.make(n, now)
    corpus = Corpus()
    with engine.connect() as conn:
        schema_before = backend.schema(conn)
        conn.commit()  # end the transaction the read began
        with conn.begin():
            conn.execute(insert(table(Source)), source_rows(plan))
            conn.execute(insert(table(Digest)), digest_rows(plan))
        backend.before_load(conn)
        articles = hits = signatures = 0
        digest_hits: dict[int, int] = {}
        for batch in generate(corpus, plan, stats, digest_hits):
            _timed(stats, "write", lambda b=batch: backend.write(conn, b))  # type: ignore[misc]
            articles += len(batch.articles)
            hits += len(batch.hits)
            signatures += batch.signatures
            if articles % (BATCH * 10) == 0:
                log(f"{backend.name}: {articles:,} articles, {hits:,} hits")
        with conn.begin():
            conn.execute(
                update(table(Digest))
                .where(table(Digest).c.id == bindparam("did"))
                .values(hit_count=bindparam("n")),
                [{"did": d, "n": c} for d, c in digest_hits.items()],
            )
        log(f"{backend.name}: loaded {articles:,} articles, {hits:,} hits; indexing")
        stats.update(backend.after_load(conn))
        schema_after = backend.schema(conn)
    assert schema_after == schema_before, "the load did not restore the migrated schema"
    stats["total"] = time.perf_counter() - t_all
    with engine.connect() as conn:
        unsent = conn.execute(
            text("SELECT count(*) FROM hits WHERE digest_id IS NULL")
        ).scalar_one()
    make_recipients(engine, now, plan.last_slot)
    engine.dispose()
    return {
        "articles": articles,
        "hits": hits,
        "unsent": unsent,
        "signatures": signatures,
        "digests": plan.digests(),
        "seconds": stats,
    }


def count_articles_max(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.scalar(select(func.max(table(Article).c.id))) or 0)


def make_recipients(engine: Engine, now: datetime, last_slot: datetime) -> None:
    """Two recipients of every watchlist, as the digest sees them: "daily" got its digest a
    day ago (its floor trails that by a day, so the last two days are looked at and the
    older of them was delivered); "backlog" has had nothing since the last digest of the
    archive (about 1% of the hits, 11 days). Deliveries are made only inside the daily
    floor's window: older ones are never looked at."""
    with transaction(engine) as s:
        daily = recipient_state(s, "daily", now)
        daily.floor_at = now - timedelta(days=2)
        backlog = recipient_state(s, "backlog", now)
        backlog.floor_at = last_slot
        s.flush()
        s.execute(
            text(
                "INSERT INTO deliveries (recipient_id, hit_id, hit_changed_at, sent_at) "
                "SELECT :rid, id, changed_at, :sent FROM hits "
                "WHERE changed_at >= :floor AND changed_at < :sent"
            ).bindparams(*_times("sent", "floor")),
            {"rid": daily.id, "floor": daily.floor_at, "sent": now - timedelta(days=1)},
        )


def loaded_articles(engine: Engine) -> int:
    """How many articles the load wrote (ids 1..N, each URL ending in ``-a{id}``; the
    ingest runs' come after): a binary search over the ids."""
    with engine.connect() as c:

        def loaded(aid: int) -> bool:
            url = c.execute(text("SELECT url FROM articles WHERE id = :id"), {"id": aid})
            found = url.scalar()
            return found is not None and str(found).endswith(f"-a{aid}")

        low, high = 0, count_articles_max(engine)  # loaded(low) holds, or low is 0
        while low < high:
            mid = (low + high + 1) // 2
            if loaded(mid):
                low = mid
            else:
                high = mid - 1
        return low


def _times(*names: str) -> list[BindParameter[Any]]:
    """Typed parameters for raw SQL: stored as the models store datetimes (UTC, naive text
    on SQLite), so comparisons with the columns hold."""
    return [bindparam(n, type_=UTCDateTime(timezone=True)) for n in names]


def remove_ingested(engine: Engine) -> int:
    """Delete the articles the ingest runs added (those of earlier runs too), with their
    URLs, hits and deliveries (ON DELETE CASCADE): a ``--no-load`` run then measures the
    archive as loaded, with one day due to "oneday", not the hits of every earlier run.
    (Before migration 0007 each delete scanned story_bands, which nothing indexed by
    article: minutes; the hits were marked sent instead.)"""
    last = loaded_articles(engine)
    t = time.perf_counter()
    with transaction(engine) as s:
        done = s.execute(delete(table(Article)).where(table(Article).c.id > last))
        removed = cast(CursorResult[Any], done).rowcount
    log(f"removed the {removed:,} ingested articles in {time.perf_counter() - t:.1f} s")
    return int(removed or 0)
