"""A digest run: unsent hits -> message -> delivery -> hits marked sent, in that order.

Hits are marked only after the server accepted the mail (or the .eml file was written), in
one transaction with the digest record. If delivery fails nothing is marked and the next run
carries them. (A crash in the instant between acceptance and that commit would send them
again: at-least-once, never lost.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import Engine

from monitor.config import Config
from monitor.digest.build import Attention, build_digest
from monitor.digest.render import build_message
from monitor.digest.send import deliver
from monitor.errors import DeliveryError
from monitor.store.engine import transaction
from monitor.store.models import utcnow
from monitor.store.queries import source_rows, story_copies, unsent_hits
from monitor.store.repo import record_digest

log = logging.getLogger("monitor.digest")


@dataclass(frozen=True)
class DigestOutcome:
    status: str  # sent | empty | failed | dry-run
    hits: int
    destination: str | None = None
    error: str | None = None
    message: EmailMessage | None = None


def run_digest(
    config: Config, engine: Engine, *, slot_at: datetime | None = None, dry_run: bool = False
) -> DigestOutcome:
    watchlists = [w.name for w in config.watchlists]
    with transaction(engine) as s:
        hits = unsent_hits(s, watchlists)
        copies = story_copies(s, [h.story_id for h in hits if h.story_id is not None])
        attention = [
            Attention(r.name, r.state, r.failing_since, r.last_error or "")
            for r in source_rows(
                s,
                [x.name for x in config.sources],
                broken_after=timedelta(seconds=config.daemon.broken_after),
            )
            if r.state in ("failing", "broken")
        ]
    recipients = list(config.digest.recipients)
    if not hits:
        log.info("digest has nothing new slot=%s", slot_at)
        if not dry_run:
            with transaction(engine) as s:
                record_digest(s, status="empty", slot_at=slot_at, recipients=recipients)
        return DigestOutcome("empty", 0)
    content = build_digest(hits, watchlists, utcnow(), copies, attention)
    msg = build_message(
        content, sender=config.digest.sender, recipients=recipients, zone=config.digest.zone
    )
    if dry_run:
        return DigestOutcome("dry-run", content.total, message=msg)
    if not recipients:
        error = "no recipients: set [digest] recipients in the configuration"
        with transaction(engine) as s:
            record_digest(s, status="failed", slot_at=slot_at, recipients=[], error=error)
        return DigestOutcome("failed", content.total, error=error)
    try:
        delivery = deliver(msg, config.digest, config.smtp)
    except DeliveryError as exc:
        log.error("digest not delivered hits=%d error=%s", content.total, exc)
        with transaction(engine) as s:
            record_digest(
                s, status="failed", slot_at=slot_at, recipients=recipients, error=str(exc)
            )
        return DigestOutcome("failed", content.total, error=str(exc))
    with transaction(engine) as s:
        record_digest(
            s,
            status="sent",
            slot_at=slot_at,
            recipients=recipients,
            hit_ids=content.hit_ids,
            destination=delivery.destination,
            message_id=str(msg["Message-ID"]),
            error=("refused: " + "; ".join(delivery.refused)) if delivery.refused else None,
        )
    log.info("digest sent hits=%d to=%s", content.total, delivery.destination)
    return DigestOutcome("sent", content.total, destination=delivery.destination, message=msg)
