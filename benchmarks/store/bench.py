"""Store at scale: load a big archive into a fresh database, then time the queries users and
the digest run, and the crawl's ingest path, with the monitor's own code.

    python benchmarks/store/bench.py --backend sqlite|postgresql|both [--articles 1000000]

1. A fresh database (a SQLite file under /tmp, or the PostgreSQL database ``monitor_bench``,
   dropped and recreated), migrated by ``monitor.store.migrate.upgrade``.
2. A seeded, generated archive loaded in bulk (SQLAlchemy Core executemany on SQLite, COPY on
   PostgreSQL, into the tables of ``monitor.store.models``): N articles over 3 years from 500
   sources, about 2 hits per article over 10 watchlists, one article URL per article, daily
   digests that sent 99% of the hits, MinHash signatures for the last 14 days (what story
   clustering reads, monitor.store.story_index). Secondary indexes, and on SQLite the
   full-text triggers, are dropped during the load and recreated exactly as the migrations
   made them (checked), then ANALYZE (SQLite) / VACUUM ANALYZE (PostgreSQL).
3. ``find_hits`` by watchlist over 7 days, ``find_hits`` full-text search, ``unsent_hits``:
   median and p95 of 30 runs with different parameters each, each run in its own
   ``transaction`` as the CLI and the digest do; then the ingest path as the crawl pipeline
   runs it (sanitize, matching and the MinHash signature per article, ``store_articles`` per
   batch of 100 in a transaction each) with and without story clustering, and one article
   per transaction (the pipeline before it buffered) for comparison; wall and CPU time per
   phase, the crawl process's part (sanitize, store, commit) and all of it reported apart.
4. The database size on disk.

The database is dropped (or the SQLite file deleted) at the end unless ``--keep``;
``--no-load`` reuses a database kept by an earlier run.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
from sqlalchemy import (
    JSON,
    Engine,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.sql.elements import BindParameter

from monitor import stories
from monitor.config import DigestConfig, default
from monitor.crawl.items import ArticleData
from monitor.dedup import content_hash, url_key
from monitor.matching import Match, Matcher, make_snippet
from monitor.store import story_index
from monitor.store.deliveries import recipient_state
from monitor.store.engine import make_engine, transaction
from monitor.store.ingest import Incoming, store_articles
from monitor.store.migrate import upgrade
from monitor.store.models import (
    Article,
    ArticleUrl,
    Digest,
    Hit,
    Source,
    UTCDateTime,
    utcnow,
)
from monitor.store.queries import due_for_digest, find_hits

#: What a digest shows of each watchlist by default ([digest] max_per_watchlist).
MAX_PER_WATCHLIST: int = default(DigestConfig, "max_per_watchlist")
SEED = 20261128
SQLITE_PATH = Path("/tmp/monitor_bench.db")
POSTGRES_ADMIN = "postgresql+psycopg://monitor:monitor@127.0.0.1:5432/postgres"
PG_DATABASE = "monitor_bench"
YEARS = 3
STORY_WINDOW = story_index.WINDOW  # signatures older than that are not read
DIGEST_HOUR = 7  # daily digest slots at 07:00 UTC
BATCH = 10_000  # articles per load transaction
VOCABULARY = 5_000
RUNS = 30
WARMUP = 3

# name -> (query, the words articles that hit it mention)
WATCHLISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "iran": ("Iran OR Tehran", ("Iran", "Tehran")),
    "russia": ("Russia OR Kremlin", ("Russia", "Kremlin")),
    "ukraine": ("Ukraine OR Kyiv", ("Ukraine", "Kyiv")),
    "china": ("China OR Beijing", ("China", "Beijing")),
    "israel": ("Israel", ("Israel",)),
    "turkey": ("Turkey OR Ankara", ("Turkey", "Ankara")),
    "energy": ('OPEC OR "oil prices"', ("OPEC", "oil prices")),
    "nato": ("NATO", ("NATO",)),
    "sanctions": ("sanctions", ("sanctions",)),
    "drones": ("drone*", ("drone", "drones")),
}
WATCHLIST_WEIGHTS = (28, 20, 15, 10, 8, 6, 5, 4, 2, 2)  # some watchlists are much busier
HITS_PER_ARTICLE = (0.15, 0.2, 0.3, 0.2, 0.15)  # P(k watchlists hit), k = 0..4: mean 2.0
COPY_SHARE = 0.08  # articles that are syndicated copies of a recent one (same story)
# Full-text queries: topic words (frequent), vocabulary words by frequency rank, and pairs.
SEARCH_TOPICS = (
    "Iran",
    "Russia",
    "Kyiv",
    "China",
    "Israel",
    "NATO",
    "sanctions",
    "OPEC",
    "Ankara",
    "drones",
)
SEARCH_RANKS = (60, 150, 300, 600, 1000, 1500, 2200, 3000, 4000, 4900)
SEARCH_NOTHING = ("Tehrann", "sanctons")  # misspelled: no article has them

T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:8.1f}s] {msg}", file=sys.stderr, flush=True)


# -- the generated archive -------------------------------------------------------------------


def make_vocabulary(rng: random.Random, n: int) -> list[str]:
    """Pronounceable lower-case pseudo-words, none of them a watchlist word."""
    onsets = "b c d f g h k l m n p r s t v z br dr gr kr pl st tr sh ch".split()
    vowels = "a e i o u ai ei ou".split()
    codas = ["", "", "", "n", "r", "s", "l", "k", "m", "t"]
    banned = {w.lower() for _, words in WATCHLISTS.values() for t in words for w in t.split()}
    out: set[str] = set()
    while len(out) < n:
        w = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
            for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4)))
        )
        if len(w) >= 3 and w not in banned and not w.startswith("drone"):
            out.add(w)
    words = sorted(out)
    rng.shuffle(words)  # rank (frequency) independent of spelling
    return words


@dataclass
class Recent:
    """A recently generated article that later ones may copy (syndication)."""

    id: int
    story_id: int
    title: list[str]
    text: list[str]
    watchlists: list[str]


@dataclass
class Batch:
    articles: list[dict[str, Any]] = field(default_factory=list)
    urls: list[dict[str, Any]] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    signatures: int = 0


class Corpus:
    """Seeded generator: the same archive every run for the same N and seed. The vocabulary
    is always the same; ``seed`` picks the stream (the ingest uses other seeds)."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.vocab = make_vocabulary(random.Random(SEED), VOCABULARY)
        self.caps = [w.capitalize() for w in self.vocab]
        weights = 1.0 / (np.arange(1, len(self.vocab) + 1) + 2.7)  # Zipf-Mandelbrot
        self.cum = np.cumsum(weights) / weights.sum()
        self.watchlists = list(WATCHLISTS)
        self.recent: list[Recent] = []

    def _indices(self, n: int) -> list[int]:
        return np.searchsorted(self.cum, self.np.random(n)).tolist()

    def _sentences(self, idx: list[int]) -> list[str]:
        words = [self.vocab[i] for i in idx]
        pos, n = 0, len(words)
        while pos < n:
            words[pos] = self.caps[idx[pos]]
            end = min(n, pos + self.rng.randint(8, 20))
            words[end - 1] += "."
            pos = end
        return words

    def _insert(self, words: list[str], term: str, start: int = 0) -> None:
        p = self.rng.randrange(start, len(words))
        words[p] = term + ("." if words[p].endswith(".") else "")

    def pick_watchlists(self) -> list[str]:
        k = self.rng.choices(range(len(HITS_PER_ARTICLE)), HITS_PER_ARTICLE)[0]
        chosen: list[str] = []
        while len(chosen) < k:
            w = self.rng.choices(self.watchlists, WATCHLIST_WEIGHTS)[0]
            if w not in chosen:
                chosen.append(w)
        return chosen

    def article(self, aid: int) -> tuple[str, str, str, list[str], int]:
        """(title, summary, text, watchlists it mentions, story id)."""
        rng = self.rng
        tn, sn, xn = rng.randint(6, 10), rng.randint(25, 35), rng.randint(120, 180)
        idx = self._indices(tn + sn + xn)
        summary = " ".join(self._sentences(idx[tn : tn + sn]))
        if self.recent and rng.random() < COPY_SHARE:
            # A syndicated copy of a recent article: a few words changed, maybe cut short.
            orig = rng.choice(self.recent)
            title = list(orig.title)
            title[rng.randrange(len(title))] = self.vocab[idx[0]]
            words = orig.text[: max(40, int(len(orig.text) * rng.uniform(0.85, 1.0)))]
            for i in range(3):
                words[rng.randrange(len(words))] = self.vocab[idx[tn + sn + i]]
            watchlists, story = orig.watchlists, orig.story_id
        else:
            title = [self.vocab[i] for i in idx[:tn]]
            title[0] = self.caps[idx[0]]
            words = self._sentences(idx[tn + sn :])
            watchlists, story = self.pick_watchlists(), aid
            for w in watchlists:
                terms = WATCHLISTS[w][1]
                for _ in range(rng.randint(1, 3)):
                    self._insert(words, rng.choice(terms), 1)
                if rng.random() < 0.4:
                    self._insert(title, rng.choice(terms))
        self.recent.append(Recent(aid, story, title, words, watchlists))
        if len(self.recent) > 200:
            self.recent.pop(0)
        return " ".join(title), summary, " ".join(words), watchlists, story


def hit_fields(watchlist: str, fields: dict[str, str]) -> dict[str, Any] | None:
    """What the matcher would record for an article that mentions the watchlist's words."""
    matches = []
    for f in ("title", "text"):
        value = fields[f]
        for term in WATCHLISTS[watchlist][1]:
            start = value.find(term)
            while start != -1:
                end = start + len(term)
                if end == len(value) or not value[end].isalnum():
                    matches.append(Match(term, f, start, end))
                start = value.find(term, end)
    if not matches:
        return None
    snippet = make_snippet(matches, fields)
    return {
        "watchlist": watchlist,
        "matched": sorted({m.term for m in matches}),
        "matches": [
            {"term": m.term, "field": m.field, "start": m.start, "end": m.end} for m in matches
        ],
        "snippet": snippet.text,
        "highlights": [list(r) for r in snippet.highlights],
    }


def fast_url_key(host: str, path: str) -> str:
    """monitor.dedup.url_key for an already canonical https URL on a www. host (checked)."""
    return hashlib.sha256((host.removeprefix("www.") + path).encode()).hexdigest()[:32]


@dataclass
class Plan:
    """The shape of the archive: time range, digest slots."""

    n: int
    now: datetime
    start: datetime
    first_slot: datetime
    last_slot: datetime  # hits created after it are unsent (about 1%)
    window_start: datetime  # articles seen after it have signatures

    @classmethod
    def make(cls, n: int, now: datetime) -> Plan:
        span = timedelta(days=365 * YEARS)
        start = now - span
        first_slot = start.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if first_slot < start:
            first_slot += timedelta(days=1)
        last = now - span / 100
        last_slot = last.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if last_slot > last:
            last_slot -= timedelta(days=1)
        return cls(n, now, start, first_slot, last_slot, now - STORY_WINDOW)

    def seen_at(self, i: int, jitter: float) -> datetime:
        return self.start + (self.now - self.start) * ((i + jitter) / self.n)

    def digests(self) -> int:
        return (self.last_slot - self.first_slot).days + 1

    def digest_of(self, t: datetime) -> int | None:
        """The id (1-based) of the digest that sent a hit created at t."""
        if t > self.last_slot:
            return None
        return max(0, math.ceil((t - self.first_slot) / timedelta(days=1))) + 1

    def slot(self, digest_id: int) -> datetime:
        return self.first_slot + timedelta(days=digest_id - 1)


def generate(
    corpus: Corpus, plan: Plan, stats: dict[str, float], digest_hits: dict[int, int]
) -> Iterator[Batch]:
    """The archive in batches of BATCH articles, ids ascending with first_seen_at; counts
    the hits each digest sent into ``digest_hits``."""
    rng = corpus.rng
    hit_id = 0
    for first in range(1, plan.n + 1, BATCH):
        t = time.perf_counter()
        batch = Batch()
        for aid in range(first, min(plan.n, first + BATCH - 1) + 1):
            seen = plan.seen_at(aid - 1, rng.random())
            title, summary, body, watchlists, story = corpus.article(aid)
            sid = rng.randint(1, 500)
            host = f"www.source{sid:03d}.example"
            slug = "-".join(title.lower().split()[:5])
            path = f"/news/{seen:%Y/%m/%d}/{slug}-a{aid}"
            url, key = f"https://{host}{path}", fast_url_key(host, path)
            if aid <= 200:
                assert key == url_key(url), url
            signature = stories.signature(body) if seen >= plan.window_start else None
            batch.articles.append(
                {
                    "id": aid,
                    "url_key": key,
                    "url": url,
                    "source_id": sid,
                    "title": title,
                    "summary": summary,
                    "text": body,
                    "published_at": seen - timedelta(minutes=rng.randint(0, 180)),
                    "first_seen_at": seen,
                    "content_hash": content_hash(title, body),
                    "fetch_error": None,
                    "fetch_attempts": 1,
                    "story_id": story,
                    "minhash": signature,
                    "updated_at": None,
                    "feed_title": title,
                }
            )
            batch.urls.append({"id": aid, "url_key": key, "url": url, "article_id": aid})
            batch.signatures += signature is not None
            digest_id = plan.digest_of(seen)
            fields = {"title": title, "summary": summary, "text": body}
            for w in watchlists:
                hit = hit_fields(w, fields)
                if hit is None:
                    continue
                hit_id += 1
                if digest_id is not None:
                    digest_hits[digest_id] = digest_hits.get(digest_id, 0) + 1
                hit.update(
                    id=hit_id,
                    article_id=aid,
                    source_id=sid,
                    created_at=seen,
                    changed_at=seen,
                    digest_id=digest_id,
                    sent_at=None if digest_id is None else plan.slot(digest_id),
                    updated=False,
                )
                batch.hits.append(hit)
        stats["generate"] = stats.get("generate", 0.0) + time.perf_counter() - t
        yield batch


def source_rows(plan: Plan) -> list[dict[str, Any]]:
    """500 healthy sources checked every 15 minutes for 3 years (only the columns the
    migrated schema has, so a newer schema with more columns still loads)."""
    checks = int((plan.now - plan.start) / timedelta(minutes=15))
    rows = [
        {
            "id": i,
            "name": f"source-{i:03d}",
            "kind": "feed" if i % 4 else "section",
            "url": f"https://www.source{i:03d}.example/rss",
            "interval_seconds": 900,
            "next_check_at": plan.now + timedelta(minutes=15),
            "last_checked_at": plan.now,
            "last_success_at": plan.now,
            "last_error": None,
            "last_error_at": None,
            "consecutive_failures": 0,
            "last_entries": 30,
            "checks": checks,
            "not_modified": checks // 3,
            "etag": f'"bench-{i}"',
        }
        for i in range(1, 501)
    ]
    columns = set(table(Source).c.keys())
    return [{k: v for k, v in r.items() if k in columns} for r in rows]


def digest_rows(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "id": d,
            "slot_at": plan.slot(d),
            "created_at": plan.slot(d),
            "status": "sent",
            "hit_count": 0,  # set after the load
            "recipients": ["analyst@example.org"],
            "destination": "smtp.example.org",
            "message_id": f"<digest-{d}@bench.example>",
            "error": None,
        }
        for d in range(1, plan.digests() + 1)
    ]


# -- loading ----------------------------------------------------------------------------------


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


def table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


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


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Captured:
    """The last SELECT the monitor sent to the driver, to explain and re-run it raw."""

    statement: str = ""
    parameters: Any = None


def capture(engine: Engine) -> Captured:
    got = Captured()

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            got.statement, got.parameters = statement, parameters

    return got


def raw_seconds(engine: Engine, c: Captured) -> float:
    """The same SQL with the same parameters through the bare driver: database time plus
    fetching, without SQLAlchemy's result processing and HitRow building."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t = time.perf_counter()
        cur.execute(c.statement, c.parameters)
        cur.fetchall()
        took = time.perf_counter() - t
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return took


def explain(engine: Engine, c: Captured) -> str:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + c.statement, c.parameters)
            lines = [f"{r[0]}|{r[1]}|{r[3]}" for r in cur.fetchall()]
        else:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + c.statement, c.parameters)
            lines = [r[0] for r in cur.fetchall()]
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return "\n".join(lines)


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(
    engine: Engine,
    captured: Captured,
    label: str,
    params: Sequence[Any],
    run: Callable[[Any], int],
    warmup: Sequence[Any],
) -> dict[str, Any]:
    """Median and p95 of ``run`` over ``params`` (after the warm-up runs); each run's SQL is
    then re-run through the bare driver, and the slowest run's plan is kept."""
    for p in warmup:
        run(p)
    runs = []
    for p in params:
        t = time.perf_counter()
        rows = run(p)
        took = time.perf_counter() - t
        sql = Captured(captured.statement, captured.parameters)
        runs.append({"param": p, "ms": took * 1000, "rows": rows, "sql": sql})
    for r in runs:
        r["raw_ms"] = raw_seconds(engine, r.pop("sql")) * 1000
    ms = [r["ms"] for r in runs]
    slowest = max(runs, key=lambda r: r["ms"])
    run(slowest["param"])  # capture its SQL again for the plan
    result = {
        "label": label,
        "median_ms": statistics.median(ms),
        "p95_ms": pct(ms, 95),
        "max_ms": max(ms),
        "raw_median_ms": statistics.median(r["raw_ms"] for r in runs),
        "rows_median": statistics.median(r["rows"] for r in runs),
        "runs": runs,
        "slowest_param": slowest["param"],
        "plan_slowest": explain(engine, captured),
        "sql": captured.statement,
    }
    log(
        f"{label}: median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms "
        f"(driver only: median {result['raw_median_ms']:.1f} ms), "
        f"rows median {result['rows_median']}"
    )
    return result


def search_params(corpus: Corpus) -> tuple[list[str], list[str]]:
    """30 searches: 10 watchlist words (in 1-36% of the articles), 10 vocabulary words
    across the frequency range (0.4-25%), 6 pairs, 2 pairs of rare words (a few dozen
    articles) and 2 misspellings that match nothing, in a shuffled order."""
    rng = random.Random(SEED + 1)
    v = corpus.vocab
    singles = [v[r - 1] for r in SEARCH_RANKS]
    pairs = []
    for i in range(6):
        a = SEARCH_TOPICS[i] if i % 2 == 0 else v[rng.randrange(50, 1000)]
        pairs.append(f"{a} {v[rng.randrange(100, 3000)]}")
    rare = [f"{v[rng.randrange(3000, 5000)]} {v[rng.randrange(3000, 5000)]}" for _ in range(2)]
    params = [*SEARCH_TOPICS, *singles, *pairs, *rare, *SEARCH_NOTHING]
    rng.shuffle(params)
    warm = [v[rng.randrange(100, 4000)] for _ in range(WARMUP)]
    return params, warm


def measure_queries(engine: Engine) -> list[dict[str, Any]]:
    captured = capture(engine)
    names = list(WATCHLISTS)
    corpus = Corpus()
    out = []

    def by_watchlist(w: str) -> int:
        with transaction(engine) as s:
            since = utcnow() - timedelta(days=7)
            return len(find_hits(s, watchlists=[w], since=since, limit=50))

    out.append(
        measure(
            engine,
            captured,
            "find_hits(watchlists=[W], since=7d, limit=50)",
            [names[i % len(names)] for i in range(RUNS)],
            by_watchlist,
            names[:WARMUP],
        )
    )

    def search(q: str) -> int:
        with transaction(engine) as s:
            return len(find_hits(s, search=q, limit=50))

    params, warm = search_params(corpus)
    out.append(measure(engine, captured, "find_hits(search=..., limit=50)", params, search, warm))

    def question(name: str, cap: int | None = MAX_PER_WATCHLIST) -> Callable[[list[str]], int]:
        """The digest's question for a recipient: what its message shows (the newest
        ``cap`` of each watchlist), the rest counted."""

        def ask(ws: list[str]) -> int:
            with transaction(engine) as s:
                return len(due_for_digest(s, recipient_state(s, name), ws, cap).hits)

        return ask

    make_one_day_due(engine)

    rng = random.Random(SEED + 2)
    subsets = [sorted(rng.sample(names, rng.randint(5, 10)), key=names.index) for _ in range(RUNS)]
    cap = f"{MAX_PER_WATCHLIST} a watchlist"
    runs: list[tuple[str, list[list[str]], Callable[[list[str]], int], list[list[str]]]] = [
        (f"due_for_digest(backlog, 5-10 watchlists, {cap})", subsets, question("backlog"),
         [names] * WARMUP),
        (f"due_for_digest(backlog, all 10 watchlists, {cap})", [names] * RUNS,
         question("backlog"), []),
        ("due_hits(backlog, all 10 watchlists): every due row, no cap", [names] * RUNS,
         question("backlog", None), []),
        (f"due_for_digest(daily, all 10 watchlists, {cap})", [names] * RUNS, question("daily"),
         [names] * WARMUP),
        (f"due_for_digest(one day due, all 10 watchlists, {cap})", [names] * RUNS,
         question("oneday"), [names] * WARMUP),
        ("due_hits(one day due, all 10 watchlists): no cap", [names] * RUNS,
         question("oneday", None), [names] * WARMUP),
    ]  # fmt: skip
    for label, values, fn, warmup in runs:
        out.append(measure(engine, captured, label, values, fn, warmup))
    return out


def ingest_articles(engine: Engine, count: int, tag: str, seed: int) -> list[ArticleData]:
    """New articles as the crawl yields them; some are copies of recently stored ones."""
    corpus = Corpus(seed)
    rng = corpus.rng
    with engine.connect() as c:
        recent = c.execute(
            text("SELECT id, title, text FROM articles ORDER BY id DESC LIMIT 300")
        ).all()
    for aid, title, body in recent:
        corpus.recent.append(Recent(aid, aid, title.split(), body.split(), []))
    out = []
    now = utcnow()
    for i in range(count):
        title, summary, body, _, _ = corpus.article(10**9 + i)
        sid = rng.randint(1, 500)
        slug = "-".join(title.lower().split()[:5])
        out.append(
            ArticleData(
                source=f"source-{sid:03d}",
                url=f"https://www.source{sid:03d}.example/news/{now:%Y/%m/%d}/{slug}-{tag}{i}",
                title=title,
                summary=summary,
                text=body,
                published_at=now - timedelta(minutes=rng.randint(0, 180)),
                feed_title=title,
            )
        )
    return out


class DriverClock:
    """Time spent inside the driver's execute (the database's work plus the round trip)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seconds = 0.0
        self.statements = 0
        self._start = 0.0

    def __enter__(self) -> DriverClock:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *args: Any) -> None:
        self._start = time.perf_counter()

    def _after(self, *args: Any) -> None:
        self.seconds += time.perf_counter() - self._start
        self.statements += 1


class Phases:
    """Wall and CPU seconds per phase of the ingest (CPU: this process's, all threads; on a
    shared machine the wall time waits for the cores, the CPU time much less)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._at = (0.0, 0.0)

    def start(self) -> None:
        self._at = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[name] = self.wall.get(name, 0.0) + wall - self._at[0]
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu - self._at[1]
        self._at = (wall, cpu)

    def rate(self, count: int, names: Sequence[str], cpu: bool = False) -> float:
        spent = self.cpu if cpu else self.wall
        return count / sum(spent.get(n, 0.0) for n in names)


def server_cpu_seconds(engine: Engine) -> float | None:
    """CPU seconds used so far by the PostgreSQL server's processes on this machine (its
    backends, WAL writer, checkpointer, autovacuum: all the work an ingest causes there),
    from /proc; None for SQLite, or when the server's processes cannot be read. A backend
    that exits is no longer counted: measure around work on a connection that stays open."""
    if engine.dialect.name != "postgresql" or not Path("/proc/self/stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:  # gone meanwhile
            continue
        if head.split("(", 1)[1].startswith("postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks if total else None


#: What the crawl process runs per article once the extraction workers match and sign
#: (StorePipeline: sanitize, then store_articles, which computes the URL keys, and commit).
CRAWL_PART = ("sanitize", "store", "commit")
#: All of the per-article work, wherever it runs.
ALL_PARTS = ("sanitize", "match", "signature", "store", "commit")


def measure_ingest(engine: Engine, count: int, clustering: bool, batch: int) -> dict[str, Any]:
    """The crawl pipeline's work (StorePipeline): per article, sanitize, match and the
    MinHash signature; then ``store_articles`` for every ``batch`` articles, in a transaction
    each, with the source ids cached across batches. ``batch`` 1 is the pipeline before it
    buffered (``store_article``, a transaction per article). Reported apart: (a) the crawl
    process's part, ``CRAWL_PART`` (matching and the signature come from the extraction
    workers), and (b) all of it, ``ALL_PARTS``."""
    tag = f"{'c' if clustering else 'n'}{batch}x{int(time.time())}-"
    seed = SEED + (3 if clustering else 4) + batch
    articles = ingest_articles(engine, count, tag, seed)
    matcher = Matcher({n: q for n, (q, _) in WATCHLISTS.items()})
    phases = Phases()
    source_ids: dict[str, int] = {}
    hits = clustered = 0
    build = indexed = 0.0
    if clustering:  # what a crawl process does once, before its first batch
        stories.signature(articles[0].text)  # imports numpy (on first use), outside the timing
        story_index.forget(engine)
        t0 = time.perf_counter()
        with transaction(engine) as s:
            indexed = len(story_index.current(s)) / stories.BANDS
        build = time.perf_counter() - t0
        log(f"story index built in {build * 1000:.0f} ms: {indexed:,.0f} articles")
    t_all = time.perf_counter()
    server_before = server_cpu_seconds(engine)
    with DriverClock(engine) as driver:
        for first in range(0, count, batch):
            buffered = []
            for item in articles[first : first + batch]:
                phases.start()
                item.sanitize()
                phases.lap("sanitize")
                found = matcher.match(item.fields(), source=item.source)
                phases.lap("match")
                signature = stories.signature(item.text) if clustering else None
                phases.lap("signature")
                buffered.append(Incoming(item, found, signature))
            phases.start()
            with transaction(engine) as s:
                stored = store_articles(s, buffered, source_ids)
                phases.lap("store")
            phases.lap("commit")
            hits += sum(len(st.new_hits) for st in stored)
            clustered += sum(st.story_id not in (None, st.article_id) for st in stored)
    total = time.perf_counter() - t_all
    server_after = server_cpu_seconds(engine)
    server_ms = (
        (server_after - server_before) * 1000 / count
        if server_before is not None and server_after is not None
        else None
    )
    per = {k: v * 1000 / count for k, v in phases.wall.items()}
    per["of which driver execute"] = driver.seconds * 1000 / count
    result: dict[str, Any] = {
        "clustering": clustering,
        "batch": batch,
        "articles": count,
        "hits": hits,
        "clustered": clustered,
        "statements_per_article": driver.statements / count,
        "seconds": total,
        "rate": count / total,
        "index_build_seconds": build,
        "index_articles": indexed,
        "rate_with_build": count / (total + build),
        "store_rate": phases.rate(count, ("store", "commit")),
        "crawl_rate": phases.rate(count, CRAWL_PART),
        "crawl_cpu_rate": phases.rate(count, CRAWL_PART, cpu=True),
        "all_cpu_rate": phases.rate(count, ALL_PARTS, cpu=True),
        "ms_per_article": per,
        "cpu_ms_per_article": {k: v * 1000 / count for k, v in phases.cpu.items()},
        "server_cpu_ms_per_article": server_ms,
    }
    log(
        f"ingest {'with' if clustering else 'without'} clustering, batches of {batch}: "
        f"{result['rate']:.0f}/s, crawl part {result['crawl_rate']:.0f}/s "
        f"(CPU {result['crawl_cpu_rate']:.0f}/s, all CPU {result['all_cpu_rate']:.0f}/s, "
        f"store alone {result['store_rate']:.0f}/s), "
        f"{hits} hits, {clustered} joined a story, "
        f"{result['statements_per_article']:.2f} statements per article; "
        + (f"server CPU {server_ms:.3f} ms an article; " if server_ms is not None else "")
        + "ms per article: "
        + ", ".join(f"{k} {v:.2f}" for k, v in per.items())
        + "; CPU: "
        + ", ".join(f"{k} {v:.2f}" for k, v in result["cpu_ms_per_article"].items())
    )
    return result


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


def make_one_day_due(engine: Engine) -> None:
    """The recipient "oneday", made afresh: what a daily digest finds the day after the
    previous one. The archive's last day (up to its newest loaded article) is due; its floor
    is a day further back, and the hits changed in that older day were delivered."""
    last = loaded_articles(engine)
    with transaction(engine) as s:
        end = s.scalar(select(Article.first_seen_at).where(Article.id == last))
        assert end is not None
        state = recipient_state(s, "oneday", end)
        state.floor_at = end - timedelta(days=2)
        s.flush()
        s.execute(text("DELETE FROM deliveries WHERE recipient_id = :rid"), {"rid": state.id})
        s.execute(
            text(
                "INSERT INTO deliveries (recipient_id, hit_id, hit_changed_at, sent_at) "
                "SELECT :rid, id, changed_at, :sent FROM hits "
                "WHERE watchlist IN :ws AND changed_at >= :floor AND changed_at < :sent"
            ).bindparams(bindparam("ws", expanding=True), *_times("sent", "floor")),
            {
                "rid": state.id,
                "ws": list(WATCHLISTS),
                "floor": state.floor_at,
                "sent": end - timedelta(days=1),
            },
        )
    log(f"recipient oneday: archive of {last:,} articles up to {end:%Y-%m-%d %H:%M}")


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


# -- report -----------------------------------------------------------------------------------


def fmt_ms(v: float) -> str:
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def report(r: dict[str, Any]) -> str:
    ld, q = r.get("load"), r["queries"]
    lines = [f"### {r['backend']}", ""]
    if ld:
        s = ld["seconds"]
        parts = ", ".join(f"{k} {v:.0f} s" for k, v in s.items() if k != "total")
        lines += [
            f"{ld['articles']:,} articles, {ld['hits']:,} hits ({ld['unsent']:,} unsent), "
            f"{ld['signatures']:,} signatures, {ld['digests']:,} digests",
            "",
            f"load: {s['total']:.0f} s ({parts})",
            "",
        ]
    lines += [
        "| measure | median | p95 | driver only (median) | rows (median) |",
        "|---|---|---|---|---|",
    ]
    for m in q:
        lines.append(
            f"| `{m['label']}` | {fmt_ms(m['median_ms'])} | {fmt_ms(m['p95_ms'])} | "
            f"{fmt_ms(m['raw_median_ms'])} | {m['rows_median']:g} |"
        )
    lines += [
        "",
        "| ingest (2 cores shared) | articles/s | (a) crawl part: wall, CPU | (b) all: CPU | "
        "store only | index build | statements per article | ms per article | CPU ms | "
        "server CPU ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i in r["ingest"]:
        per = ", ".join(f"{k} {v:.2f}" for k, v in i["ms_per_article"].items())
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in i["cpu_ms_per_article"].items())
        what = "with" if i["clustering"] else "without"
        build = (
            f"{i['index_build_seconds'] * 1000:,.0f} ms, {i['index_articles']:,.0f} articles "
            f"({i['rate_with_build']:,.0f}/s with it)"
            if i.get("index_build_seconds")
            else ""
        )
        lines.append(
            f"| {what} clustering, batches of {i['batch']} | "
            f"{i['rate']:,.0f} | {i['crawl_rate']:,.0f}/s, {i['crawl_cpu_rate']:,.0f}/s | "
            f"{i['all_cpu_rate']:,.0f}/s | {i['store_rate']:,.0f}/s | {build} | "
            f"{i['statements_per_article']:.2f} | {per} | {cpu} | "
            + (f"{server:.3f} |" if (server := i.get("server_cpu_ms_per_article")) else " |")
        )
    total, parts = r["size"]
    per_m = total / (r["articles"] / 1e6)
    lines += [
        "",
        f"size on disk: {total / 2**30:.2f} GiB for {r['articles']:,} articles, "
        f"{per_m / 2**30:.2f} GiB per million articles",
        "",
        "largest objects: "
        + ", ".join(f"{n} {s / 2**20:,.0f} MiB" for n, s in list(parts.items())[:12]),
    ]
    return "\n".join(lines)


def run_backend(backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    now = utcnow().replace(microsecond=0)
    result: dict[str, Any] = {"backend": backend.name}
    if not args.no_load:
        log(f"{backend.name}: loading {args.articles:,} articles")
        result["load"] = load(backend, args.articles, now)
        log(f"{backend.name}: load {result['load']['seconds']}")
    engine = make_engine(backend.url)
    try:
        remove_ingested(engine)  # left by an earlier run (of the code before this one)
        with engine.connect() as c:
            result["articles"] = c.execute(text("SELECT count(*) FROM articles")).scalar_one()
        result["size"] = backend.size(engine)
        result["queries"] = [] if args.ingest_only else measure_queries(engine)
        result["ingest"] = (
            []
            if args.ingest == 0
            else [
                measure_ingest(engine, args.ingest, clustering=True, batch=args.batch),
                measure_ingest(engine, args.ingest, clustering=False, batch=args.batch),
                measure_ingest(engine, min(args.ingest, 500), clustering=True, batch=1),
            ]
        )
        remove_ingested(engine)
    finally:
        engine.dispose()
        if not args.keep:
            backend.drop()
    return result


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument(
        "--ingest", type=int, default=2_000, help="articles per ingest run (0: no ingest)"
    )
    ap.add_argument(
        "--batch", type=int, default=100, help="articles per ingest transaction (the pipeline's)"
    )
    ap.add_argument("--sqlite-path", type=Path, default=SQLITE_PATH)
    ap.add_argument(
        "--postgres",
        default=os.environ.get("MONITOR_BENCH_POSTGRES", POSTGRES_ADMIN),
        help="a server URL; the benchmark creates and drops the database monitor_bench on it",
    )
    ap.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help="the database the benchmark creates and drops on that server",
    )
    ap.add_argument(
        "--ingest-only", action="store_true", help="measure the ingest, not the queries"
    )
    ap.add_argument("--keep", action="store_true", help="keep the database after the run")
    ap.add_argument("--no-load", action="store_true", help="reuse a database kept by --keep")
    ap.add_argument("--json", type=Path, help="write all figures, runs and plans here")
    ap.add_argument("--plans", action="store_true", help="print the plan of each slowest run")
    args = ap.parse_args(argv)
    backends: list[Backend] = []
    if args.backend in ("sqlite", "both"):
        backends.append(SQLiteBackend(args.sqlite_path))
    if args.backend in ("postgresql", "both"):
        backends.append(PostgresBackend(args.postgres, args.pg_database))
    results = [run_backend(b, args) for b in backends]
    for r in results:
        print(report(r))
        if args.plans:
            for m in r["queries"]:
                print(f"\n{m['label']}, slowest run ({m['slowest_param']}):\n{m['plan_slowest']}")
        print()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
