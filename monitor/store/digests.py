"""Digests: which hits are due to a recipient, what each recipient got (exactly-once
bookkeeping), and each watchlist's usual number of hits.

A hit is due to a recipient when it is in one of its watchlists and the recipient has no
delivery of its current version (``hits.changed_at``). Deliveries are written in the same
transaction as the digest record, only after the mail server (or apprise, or the outbox)
accepted the message. The question (``due_for_digest``) is bounded by the recipient's
floor: every hit changed before it was delivered, so the digest reads the last days, not the
whole archive.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, and_, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from monitor.domain.schedule import delivery_retry_delay
from monitor.domain.trend import baseline
from monitor.store.hits import HitRow
from monitor.store.models import Article, Delivery, Digest, Hit, RecipientState, Source, utcnow
from monitor.store.upsert import insert_ignore, insert_or_update, upsert_from_select

_HITS: Table = Hit.__table__  # type: ignore[assignment]
_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_SOURCES: Table = Source.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Due:
    """A recipient's due hits: those its message shows, and how many more each watchlist
    has (counted in the message, marked delivered with the shown ones)."""

    hits: list[HitRow]
    more: dict[str, int]
    oldest: dict[str, datetime]  # of the watchlists with more: when their oldest became due


def due_condition(
    state: RecipientState, watchlists: Sequence[str]
) -> tuple[Any, ColumnElement[bool], ColumnElement[bool]]:
    """ "Due to this recipient": in its watchlists, changed since its floor, and not delivered
    in this version. The deliveries alias, the clause to outer-join it on, the WHERE clause."""
    had = aliased(Delivery)
    join = and_(had.hit_id == Hit.id, had.recipient_id == state.id)
    where = and_(
        Hit.watchlist.in_(list(watchlists)),
        Hit.changed_at >= state.floor_at,
        or_(had.id.is_(None), had.hit_changed_at < Hit.changed_at),
    )
    return had, join, where


def due_hits(session: Session, state: RecipientState, watchlists: Sequence[str]) -> list[HitRow]:
    """Every hit due to this recipient (``due_for_digest`` without a cap)."""
    return due_for_digest(session, state, watchlists, None).hits


def due_for_digest(
    session: Session, state: RecipientState, watchlists: Sequence[str], per_watchlist: int | None
) -> Due:
    """Hits this recipient has not had in their current version, ``updated`` when it had an
    older one; of each watchlist the newest ``per_watchlist`` (by when they became due), the
    others only counted: a backlog of days makes a message the mail server still takes, and
    the question reads the rows it shows, not every due one. Without ``sent_at`` and
    ``created`` (the digest needs neither)."""
    had, join, where = due_condition(state, watchlists)
    # The due hits first, then their articles: a delivered hit costs an index lookup, not a
    # read of its article's row (on SQLite the columns after `text`, in overflow pages).
    # MATERIALIZED keeps SQLite from flattening it into one join that reads every article.
    newest = (Hit.changed_at.desc(), Hit.id.desc())
    due = (
        select(
            Hit.id,
            had.id.is_not(None).label("updated"),
            func.row_number().over(partition_by=Hit.watchlist, order_by=newest).label("rank"),
            func.count().over(partition_by=Hit.watchlist).label("total"),
            func.min(Hit.changed_at).over(partition_by=Hit.watchlist).label("oldest"),
        )
        .outerjoin(had, join)
        .where(where)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    hits, articles, sources = _HITS, _ARTICLES, _SOURCES
    stmt = (
        select(
            hits.c.id,
            hits.c.watchlist,
            cast(hits.c.matched, Text),  # decoded below, without SQLAlchemy's JSON layers
            articles.c.url,
            articles.c.title,
            sources.c.name,
            articles.c.published_at,
            articles.c.first_seen_at,
            hits.c.snippet,
            cast(hits.c.highlights, Text),
            articles.c.story_id,
            due.c.updated,
            hits.c.changed_at,
            articles.c.lang,
            articles.c.removed_at,
            due.c.total,
            due.c.oldest,
        )
        .select_from(due)
        .join(hits, hits.c.id == due.c.id)
        .join(articles, articles.c.id == hits.c.article_id)
        .join(sources, sources.c.id == articles.c.source_id)
        .order_by(hits.c.watchlist, hits.c.id)
    )
    if per_watchlist is not None:
        stmt = stmt.where(due.c.rank <= per_watchlist)
    # Core rows (the columns of the tables, not of the mapped classes): no ORM loading.
    loads = json.loads
    rows: list[HitRow] = []
    totals: dict[str, tuple[int, Any]] = {}
    # fmt: off
    for i, w, m, u, t, src, pub, seen, snip, hl, story, upd, changed, lang, gone, total, oldest in (
        session.connection().execute(stmt)
    ):
        rows.append(HitRow(i, w, loads(m), u, t, src, pub, seen, snip, loads(hl), None, story,
                           bool(upd), None, changed, lang, gone))
        totals[w] = total, oldest
    # fmt: on
    shown = Counter(h.watchlist for h in rows)
    more = {w: n - shown[w] for w, (n, _) in totals.items() if n > shown[w]}
    return Due(rows, more, {w: totals[w][1] for w in more})


def usual_hits(
    session: Session, watchlists: Sequence[str], now: datetime, span: timedelta
) -> dict[str, float]:
    """Each watchlist's average number of hits per ``span`` over its baseline before the
    latest ``span`` (four weeks, ``monitor.domain.trend.baseline``); empty when the archive
    is too young for one (no "usual" yet)."""
    end = now - span
    oldest = session.scalar(select(func.min(Hit.created_at)))
    window = None if oldest is None else baseline(end - oldest)
    if window is None:
        return {}
    start = end - window
    counts = dict(
        session.execute(
            select(Hit.watchlist, func.count())
            .where(
                Hit.watchlist.in_(list(watchlists)), Hit.created_at >= start, Hit.created_at < end
            )
            .group_by(Hit.watchlist)
        ).all()
    )
    return {w: counts.get(w, 0) * (span / (end - start)) for w in watchlists}


def recent_digests(session: Session, limit: int = 5) -> list[Digest]:
    return list(session.scalars(select(Digest).order_by(Digest.id.desc()).limit(limit)))


#: A new recipient's first digest covers this much of the past.
FIRST_LOOKBACK = timedelta(days=1)
#: The floor trails the last digest's question by this much: a crawl transaction that had
#: made a hit before the question but committed after it (seconds, in practice) is still
#: looked at next time.
FLOOR_MARGIN = timedelta(days=1)


def recipient_state(session: Session, name: str, now: datetime | None = None) -> RecipientState:
    """The recipient's row, made on first use (two processes may race to make it)."""
    now = now or utcnow()
    session.execute(
        insert_ignore(session, RecipientState.__table__, ["name"]).values(  # type: ignore[arg-type]
            name=name, created_at=now, floor_at=now - FIRST_LOOKBACK, consecutive_failures=0
        )
    )
    return session.scalars(select(RecipientState).where(RecipientState.name == name)).one()


def _digest(session: Session, state: RecipientState, **values: object) -> Digest:
    digest = Digest(recipient=state.name, created_at=utcnow(), **values)
    session.add(digest)
    session.flush()
    return digest


def record_sent(
    session: Session,
    state: RecipientState,
    hits: Sequence[HitRow],
    *,
    asked_at: datetime,
    slot_at: datetime | None,
    addresses: Sequence[str],
    destination: str,
    message_id: str | None,
    error: str | None = None,
    more: Mapping[str, int] | None = None,
) -> int:
    """The message was accepted: its hits are delivered to this recipient, in this version;
    and so are the hits it only counted (``more``: watchlist -> how many), those of these
    watchlists that were due when it was asked for (``due_for_digest``)."""
    now = utcnow()
    digest = _digest(
        session,
        state,
        status="sent",
        slot_at=slot_at,
        recipients=list(addresses),
        hit_count=len(hits) + sum((more or {}).values()),
        destination=destination,
        message_id=message_id,
        error=error,
    )
    if more:
        # First, so that the shown hits' rows below keep the exact version the message had.
        _deliver_counted(session, state, digest.id, list(more), asked_at, now)
    insert_or_update(
        session,
        Delivery.__table__,  # type: ignore[arg-type]
        ["recipient_id", "hit_id"],
        [
            {
                "recipient_id": state.id,
                "hit_id": h.id,
                "digest_id": digest.id,
                "hit_changed_at": h.changed or h.created,
                "sent_at": now,
            }
            for h in hits
        ],
    )
    ids = [h.id for h in hits]
    for chunk in range(0, len(ids), 500):
        session.execute(
            update(Hit)
            .where(Hit.id.in_(ids[chunk : chunk + 500]), Hit.digest_id.is_(None))
            .values(digest_id=digest.id, sent_at=now)
        )
    _served(state, slot_at, asked_at)
    state.last_sent_at = now
    return digest.id


def _deliver_counted(
    session: Session,
    state: RecipientState,
    digest_id: int,
    watchlists: list[str],
    asked_at: datetime,
    now: datetime,
) -> None:
    """Every hit of ``watchlists`` due to the recipient that had changed by ``asked_at``: the
    counted ones, in the version they had then, without reading them into Python."""
    had, join, where = due_condition(state, watchlists)
    due = select(Hit.id).outerjoin(had, join).where(where, Hit.changed_at <= asked_at)
    session.execute(
        update(Hit)
        .where(Hit.id.in_(due.scalar_subquery()), Hit.digest_id.is_(None))
        .values(digest_id=digest_id, sent_at=now),
        execution_options={"synchronize_session": False},
    )
    rows = due.with_only_columns(  # the same hits: FROM, join and WHERE kept
        literal(state.id).label("recipient_id"),
        Hit.id,
        literal(digest_id).label("digest_id"),
        Hit.changed_at,
        literal(now, Delivery.sent_at.type).label("sent_at"),
    )
    upsert_from_select(
        session,
        Delivery.__table__,  # type: ignore[arg-type]
        ["recipient_id", "hit_id"],
        ["recipient_id", "hit_id", "digest_id", "hit_changed_at", "sent_at"],
        rows,
    )


def record_empty(
    session: Session,
    state: RecipientState,
    *,
    asked_at: datetime,
    slot_at: datetime | None,
    destination: str | None = None,
) -> None:
    """Nothing was due (and, when configured, the "no new hits" mail was accepted)."""
    _digest(
        session,
        state,
        status="empty",
        slot_at=slot_at,
        recipients=[],
        hit_count=0,
        destination=destination,
    )
    _served(state, slot_at, asked_at)


def _served(state: RecipientState, slot_at: datetime | None, asked_at: datetime) -> None:
    if slot_at is not None and (state.last_slot_at is None or slot_at > state.last_slot_at):
        state.last_slot_at = slot_at
    state.floor_at = max(state.floor_at, asked_at - FLOOR_MARGIN)
    state.last_attempt_at = utcnow()
    state.consecutive_failures = 0
    state.next_attempt_at = None


def record_failed(
    session: Session,
    state: RecipientState,
    *,
    error: str,
    slot_at: datetime | None,
    retry: timedelta,
    hits: int,
    addresses: Sequence[str],
) -> datetime:
    """Nothing is marked; the recipient is tried again after a backoff (``retry``, doubling,
    at most six hours). Returns when."""
    now = utcnow()
    _digest(
        session,
        state,
        status="failed",
        slot_at=slot_at,
        recipients=list(addresses),
        hit_count=hits,
        error=error[:2000],
    )
    state.consecutive_failures = (state.consecutive_failures or 0) + 1
    state.last_attempt_at = state.last_error_at = now
    state.last_error = error[:2000]
    state.next_attempt_at = now + delivery_retry_delay(retry, state.consecutive_failures)
    return state.next_attempt_at


def recipient_states(session: Session, names: Sequence[str]) -> dict[str, RecipientState]:
    rows = session.scalars(select(RecipientState).where(RecipientState.name.in_(list(names))))
    return {r.name: r for r in rows}
