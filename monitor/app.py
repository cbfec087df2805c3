"""The use cases every front end shares: the command line, the web view, the demo and (for
source health) the digest ask the archive through here, so each question has one answer.

:class:`Monitor` holds the configuration and a way to open the store; its methods open one
session each, return data and never print (monitor.render presents it). Front ends choose the
store: :meth:`Monitor.reader` cannot write (the archive commands, the web view),
:meth:`Monitor.writer` migrates a new database and syncs the configured sources first (the
commands that show sources by their configured names).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.config import Config, Recipient
from monitor.domain.filters import Cursor, HitFilter
from monitor.errors import MonitorError
from monitor.store.readonly import read_session
from monitor.store.sources import SourceRow, source_rows

if TYPE_CHECKING:
    from monitor.archive.evidence import Exported
    from monitor.archive.warc import Served
    from monitor.backtest import Backtest
    from monitor.query.article import ArticleView
    from monitor.query.stats import Series
    from monitor.store.cluster import ClusterStatus
    from monitor.store.hits import ListedHit, Page
    from monitor.store.models import CrawlRun, Digest, RecipientState
    from monitor.store.snapshots import SnapshotRow

#: How many more hits than entries the feed of all watchlists reads: its entries are
#: articles, and one article may be a hit of several watchlists.
FEED_HITS_PER_ENTRY = 4


class UnknownWatchlist(MonitorError):
    """A watchlist name the configuration does not have."""


# Source health: the digest's "needs attention" list, `monitor status`, `monitor sources`
# and the web view's sources page all judge a source the same way.


def source_health(
    session: Session, config: Config, *, now: datetime | None = None, counts: bool = True
) -> list[SourceRow]:
    """Each configured source's state (ok, failing, broken, new) by the configured
    ``broken_after``; with ``counts``, its articles and hits too (a pass over the archive)."""
    return source_rows(
        session,
        [x.name for x in config.sources],
        now=now,
        broken_after=config.daemon.broken_after,
        counts=counts,
    )


def needing_attention(rows: Sequence[SourceRow]) -> list[SourceRow]:
    """The sources that fail (failing or broken) or whose article pages were blocked or
    thin within the last day, in the order given."""
    return [r for r in rows if r.attention is not None]


@dataclass(frozen=True)
class HitStream:
    """Hits as they are read, and the cursor of the page after them (None: no more)."""

    rows: Iterator[ListedHit]
    next: str | None


@dataclass(frozen=True)
class Stats:
    every: str  # day | week
    series: list[Series]  # per watchlist
    sources: list[tuple[str, str, int]]  # (source, watchlist, hits), busiest first


@dataclass(frozen=True)
class RecipientStatus:
    recipient: Recipient
    state: RecipientState | None  # None: never had a digest
    next_at: datetime | None  # its next scheduled digest; None: sent on new hits


@dataclass(frozen=True)
class Status:
    database: str
    daemon: str | None  # how the running daemon is known ("pid N"), None when not running
    sources: list[SourceRow]  # states only
    attention: list[SourceRow]  # failing, broken, or with blocked or thin pages
    recipients: list[RecipientStatus]
    runs: list[CrawlRun]  # the last crawl cycles, newest first
    digests: list[Digest]  # the last digests, newest first
    cluster: ClusterStatus | None = None  # workers and queue, on a PostgreSQL store (#17)

    @property
    def next_crawl(self) -> datetime | None:
        """The earliest next check; None when no source was ever checked."""
        due = [r.next_check_at for r in self.sources if r.next_check_at]
        return min(due) if due else None


SessionScope = Callable[[Engine], AbstractContextManager[Session]]


class Monitor:
    """The use cases over one store and the configuration.

    The engine is opened by the first use case that needs the store, so a question refused
    on its own terms (an unknown watchlist) touches no database.
    """

    def __init__(
        self, config: Config, connect: Callable[[], Engine], *, scope: SessionScope = read_session
    ) -> None:
        self.config = config
        self._connect = connect
        self._scope = scope

    @classmethod
    @contextmanager
    def reader(cls, config: Config) -> Iterator[Monitor]:
        """On a read-only engine (monitor.store.readonly), disposed at the end."""
        from monitor.storeconfig import open_reader

        app = cls(config, lambda: open_reader(config))
        try:
            yield app
        finally:
            app.close()

    @classmethod
    @contextmanager
    def writer(cls, config: Config) -> Iterator[Monitor]:
        """On the store as every writing command opens it (a new database migrated, the
        configured sources synced), one transaction per use case."""
        from monitor.store.engine import transaction
        from monitor.storeconfig import open_store

        app = cls(config, lambda: open_store(config), scope=transaction)
        try:
            yield app
        finally:
            app.close()

    @cached_property
    def engine(self) -> Engine:
        return self._connect()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def session(self) -> AbstractContextManager[Session]:
        return self._scope(self.engine)

    # The hit list

    def hit_page(self, f: HitFilter, *, limit: int, cursor: Cursor | None = None) -> Page:
        """Up to ``limit`` hits after ``cursor`` (0: every one, in one page)."""
        from monitor.store.hits import Page, iter_hits, page_hits

        with self.session() as s:
            if limit:
                return page_hits(s, f, limit=limit, cursor=cursor)
            return Page(list(iter_hits(s, f, cursor=cursor)), None)

    @contextmanager
    def hit_stream(
        self, f: HitFilter, *, limit: int = 0, cursor: Cursor | None = None
    ) -> Iterator[HitStream]:
        """The hits read as they are written out (``limit`` 0: all of them, in constant
        memory); the session stays open until the block ends."""
        from monitor.store.hits import iter_hits, page_hits

        with self.session() as s:
            if limit:
                page = page_hits(s, f, limit=limit, cursor=cursor)
                yield HitStream(iter(page.rows), page.next)
            else:
                yield HitStream(iter_hits(s, f, cursor=cursor), None)

    @contextmanager
    def export(self, f: HitFilter) -> Iterator[Generator[tuple[Any, ...], None, None]]:
        """Every hit of ``f`` with its match metadata, oldest first: rows of
        :data:`monitor.query.export.FIELDS`, streamed while the block runs."""
        from monitor.query.export import iter_export

        with self.session() as s:
            rows = iter_export(s, f)
            try:
                yield rows
            finally:
                rows.close()  # its cursor before the session (a reader gone, `| head`)

    def feed(self, watchlist: str | None, limit: int) -> list[ListedHit]:
        """The newest hits for the Atom feed of ``watchlist`` (None: all watchlists), enough
        for ``limit`` entries."""
        from monitor.store.hits import page_hits

        if watchlist is not None and watchlist not in {w.name for w in self.config.watchlists}:
            known = ", ".join(w.name for w in self.config.watchlists)
            raise UnknownWatchlist(
                f"no watchlist named {watchlist!r} (the configured ones: {known})"
            )
        f = HitFilter(watchlists=(watchlist,) if watchlist else ())
        with self.session() as s:
            n = limit if watchlist else limit * FEED_HITS_PER_ENTRY
            return page_hits(s, f, limit=n).rows

    # Articles and statistics

    def article(self, ref: int | str) -> ArticleView | None:
        """An article by id, or (a string) by its id or any URL it was seen at."""
        from monitor.query.article import find_article_id, load_article

        with self.session() as s:
            article_id = ref if isinstance(ref, int) else find_article_id(s, ref)
            return load_article(s, article_id) if article_id is not None else None

    # Evidence

    def archived_page(self, article_id: int) -> tuple[SnapshotRow, Served]:
        """The article's latest page as served; ``SnapshotGone`` says why there is none."""
        from monitor.archive.evidence import latest_page

        with self.session() as s:
            return latest_page(s, self.config.archive.dir, article_id)

    def export_evidence(self, f: HitFilter, out: IO[bytes]) -> Exported:
        """The kept snapshots of the articles of ``f``'s hits, written to ``out`` as one
        WARC file."""
        from monitor.archive.evidence import export_warc

        with self.session() as s:
            return export_warc(s, self.config.archive.dir, f, out)

    def stats(
        self,
        watchlists: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        every: str = "day",
        by_source: bool = True,
        langs: Sequence[str] = (),
    ) -> Stats:
        """Hits per watchlist (default: every configured one) per day or week from
        ``since`` (default: 30 days before ``until``) to ``until`` (default: now), and per
        source unless not ``by_source``."""
        from monitor.query.stats import source_counts, watchlist_series

        until = until or datetime.now(UTC)
        since = since or until - timedelta(days=30)
        names = tuple(watchlists) or tuple(w.name for w in self.config.watchlists)
        with self.session() as s:
            series = watchlist_series(s, since, until, watchlists=names, every=every, langs=langs)
            sources = source_counts(s, since, until, names, langs) if by_source else []
        return Stats(every, series, sources)

    # Sources, status

    def sources(self) -> list[SourceRow]:
        """Each configured source: its state, and its articles and hits."""
        with self.session() as s:
            return source_health(s, self.config)

    def feeds(self) -> list[tuple[str, str]]:
        """(name, URL) of every feed the monitor reads: the configured feed sources, and the
        feeds discovery found and uses for site sources (`monitor sources export`)."""
        from monitor.store.sources import discoveries

        out = [(s.name, s.url) for s in self.config.sources if s.kind == "feed"]
        sites = [s.name for s in self.config.sources if s.kind == "site"]
        with self.session() as s:
            found = discoveries(s, sites)
        for name in sites:
            findings, _ = found.get(name, ([], None))
            out += [(name, f.url) for f in findings if f.kind == "feed" and f.used]
        return out

    def due_sources(self, names: Sequence[str], now: datetime) -> list[str]:
        """Those of ``names`` whose interval has elapsed."""
        from monitor.store.sources import due_sources

        with self.session() as s:
            return due_sources(s, names, now)

    def status(self, now: datetime | None = None) -> Status:
        """`monitor status`: the daemon (or the cluster's workers and queue), sources,
        recipients, last crawls and digests."""
        from monitor.domain.schedule import following_slot
        from monitor.store.cluster import cluster_status, has_cluster
        from monitor.store.digests import recent_digests, recipient_states
        from monitor.store.engine import describe
        from monitor.store.lock import daemon_running
        from monitor.store.runs import recent_runs

        now = now or datetime.now(UTC)
        running = daemon_running(self.engine)
        recipients = self.config.recipients
        cluster = None
        with self.session() as s:
            if has_cluster(self.engine):
                cluster = cluster_status(s, now, failed_since=timedelta(days=1))
            runs = recent_runs(s, 5)
            digests = recent_digests(s, 5)
            states = recipient_states(s, [r.name for r in recipients])
            sources = source_health(s, self.config, now=now, counts=False)
        return Status(
            database=describe(self.config.database_url),
            daemon=running,
            sources=sources,
            attention=needing_attention(sources),
            recipients=[
                RecipientStatus(
                    r,
                    states.get(r.name),
                    None
                    if r.schedule == "immediate"
                    else following_slot(now, r.schedule, r.time, r.day, r.zone),
                )
                for r in recipients
            ],
            runs=runs,
            digests=digests,
            cluster=cluster,
        )

    # Watchlists

    def backtest(self, query: str, *, since: datetime | None = None, keep: int = 20) -> Backtest:
        """What ``query`` would have caught among the stored articles (nothing stored)."""
        from monitor.backtest import backtest

        with self.session() as s:
            return backtest(s, query, self.config.lists, since=since, keep=keep)


def daily_maintenance(config: Config, engine: Engine, now: datetime) -> None:
    """The daily chores, of `monitor run` and (once for all workers) of the cluster: the
    planner's statistics, then the archive's retention. A failing step is logged and the
    other still runs: the next day tries again."""
    import logging

    from monitor.archive.retention import apply_retention
    from monitor.store.engine import transaction
    from monitor.store.maintenance import refresh_statistics
    from monitor.store.robots import prune_robots

    log = logging.getLogger("monitor.maintenance")
    try:
        refresh_statistics(engine)
    except Exception:
        log.exception("cannot refresh the planner's statistics")
    try:
        with transaction(engine) as s:
            prune_robots(s, now)
    except Exception:
        log.exception("cannot forget the robots.txt files kept too long")
    a = config.archive
    try:
        pruned = apply_retention(engine, a.dir, now, a.keep, a.max_size)
    except Exception:
        log.exception("cannot apply the archive's retention")
        return
    if pruned.files:
        log.info(
            "archive pruned files=%d bytes=%d snapshots=%d",
            pruned.files,
            pruned.bytes,
            pruned.snapshots,
        )
