"""The record of what each recipient got: exactly-once bookkeeping.

A hit is due to a recipient when it is in one of its watchlists and the recipient has no
delivery of its current version (``hits.changed_at``). Deliveries are written in the same
transaction as the digest record, only after the mail server (or apprise, or the outbox)
accepted the message. The question (``queries.due_hits``) is bounded by the recipient's
floor: every hit changed before it was delivered, so the digest reads the last days, not the
whole archive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from monitor.domain.schedule import delivery_retry_delay
from monitor.store.models import Delivery, Digest, Hit, RecipientState, utcnow
from monitor.store.queries import HitRow, due_condition
from monitor.store.upsert import insert_ignore, insert_or_update, upsert_from_select

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
    watchlists that were due when it was asked for (``queries.due_for_digest``)."""
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
