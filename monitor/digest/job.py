"""A digest run for one recipient: due hits -> message -> delivery -> deliveries recorded.

Deliveries are recorded only after the server accepted the mail (or apprise reported
success, or the .eml file was written), in one transaction with the digest record. If
delivery fails nothing is marked and the recipient is retried after a backoff. (A crash in
the instant between acceptance and that commit would send them again: at-least-once, never
lost.) Each recipient is a run of its own: one failing address never holds back another.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import Engine

from monitor.app import needing_attention, source_health
from monitor.config import Config, Empty, Recipient, Schedule
from monitor.digest.build import Attention, DigestContent, build_digest
from monitor.digest.render import build_message
from monitor.digest.send import deliver
from monitor.domain.schedule import digest_due
from monitor.errors import DeliveryError
from monitor.store.articles import story_copies
from monitor.store.digests import (
    FIRST_LOOKBACK,
    due_for_digest,
    recipient_state,
    record_empty,
    record_failed,
    record_sent,
    usual_hits,
)
from monitor.store.engine import transaction
from monitor.store.hits import HitRow
from monitor.store.models import utcnow

log = logging.getLogger("monitor.digest")

#: The span a digest covers, for its "usual" counts; alerts have none.
SPANS = {Schedule.DAILY: timedelta(days=1), Schedule.WEEKLY: timedelta(days=7)}


@dataclass(frozen=True)
class DigestOutcome:
    recipient: str
    status: str  # sent | empty | failed | dry-run
    hits: int
    destination: str | None = None
    error: str | None = None
    message: EmailMessage | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class _Gathered:
    hits: list[HitRow]
    content: DigestContent
    asked_at: datetime
    more: dict[str, int]  # hits counted, not shown, per watchlist


def _gather(config: Config, engine: Engine, r: Recipient, now: datetime) -> _Gathered:
    with transaction(engine) as s:
        state = recipient_state(s, r.name, now)
        asked_at = utcnow()
        due = due_for_digest(s, state, r.watchlists, r.max_per_watchlist)
        hits = due.hits
        copies = story_copies(s, [h.story_id for h in hits if h.story_id is not None])
        attention = []
        if r.schedule != Schedule.IMMEDIATE and (hits or r.empty == Empty.SEND):
            attention = [
                Attention(row.name, *(row.attention or (row.state, None, "")))
                for row in needing_attention(source_health(s, config, counts=False))
            ]
        span = SPANS.get(r.schedule)
        usual = usual_hits(s, r.watchlists, now, span) if span and hits else None
    kind = "alert" if r.schedule == Schedule.IMMEDIATE else "digest"
    content = build_digest(
        hits,
        r.watchlists,
        now,
        copies,
        attention,
        usual=usual,
        kind=kind,
        more=due.more,
        oldest=due.oldest,
    )
    return _Gathered(hits, content, asked_at, due.more)


def compose(config: Config, engine: Engine, r: Recipient) -> EmailMessage:
    """The message the recipient would get now, sent nowhere and marked nowhere."""
    g = _gather(config, engine, r, utcnow())
    return _message(config, r, g.content)


def _message(config: Config, r: Recipient, content: DigestContent) -> EmailMessage:
    emails = [] if r.apprise_url else list(r.to)
    return build_message(
        content,
        sender=config.digest.sender,
        recipients=emails,
        zone=r.zone,
        templates=config.digest.templates,
    )


def run_digest(
    config: Config,
    engine: Engine,
    r: Recipient,
    *,
    slot_at: datetime | None = None,
    dry_run: bool = False,
) -> DigestOutcome:
    g = _gather(config, engine, r, utcnow())
    count = len(g.content.hit_ids) + sum(g.more.values())
    send_empty = r.empty == Empty.SEND and r.schedule != Schedule.IMMEDIATE
    if not g.hits and not send_empty:
        if r.schedule == Schedule.IMMEDIATE:  # checked every tick: nothing to record
            return DigestOutcome(r.name, "empty", 0)
        log.info("digest has nothing new recipient=%s slot=%s", r.name, slot_at)
        if not dry_run:
            with transaction(engine) as s:
                state = recipient_state(s, r.name)
                record_empty(s, state, asked_at=g.asked_at, slot_at=slot_at)
        return DigestOutcome(r.name, "empty", 0)
    try:
        msg = _message(config, r, g.content)
    except DeliveryError as exc:  # a broken user template: say so, keep the hits
        return _failed(config, engine, r, slot_at, str(exc), count)
    if dry_run:
        return DigestOutcome(r.name, "dry-run", count, message=msg)
    try:
        delivery = deliver(msg, r, config.digest, config.smtp)
    except DeliveryError as exc:
        return _failed(config, engine, r, slot_at, str(exc), count)
    with transaction(engine) as s:
        state = recipient_state(s, r.name)
        if not g.hits:
            record_empty(
                s, state, asked_at=g.asked_at, slot_at=slot_at, destination=delivery.destination
            )
        else:
            record_sent(
                s,
                state,
                g.hits,
                asked_at=g.asked_at,
                slot_at=slot_at,
                addresses=[] if r.apprise_url else list(r.to),
                destination=delivery.destination,
                message_id=str(msg["Message-ID"]),
                error=("refused: " + "; ".join(delivery.refused)) if delivery.refused else None,
                more=g.more,
            )
    log.info("digest sent recipient=%s hits=%d to=%s", r.name, count, delivery.destination)
    return DigestOutcome(r.name, "sent", count, destination=delivery.destination, message=msg)


def _failed(
    config: Config,
    engine: Engine,
    r: Recipient,
    slot_at: datetime | None,
    error: str,
    count: int,
) -> DigestOutcome:
    with transaction(engine) as s:
        retry_at = record_failed(
            s,
            recipient_state(s, r.name),
            error=error,
            slot_at=slot_at,
            retry=config.digest.retry,
            hits=count,
            addresses=[] if r.apprise_url else list(r.to),
        )
    log.error(
        "digest not delivered recipient=%s hits=%d retry_at=%s error=%s",
        r.name,
        count,
        retry_at.isoformat(),
        error,
    )
    return DigestOutcome(r.name, "failed", count, error=error, retry_at=retry_at)


def due_recipients(
    config: Config, engine: Engine, now: datetime
) -> list[tuple[Recipient, datetime | None]]:
    """The recipients whose digest (or alert) is due now, with the slot each serves."""
    with transaction(engine) as s:
        states = {r.name: recipient_state(s, r.name, now) for r in config.recipients}
        out = []
        for r in config.recipients:
            st = states[r.name]
            due, slot = digest_due(
                now=now,
                schedule=r.schedule,
                at=r.time,
                day=r.day,
                zone=r.zone,
                every=r.every,
                quiet=r.quiet,
                # A new recipient gets the latest slot at once if it falls in the day
                # its first digest covers.
                start=st.created_at - FIRST_LOOKBACK,
                last_slot_at=st.last_slot_at,
                last_sent_at=st.last_sent_at,
                next_attempt_at=st.next_attempt_at,
            )
            if due:
                out.append((r, slot))
    return out


def run_due(config: Config, engine: Engine, now: datetime | None = None) -> list[DigestOutcome]:
    """Every digest due now, one recipient after another; one failing never stops the rest."""
    outcomes = []
    for r, slot in due_recipients(config, engine, now or utcnow()):
        outcomes.append(run_digest(config, engine, r, slot_at=slot))
    return outcomes


def run_now(
    config: Config, engine: Engine, names: Sequence[str] = (), *, dry_run: bool = False
) -> list[DigestOutcome]:
    """`monitor digest`: the chosen recipients (all without names), whatever their schedule."""
    chosen = [config.recipient(n) for n in names] if names else list(config.recipients)
    return [run_digest(config, engine, r, dry_run=dry_run) for r in chosen]
