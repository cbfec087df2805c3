"""robots.txt kept between crawls (table ``robots_txt``, migration 0011): a crawl asks the
store before the host, and keeps what the host answered (``monitor.crawl.robots``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from monitor.store.models import RobotsTxt
from monitor.store.upsert import insert_or_update

#: RFC 9309, 2.4: a crawler should not use a cached robots.txt for more than 24 hours.
MAX_AGE = timedelta(hours=24)
#: RFC 9309, 2.5: parsers must read at least the first 500 KiB; the rest is not kept.
MAX_BYTES = 500 * 1024


def fresh_robots(session: Session, host: str, now: datetime) -> bytes | None:
    """The host's robots.txt if fetched within ``MAX_AGE`` of ``now``, else None."""
    body: bytes | None = session.scalar(
        select(RobotsTxt.body).where(RobotsTxt.host == host, RobotsTxt.fetched_at > now - MAX_AGE)
    )
    return body


def fresh_robots_of(
    session: Session, hosts: Sequence[str], now: datetime, *, max_bytes: int
) -> dict[str, bytes | None]:
    """``fresh_robots`` of many hosts in one query: host -> its fresh copy, or None when it
    has none. A host whose copy is larger than ``max_bytes`` is left out (read on its own
    when needed): what the caller holds stays bounded."""
    if not hosts:
        return {}
    size = func.length(RobotsTxt.body)
    rows = session.execute(
        select(RobotsTxt.host, case((size <= max_bytes, RobotsTxt.body))).where(
            RobotsTxt.host.in_(list(hosts)), RobotsTxt.fetched_at > now - MAX_AGE
        )
    )
    found: dict[str, bytes | None] = dict.fromkeys(hosts)
    for host, body in rows:
        if body is None:
            del found[host]
        else:
            found[host] = body
    return found


class RobotsCopy(NamedTuple):
    """What a host answered for its robots.txt, and when."""

    host: str
    status: int
    body: bytes
    fetched_at: datetime


def save_robots(session: Session, copies: Iterable[RobotsCopy]) -> None:
    """Keep these copies (the last one of a host, if it comes twice), in one statement."""
    rows = {
        c.host: {
            "host": c.host,
            "status": c.status,
            "body": c.body[:MAX_BYTES],
            "fetched_at": c.fetched_at,
        }
        for c in copies
    }
    insert_or_update(session, RobotsTxt.__table__, ["host"], list(rows.values()))  # type: ignore[arg-type]


def prune_robots(session: Session, now: datetime) -> int:
    """Forget the copies too old to be used (hosts no source reaches any more stay out)."""
    result = session.execute(delete(RobotsTxt).where(RobotsTxt.fetched_at <= now - MAX_AGE))
    return int(getattr(result, "rowcount", 0) or 0)
