from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Engine,
    Integer,
    Text,
    column,
    event,
    func,
    insert,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session

from monitor.config import DaemonConfig, default
from monitor.domain.articles import ArticleData
from monitor.domain.filters import HitFilter
from monitor.domain.sources import SourceSpec
from monitor.domain.urls import url_key
from monitor.errors import SchemaOutOfDate, StorageError
from monitor.matching import Matcher
from monitor.store.articles import MAX_FETCH_ATTEMPTS, known_url_keys, store_article
from monitor.store.digests import due_hits, recipient_state, record_failed, record_sent
from monitor.store.engine import is_operational, make_engine, transaction
from monitor.store.hits import ListedHit, iter_hits
from monitor.store.migrate import current_revision, downgrade, ensure_schema, head_revision, upgrade
from monitor.store.models import (
    Article,
    ArticleRevision,
    ArticleUrl,
    Delivery,
    Hit,
    Source,
    UTCDateTime,
)
from monitor.store.sources import (
    count_recent_articles,
    due_sources,
    never_checked,
    record_source_result,
    source_rows,
    sources_named,
    sync_sources,
)
from monitor.store.upsert import any_of, insert_rows

MATCHER = Matcher({"iran": "Iran", "russia": "Russia"})
SRC = SourceSpec("wire", "feed", "http://news.test/rss", timedelta(seconds=900))
BROKEN = default(DaemonConfig, "broken_after")


@pytest.fixture
def store(engine: Engine) -> Engine:
    with transaction(engine) as s:
        other = SourceSpec("other", "section", "http://x.test/", timedelta(seconds=60))
        sync_sources(s, [SRC, other])
    return engine


def put(engine: Engine, data: ArticleData):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return store_article(s, data, MATCHER.match(data.fields()))


def hit_list(session: Session, *, limit: int | None = None, **filters: Any) -> list[ListedHit]:
    """The hit list as `monitor hits` and the web view give it (``monitor.store.hits``)."""
    return list(iter_hits(session, HitFilter(**filters), limit=limit))


def count(engine: Engine, model: type) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_migrations_create_upgrade_downgrade(db_url: str) -> None:
    e = make_engine(db_url)
    assert ensure_schema(e) is True  # a new database is migrated by itself
    assert current_revision(e) == head_revision(e)
    tables = set(inspect(e).get_table_names())
    assert {"sources", "articles", "article_urls", "hits", "crawl_runs", "digests"} <= tables
    assert ensure_schema(e) is False  # nothing to do the second time
    downgrade(e, "base")
    assert set(inspect(e).get_table_names()) == {"alembic_version"}
    assert ensure_schema(e) is True


def test_sqlite_is_tuned_for_a_daemon(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert c.exec_driver_sql("PRAGMA cache_size").scalar() == -32 * 1024
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000


def test_out_of_date_database_is_refused_with_what_to_run(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0000old'"))
    with pytest.raises(SchemaOutOfDate, match="run: monitor db upgrade"):
        ensure_schema(engine)


def test_a_first_migration_cut_short_is_finished_not_refused(store: Engine) -> None:
    engine = store
    # Each migration commits on its own: kill -9 at first start-up can leave an empty store
    # between two revisions. Nothing to back up, so the next start finishes it...
    downgrade(engine, "0001")
    assert ensure_schema(engine) is True
    assert current_revision(engine) == head_revision(engine)
    # ...while a store that holds articles is still refused until the user upgrades it.
    put(engine, ArticleData(source="wire", url="https://news.test/a", title="Iran"))
    downgrade(engine, "0005")
    with pytest.raises(SchemaOutOfDate, match="run: monitor db upgrade"):
        ensure_schema(engine)


def test_foreign_database_is_refused(db_url: str) -> None:
    e = make_engine(db_url)
    with e.begin() as c:
        c.execute(text("CREATE TABLE stuff (id INTEGER)"))
    with pytest.raises(StorageError, match="not made by this monitor"):
        ensure_schema(e)


def test_unwritable_location_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot create the folder"):
        make_engine(f"sqlite:///{blocker / 'sub' / 'x.db'}")


def test_article_and_hits_stored_once_across_urls(store: Engine) -> None:
    first = put(
        store,
        ArticleData(
            source="wire",
            url="http://news.test/2026/11/20/story.html?utm_source=rss",
            title="Iran and Russia",
            text="Iran said...",
            other_urls=["http://news.test/2026/11/20/story"],
        ),
    )
    assert first.new_article and sorted(first.new_hits) == ["iran", "russia"]
    for url in [
        "https://www.news.test/2026/11/20/story.html#x",  # feed, other form
        "http://news.test/2026/11/20/story?fbclid=1",  # the canonical, tracked
        "http://news.test/2026/11/20/story.html",
    ]:
        again = put(
            store,
            ArticleData(source="other", url=url, title="Iran and Russia", text="Iran said..."),
        )
        assert again.article_id == first.article_id
        assert not again.new_article and again.new_hits == ()
    assert count(store, Article) == 1 and count(store, Hit) == 2
    with transaction(store) as s:
        art = s.scalars(select(Article)).one()
        assert art.url == "http://news.test/2026/11/20/story"  # named by its canonical URL
        assert art.source.name == "wire"  # the first source that found it
        assert s.scalar(select(func.count(ArticleUrl.id))) == 2  # each distinct URL once


def test_failed_fetch_keeps_feed_data_and_is_retried_then_completed(store: Engine) -> None:
    url = "http://news.test/2026/11/21/later"
    first = put(
        store,
        ArticleData(
            source="wire",
            url=url,
            title="Budget",
            summary="Russia's budget",
            fetch_error="HTTP 503",
        ),
    )
    assert first.new_hits == ("russia",)  # title + summary still matched
    with transaction(store) as s:
        assert known_url_keys(s, [url_key(url)]) == set()  # so the page is fetched again
    second = put(
        store,
        ArticleData(
            source="wire",
            url=url,
            title="Budget",
            summary="Russia's budget",
            text="Iran is mentioned.",
        ),
    )
    assert second.article_id == first.article_id and second.new_hits == ("iran",)
    with transaction(store) as s:
        art = s.get(Article, first.article_id)
        assert art is not None and art.text == "Iran is mentioned." and art.fetch_error is None
        assert known_url_keys(s, [url_key(url)]) == {url_key(url)}


def test_a_page_that_keeps_failing_is_given_up(store: Engine) -> None:
    url = "http://news.test/2026/11/21/gone"
    for _ in range(MAX_FETCH_ATTEMPTS):
        put(store, ArticleData(source="wire", url=url, title="t", fetch_error="HTTP 404"))
    with transaction(store) as s:
        assert known_url_keys(s, [url_key(url)]) == {url_key(url)}
        assert s.scalars(select(Article.fetch_attempts)).one() == MAX_FETCH_ATTEMPTS


def test_unique_constraint_holds_without_the_lookup(store: Engine) -> None:
    put(store, ArticleData(source="wire", url="http://news.test/a", title="Iran", text="x"))
    # A write that breaks a constraint is a bug, not the database's state: not a StorageError.
    with pytest.raises(IntegrityError), transaction(store) as s:
        s.add(
            Hit(
                article_id=1,
                source_id=1,
                watchlist="iran",
                matched=[],
                matches=[],
                snippet="",
                highlights=[],
            )
        )


def test_a_wrong_statement_stays_a_traceback(store: Engine) -> None:
    """StorageError is for what the user can act on; our own mistake is not wrapped (on
    SQLite an unknown column is an OperationalError, so there it is: see is_operational)."""
    with pytest.raises(ProgrammingError if store.dialect.name == "postgresql" else StorageError):
        with transaction(store) as s:
            s.execute(text("SELECT no_such_column FROM sources"))
    with pytest.raises(ArgumentError), transaction(store) as s:  # ORM misuse
        s.execute(select(Source).where("not a clause"))  # type: ignore[arg-type]


def test_a_database_that_cannot_be_used_is_a_storage_error(tmp_path: Path) -> None:
    """Operational errors name the database (without its password) and chain the driver's."""
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database " * 200)
    engine = make_engine(f"sqlite:///{garbage}")
    with pytest.raises(StorageError, match="not a database") as raised:
        with transaction(engine) as s:
            s.execute(text("SELECT 1"))
    assert isinstance(raised.value.__cause__, DatabaseError)
    unreachable = make_engine("postgresql+psycopg://monitor:secret@127.0.0.1:1/nowhere")
    with pytest.raises(StorageError, match=r"monitor:\*\*\*@127\.0\.0\.1:1/nowhere") as raised:
        with transaction(unreachable) as s:
            s.execute(text("SELECT 1"))
    assert "secret" not in str(raised.value)
    assert isinstance(raised.value.__cause__, OperationalError)


@pytest.mark.parametrize(
    ("error", "operational"),
    [
        (OperationalError("SELECT", {}, Exception("database is locked")), True),
        (InterfaceError("SELECT", {}, Exception("connection already closed")), True),
        (InternalError("DELETE", {}, Exception("read-only transaction")), True),
        (DatabaseError("SELECT", {}, Exception("file is not a database")), True),
        (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), False),
        (DataError("INSERT", {}, Exception("value too long")), False),
        (ProgrammingError("SELECT", {}, Exception("syntax error")), False),
    ],
)
def test_which_errors_are_operational(error: Exception, operational: bool) -> None:
    assert is_operational(error) is operational


def test_permission_denied_is_operational() -> None:
    """PostgreSQL says "insufficient privilege" with a ProgrammingError (SQLSTATE 42501): the
    database's grants, for the user to fix, not our SQL."""

    class Denied(Exception):
        sqlstate = "42501"

    assert is_operational(ProgrammingError("SELECT", {}, Denied("permission denied")))


def test_batch_rows_keep_every_value_as_given(store: Engine) -> None:
    """insert_rows and any_of send each column as one array (binary on PostgreSQL): quotes,
    backslashes, braces, commas, the word NULL, non-ASCII text, None, bytes and datetimes
    come back as they went in."""
    articles = Article.__table__
    awkward = ['a "quoted" {braced}, text', "back\\slash \\N", "NULL", "Ирак é 中", "", None]
    now = datetime(2026, 11, 28, 6, 30, 1, 123456, tzinfo=UTC)
    rows = [
        {
            "id": 100 + i,
            "url_key": f"key-{i}",
            "url": f"http://news.test/{i}",
            "source_id": 1,
            "title": value,
            "summary": value,
            "text": value,
            "published_at": None if i % 2 else now - timedelta(days=i),
            "first_seen_at": now,
            "content_hash": "h",
            "fetch_attempts": i,
            "minhash": None if i % 2 else bytes([0, 255, i]) * 3,
        }
        for i, value in enumerate(awkward)
    ]
    with transaction(store) as s:
        inserted = insert_rows(
            s, articles, rows, ignore=["url_key"], returning=[articles.c.url_key]
        )
        assert sorted(k for (k,) in inserted) == sorted(r["url_key"] for r in rows)
        keys = [r["url_key"] for r in rows] + ['no "such" key']
        found = s.execute(
            select(*(articles.c[c] for c in rows[0])).where(any_of(s, articles.c.url_key, keys))
        ).mappings()
        assert sorted((dict(r) for r in found), key=lambda r: r["id"]) == rows


def test_source_results_and_due(store: Engine) -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    with transaction(store) as s:
        assert due_sources(s, ["wire", "other"], now) == ["other", "wire"]  # never checked
        assert never_checked(s, ["wire"]) and never_checked(s, ["wire", "other"])
        record_source_result(s, "wire", error=None, entries=10, now=now)
        assert not never_checked(s, ["wire"]) and never_checked(s, ["wire", "other"])
        record_source_result(s, "other", error="HttpError: HTTP 500", entries=None, now=now)
        record_source_result(s, "other", error="HttpError: HTTP 502", entries=None, now=now)
    with transaction(store) as s:
        assert due_sources(s, ["wire", "other"], now + timedelta(minutes=5)) == ["other"]
        assert due_sources(s, ["wire", "other"], now + timedelta(minutes=15)) == ["other", "wire"]
        # The state at a given time, not today's: "failing" turns "broken" two days on.
        rows = {
            r.name: r for r in source_rows(s, now=now + timedelta(minutes=15), broken_after=BROKEN)
        }
    assert rows["wire"].state == "ok" and rows["wire"].last_success_at == now
    assert rows["other"].state == "failing" and rows["other"].consecutive_failures == 2
    assert rows["other"].last_error == "HttpError: HTTP 502"


def test_source_counts_only_when_asked(store: Engine) -> None:
    now = datetime.now(UTC)
    put(store, ArticleData(source="wire", url="https://news.test/a", title="Iran and Russia"))
    with transaction(store) as s:
        record_source_result(s, "other", error="HttpError: HTTP 500", entries=None, now=now)
        counted = {
            r.name: r for r in source_rows(s, ["wire", "other"], now=now, broken_after=BROKEN)
        }
        states = {
            r.name: r
            for r in source_rows(s, ["wire", "other"], now=now, broken_after=BROKEN, counts=False)
        }
    assert (counted["wire"].articles, counted["wire"].hits, counted["wire"].articles_week) == (
        1,
        2,
        1,
    )
    assert (states["wire"].articles, states["wire"].hits, states["wire"].articles_week) == (0, 0, 0)
    assert {n: r.state for n, r in states.items()} == {n: r.state for n, r in counted.items()}
    assert states["other"].state == "failing"


def synced(store: Engine, spec: SourceSpec) -> Source:
    """The source's row after ``sync_sources`` with ``spec``."""
    with transaction(store) as s:
        sync_sources(s, [spec])
    with transaction(store) as s:
        return s.scalars(select(Source).where(Source.name == spec.name)).one()


def test_sync_keeps_state_and_resets_on_new_url(store: Engine) -> None:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    with transaction(store) as s:
        record_source_result(s, "wire", error=None, entries=1, now=now)
    src = synced(store, SourceSpec("wire", "feed", "http://news.test/rss2", timedelta(seconds=60)))
    assert src.url.endswith("rss2") and src.interval_seconds == 60
    assert src.next_check_at is None and src.last_success_at == now
    with transaction(store) as s:
        record_source_result(s, "wire", error=None, entries=1, now=now)
    # A new interval alone: the source keeps its next check; the same again writes nothing.
    slower = SourceSpec("wire", "feed", "http://news.test/rss2", timedelta(seconds=600))
    src = synced(store, slower)
    assert src.interval_seconds == 600 and src.next_check_at == now + timedelta(seconds=60)
    statements: list[str] = []
    event.listen(store, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with transaction(store) as s:
        sync_sources(s, [slower])
    assert not [q for q in statements if q.lstrip().upper().startswith(("UPDATE", "INSERT"))]


def due(s: Session, name: str, watchlists: tuple[str, ...] = ("iran", "russia")) -> list[str]:
    return [h.watchlist for h in due_hits(s, recipient_state(s, name), watchlists)]


def sent(s: Session, name: str, watchlists: tuple[str, ...] = ("iran", "russia")) -> None:
    state = recipient_state(s, name)
    hits = due_hits(s, state, watchlists)
    record_sent(
        s,
        state,
        hits,
        asked_at=datetime.now(UTC),
        slot_at=None,
        addresses=["a@b.c"],
        destination="smtp://test",
        message_id=None,
    )


def test_marking_sent_per_recipient_only_with_a_delivered_digest(store: Engine) -> None:
    put(store, ArticleData(source="wire", url="http://news.test/a", title="Iran", text="x"))
    put(store, ArticleData(source="wire", url="http://news.test/b", title="Russia", text="y"))
    with transaction(store) as s:
        record_failed(
            s,
            recipient_state(s, "desk"),
            error="SMTP down",
            slot_at=None,
            retry=timedelta(minutes=15),
            hits=2,
            addresses=["a@b.c"],
        )
    with transaction(store) as s:
        assert due(s, "desk") == ["iran", "russia"]
        sent(s, "desk", ("iran",))
    with transaction(store) as s:
        assert due(s, "desk") == ["russia"]
        assert due(s, "editor") == ["iran", "russia"]  # another recipient's bookkeeping
        assert [h.sent_at is not None for h in hit_list(s, watchlists=("iran",))] == [True]
        state = recipient_state(s, "desk")
        assert state.consecutive_failures == 0 and state.next_attempt_at is None
        sent(s, "desk")
        sent(s, "editor")
    with transaction(store) as s:
        assert due(s, "desk") == [] and due(s, "editor") == []
    assert count(store, Delivery) == 4


def test_failures_back_off_and_a_new_recipient_starts_a_day_back(store: Engine) -> None:
    put(store, ArticleData(source="wire", url="http://news.test/a", title="Iran", text="x"))
    with transaction(store) as s:  # an old hit, from before anyone subscribed
        s.execute(update(Hit).values(created_at=datetime.now(UTC) - timedelta(days=3)))
        s.execute(update(Hit).values(changed_at=datetime.now(UTC) - timedelta(days=3)))
    put(store, ArticleData(source="wire", url="http://news.test/b", title="Iran", text="y"))
    waits = []
    with transaction(store) as s:
        assert due(s, "new") == ["iran"]  # the last day's hit, not the archive
        for _ in range(7):
            when = record_failed(
                s,
                recipient_state(s, "new"),
                error="x",
                slot_at=None,
                retry=timedelta(minutes=15),
                hits=1,
                addresses=[],
            )
            waits.append(round((when - datetime.now(UTC)).total_seconds() / 900))
    assert waits == [1, 2, 4, 8, 16, 24, 24]  # doubling, at most six hours


def test_the_hit_list_filters(store: Engine) -> None:
    put(store, ArticleData(source="wire", url="http://news.test/a", title="Iran", text="x"))
    put(store, ArticleData(source="other", url="http://x.test/b", title="Iran Russia", text="y"))
    with transaction(store) as s:
        assert len(hit_list(s)) == 3
        assert {h.source for h in hit_list(s, sources=("other",))} == {"other"}
        assert {h.watchlist for h in hit_list(s, watchlists=("russia",))} == {"russia"}
        future = datetime.now(UTC) + timedelta(hours=1)
        assert hit_list(s, since=future) == []
        assert len(hit_list(s, limit=2)) == 2


def test_upgrade_keeps_what_the_single_digest_sent(db_url: str) -> None:
    """A store from before per-recipient delivery: its sent hits stay sent to "default"
    (the old [digest] recipients), its unsent and updated ones stay due."""
    e = make_engine(db_url)
    upgrade(e, "0004")
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    dt, n, t = UTCDateTime(timezone=True), Integer, Text

    def row(table_name: str, **values: Any) -> None:
        def kind(v: Any) -> Any:
            for py, sql in ((datetime, dt), (bool, Boolean), (int, n), (list, JSON)):
                if isinstance(v, py):
                    return sql
            return t

        kinds = {k: kind(v) for k, v in values.items()}
        tbl = table(table_name, *(column(k, kind) for k, kind in kinds.items()))
        with e.begin() as c:
            c.execute(insert(tbl).values(**values))

    row(
        "sources",
        id=1,
        name="wire",
        kind="feed",
        url="http://x.test/",
        interval_seconds=900,
        consecutive_failures=0,
        checks=0,
        not_modified=0,
        gone=False,
    )
    row("digests", id=1, created_at=now, status="sent", hit_count=1, recipients=[])
    for i, (digest, updated) in enumerate([(1, False), (None, False), (None, True)], 1):
        row(
            "articles",
            id=i,
            url_key=f"k{i}",
            url=f"http://x.test/{i}",
            source_id=1,
            first_seen_at=now,
            content_hash="h",
            updated_at=now,
            fetch_attempts=1,
        )
        hit = {"digest_id": digest, "sent_at": now} if digest else {}
        row(
            "hits",
            id=i,
            article_id=i,
            watchlist="iran",
            created_at=now - timedelta(hours=i),
            updated=updated,
            matched=[],
            matches=[],
            snippet="s",
            highlights=[],
            **hit,
        )
    upgrade(e)
    with transaction(e) as s:
        state = recipient_state(s, "default")
        assert state.floor_at == now - timedelta(hours=2)  # the oldest change still due
        pending = {h.id: h.updated for h in due_hits(s, state, ["iran"])}
        assert pending == {2: False, 3: True}  # hit 1 was sent; hit 3 was sent, then revised
        fresh = due_hits(s, recipient_state(s, "someone-new", now), ["iran"])
        assert {h.id for h in fresh} == {1, 2, 3}


def test_alembic_check_reports_no_drift_and_round_trips(db_url: str) -> None:
    from alembic import command

    from monitor.store.migrate import alembic_config, upgrade

    e = make_engine(db_url)
    cfg = alembic_config(e)
    upgrade(e)
    command.check(cfg)  # raises if the models and the migrations disagree
    downgrade(e, "base")
    upgrade(e)
    command.check(cfg)
    downgrade(e, "0001")
    assert current_revision(e) == "0001"
    upgrade(e)
    assert current_revision(e) == head_revision(e)


def test_revision_keeps_history_no_new_hit_and_requeues_sent_hits(store: Engine) -> None:
    url = "http://news.test/2026/11/22/budget"
    first = put(
        store,
        ArticleData(
            source="wire",
            url=url,
            title="Russia plans budget",
            text="Russia will spend more.",
            feed_title="Russia plans",
        ),
    )
    with transaction(store) as s:
        sent(s, "desk")
    again = put(
        store,
        ArticleData(
            source="wire", url=url, title="Russia plans budget", text="Russia will spend more."
        ),
    )
    assert not again.revised  # the same content is not a revision
    rewritten = put(
        store,
        ArticleData(
            source="wire",
            url=url,
            title="Russia and Iran plan budgets",
            text="Russia will spend more, and so will Iran.",
        ),
    )
    assert rewritten.revised and rewritten.article_id == first.article_id
    assert rewritten.new_hits == ("iran",)  # a new watchlist matches the new text
    with transaction(store) as s:
        [rev] = s.scalars(select(ArticleRevision)).all()
        assert (rev.old_title, rev.new_title) == (
            "Russia plans budget",
            "Russia and Iran plan budgets",
        )
        assert rev.old_hash != rev.new_hash
        pending = {
            h.watchlist: h for h in due_hits(s, recipient_state(s, "desk"), ["iran", "russia"])
        }
        assert set(pending) == {"russia", "iran"}
        assert pending["russia"].updated is True  # sent before: due again, as "updated"
        assert pending["iran"].updated is False  # new
        # Someone who never had it gets it as new.
        fresh = {
            h.watchlist: h.updated for h in due_hits(s, recipient_state(s, "other"), ["russia"])
        }
        assert fresh == {"russia": False}
        assert "Iran" in pending["iran"].snippet
    assert count(store, Hit) == 2 and count(store, Article) == 1


@pytest.mark.parametrize(
    "hostile",
    [
        '"unbalanced',
        "NEAR(",
        "a AND OR",
        "*",
        "'; DROP TABLE",
        "title:",
        "(((",
        "",
        "   ",
        "-",
        "ñ",
        "\x00x",
    ],
)
def test_search_never_raises_on_user_input(store: Engine, hostile: str) -> None:
    put(
        store,
        ArticleData(source="wire", url="http://news.test/a", title="Iran", text="Tehrān talks"),
    )
    with transaction(store) as s:
        assert isinstance(hit_list(s, search=hostile), list)


def test_search_finds_words_in_title_and_text(store: Engine) -> None:
    put(
        store,
        ArticleData(
            source="wire",
            url="http://news.test/a",
            title="Iran talks",
            text="Negotiators met in Vienna about enrichment.",
        ),
    )
    put(
        store,
        ArticleData(
            source="wire",
            url="http://news.test/b",
            title="Russia budget",
            text="The ministry published the draft in Moscow.",
        ),
    )
    with transaction(store) as s:
        assert {h.title for h in hit_list(s, search="vienna")} == {"Iran talks"}
        assert {h.title for h in hit_list(s, search="Moscow draft")} == {"Russia budget"}
        assert hit_list(s, search="Vienna Moscow") == []  # all words must appear
        assert {h.title for h in hit_list(s, search="iran")} == {"Iran talks"}
        # The index follows updates made by the store itself.
        s.execute(
            update(Article)
            .where(Article.url == "http://news.test/b")
            .values(text="Now it mentions Vienna too.")
        )
    with transaction(store) as s:
        assert {h.title for h in hit_list(s, search="vienna")} == {"Iran talks", "Russia budget"}


def test_control_characters_are_dropped_before_storing(store: Engine) -> None:
    data = ArticleData(
        source="wire",
        url="http://news.test/nul",
        title="Iran\x00 talks",
        text="Body\x00 with a NUL\x07 and\ttabs\nand lines",
    )
    data.sanitize()
    stored = put(store, data)
    with transaction(store) as s:
        art = s.get(Article, stored.article_id)
        assert art is not None and art.title == "Iran talks"
        assert art.text == "Body with a NUL and\ttabs\nand lines"


def test_upgrade_and_downgrade_keep_the_data(db_url: str) -> None:
    """Batch migrations on SQLite rebuild tables; nothing may cascade away on the way."""
    from monitor.store.migrate import upgrade

    e = make_engine(db_url)
    upgrade(e, "0001")
    with e.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO sources (id, name, kind, url, interval_seconds, "
            "consecutive_failures) VALUES (1, 'wire', 'feed', 'http://w/', 60, 0)"
        )
        c.exec_driver_sql(
            "INSERT INTO articles (id, url_key, url, source_id, title, text, "
            "first_seen_at, content_hash, fetch_attempts) VALUES (1, 'k', "
            "'http://w/a', 1, 'Iran talks', 'In Vienna.', "
            "'2026-11-20 10:00:00', 'h', 1)"
        )
        c.exec_driver_sql(
            "INSERT INTO article_urls (url_key, url, article_id) VALUES ('k', 'http://w/a', 1)"
        )
        c.exec_driver_sql(
            "INSERT INTO hits (article_id, watchlist, matched, matches, snippet, "
            "highlights, created_at) VALUES (1, 'iran', '[]', '[]', 's', '[]', "
            "'2026-11-20 10:00:00')"
        )

    def counts() -> list[int]:
        with e.connect() as c:
            return [
                c.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()  # noqa: S608
                for t in ("sources", "articles", "article_urls", "hits")
            ]

    upgrade(e)
    assert counts() == [1, 1, 1, 1]
    with transaction(e) as s:
        assert [h.title for h in hit_list(s, search="vienna")] == ["Iran talks"]
        # 0006 gave the hit its article's source.
        assert [h.title for h in hit_list(s, sources=("wire",))] == ["Iran talks"]
        assert s.scalars(select(Hit.source_id)).all() == [1]
    downgrade(e, "0001")
    assert counts() == [1, 1, 1, 1]
    upgrade(e)
    assert counts() == [1, 1, 1, 1]
    if e.dialect.name == "sqlite":
        with e.connect() as c:  # the pool's connections have their foreign keys back on
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_backoff_doubles_up_to_a_day_and_resets_on_success(store: Engine) -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    waits = []
    with transaction(store) as s:
        for _ in range(9):
            record_source_result(s, "wire", error="HttpError: HTTP 500", entries=None, now=now)
            src = s.scalars(select(Source).where(Source.name == "wire")).one()
            assert src.next_check_at is not None
            waits.append((src.next_check_at - now).total_seconds() / 900)
        record_source_result(s, "wire", error=None, entries=3, now=now)
        src = s.scalars(select(Source).where(Source.name == "wire")).one()
        assert src.consecutive_failures == 0 and src.next_check_at == now + timedelta(minutes=15)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 96, 96]  # 96 x 15 minutes = a day


def test_source_failing_longer_than_broken_after_is_broken(store: Engine) -> None:
    start = datetime(2026, 11, 20, tzinfo=UTC)
    with transaction(store) as s:
        record_source_result(s, "wire", error="DNSLookupError: x", entries=None, now=start)
        record_source_result(
            s, "wire", error="DNSLookupError: x", entries=None, now=start + timedelta(days=1)
        )
    with transaction(store) as s:
        [row] = source_rows(s, ["wire"], now=start + timedelta(days=1), broken_after=BROKEN)
        assert row.state == "failing" and row.failing_since == start
        [row] = source_rows(
            s, ["wire"], now=start + timedelta(days=2, minutes=1), broken_after=BROKEN
        )
        assert row.state == "broken"
        record_source_result(s, "wire", error=None, entries=1, now=start + timedelta(days=3))
        [row] = source_rows(s, ["wire"], now=start + timedelta(days=3), broken_after=BROKEN)
        assert row.state == "ok" and row.failing_since is None  # recovers by itself


def test_recent_articles_of_many_sources_counted_in_one_query(store: Engine) -> None:
    """The pipeline counts its batch's recent articles first (``count_recent_articles``):
    one query for sources with the same window, and the same next checks as a query each."""
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    for i in range(12):
        put(store, ArticleData(source="wire", url=f"http://news.test/r{i}", title="x", text="y"))
    with transaction(store) as s:  # 3 in the last day, 9 before the last two days
        for i, art in enumerate(s.scalars(select(Article).order_by(Article.id))):
            art.first_seen_at = now - (timedelta(hours=1) if i < 3 else timedelta(hours=50))

    def next_checks(counted: bool) -> tuple[dict[str, datetime], list[str]]:
        statements: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        with transaction(store) as s:
            s.execute(update(Source).values(checks=99))  # windows of 100 intervals: 25 h, 100 min
        event.listen(store, "before_cursor_execute", seen)
        with transaction(store) as s:
            rows = sources_named(s, ["wire", "other"])
            if counted:
                count_recent_articles(s, rows.values(), now)
            for name, row in rows.items():
                record_source_result(
                    s, name, error=None, entries=1, now=now, source=row,
                    max_interval=timedelta(hours=4),
                )  # fmt: skip
            found = {name: row.next_check_at for name, row in rows.items()}
        event.remove(store, "before_cursor_execute", seen)
        return found, [q for q in statements if "count(" in q.lower()]

    each, asked_each = next_checks(counted=False)
    together, asked_together = next_checks(counted=True)
    assert together == each
    assert each["wire"] == now + timedelta(minutes=25 * 60 / 3 / 4)  # 3 in 25 hours
    assert len(asked_each) == 2  # a query a source
    assert len(asked_together) == 2  # a query a window: 25 hours for one, 100 minutes for the other
    with transaction(store) as s:
        s.execute(update(Source).values(interval_seconds=900))  # the same window for both
    _, asked_together = next_checks(counted=True)
    assert len(asked_together) == 1


def test_rarely_publishing_source_is_checked_less_often_and_recovers(store: Engine) -> None:
    def next_wait(checks: int) -> float:
        """Minutes until the next check after a successful one, with ``checks`` behind it."""
        now = datetime.now(UTC)
        with transaction(store) as s:
            s.execute(update(Source).where(Source.name == "wire").values(checks=checks - 1))
            record_source_result(
                s, "wire", error=None, entries=5, now=now, max_interval=timedelta(hours=4)
            )
            src = s.scalars(select(Source).where(Source.name == "wire")).one()
            assert src.next_check_at is not None
            return (src.next_check_at - now).total_seconds() / 60

    assert next_wait(10) == 15  # 2.5 hours of history says nothing yet
    assert next_wait(100) == 240  # 25 hours, nothing new: the longest wait
    for i in range(20):  # it starts publishing: 20 stories in those 25 hours
        put(store, ArticleData(source="wire", url=f"http://news.test/n{i}", title="x", text="y"))
    assert next_wait(100) == pytest.approx(25 * 60 / 20 / 4)  # 18.75 minutes
    for i in range(200):
        put(store, ArticleData(source="wire", url=f"http://news.test/m{i}", title="x", text="y"))
    assert next_wait(100) == 15  # busy: the configured interval, never less
    with transaction(store) as s:  # without a bound, the configured interval as before
        now = datetime.now(UTC)
        record_source_result(s, "other", error=None, entries=0, now=now)
        src = s.scalars(select(Source).where(Source.name == "other")).one()
        assert src.next_check_at == now + timedelta(seconds=60)


def test_kept_robots_txt_of_many_hosts_in_one_query(store: Engine) -> None:
    from monitor.store.robots import RobotsCopy, fresh_robots, fresh_robots_of, save_robots

    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    rules = b"User-agent: *\nDisallow: /private/\n"
    copies = [
        RobotsCopy("news.test:8080", 500, b"", at),  # the host's first answer, then its second
        RobotsCopy("empty.test", 404, b"", at),
        RobotsCopy("big.test", 200, rules + b"#" * 100, at),
        RobotsCopy("old.test", 200, rules, at - timedelta(hours=30)),
        RobotsCopy("news.test:8080", 200, rules, at),
    ]
    with transaction(store) as s:
        save_robots(s, copies)  # many at once; a host twice is kept once, as last given
    hosts = ["news.test:8080", "empty.test", "big.test", "old.test", "other.test"]
    with transaction(store) as s:
        kept = fresh_robots_of(s, hosts, at + timedelta(hours=1), max_bytes=len(rules) + 50)
        # The big copy is left to be read on its own; the rest as fresh_robots reads them.
        assert kept == {
            "news.test:8080": rules,
            "empty.test": b"",
            "old.test": None,
            "other.test": None,
        }
        assert all(fresh_robots(s, h, at + timedelta(hours=1)) == kept[h] for h in kept)
        assert fresh_robots(s, "big.test", at + timedelta(hours=1)) == rules + b"#" * 100
        assert fresh_robots_of(s, [], at, max_bytes=10) == {}


def test_robots_txt_kept_a_day_then_forgotten(store: Engine) -> None:
    from monitor.store.robots import (
        MAX_BYTES,
        RobotsCopy,
        fresh_robots,
        prune_robots,
        save_robots,
    )

    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    huge = b"User-agent: *\nDisallow: /private/\n" + b"#" * (2 * MAX_BYTES)
    with transaction(store) as s:
        save_robots(s, [RobotsCopy("news.test:8080", 200, huge, at)])
        save_robots(s, [RobotsCopy("gone.test", 404, b"", at - timedelta(hours=30))])
    with transaction(store) as s:
        kept = fresh_robots(s, "news.test:8080", at + timedelta(hours=23))
        assert kept is not None and kept.startswith(b"User-agent") and len(kept) == MAX_BYTES
        assert fresh_robots(s, "news.test:8080", at + timedelta(hours=24)) is None  # too old
        assert fresh_robots(s, "gone.test", at) is None
        assert fresh_robots(s, "other.test", at) is None
        again = RobotsCopy("news.test:8080", 200, b"", at + timedelta(hours=25))
        save_robots(s, [again])
    with transaction(store) as s:
        assert fresh_robots(s, "news.test:8080", at + timedelta(hours=26)) == b""
        assert prune_robots(s, at + timedelta(hours=26)) == 1  # gone.test's copy
        assert fresh_robots(s, "news.test:8080", at + timedelta(hours=26)) == b""
