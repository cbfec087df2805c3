"""What the cluster's jobs are, as plain values: which crawl job a source belongs to, and the
locks that make each kind of work run once at a time across the cluster.

A crawl job covers one *host*: all the sources whose URL is on it, crawled in one Scrapy run
as the daemon would (its per-site limits apply), and two workers never crawl one host at
once, so a site sees the cluster as politely as it saw one daemon. The job asks the store
which of the host's sources are due when it runs, not when it was queued, so a source is
never crawled again before it is due, whoever queued it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from monitor.domain.urls import site_of

#: procrastinate queues: crawls (long, one or a few per worker) and the control work
#: (digests, chores: short) each with workers of their own, so a digest never waits for
#: a crawl to end.
CRAWL = "crawl"
CONTROL = "control"

#: The tasks, by their names in the queue.
CRAWL_HOST = "crawl_host"
SEND_DIGEST = "send_digest"
MAINTAIN = "maintain"

#: The cluster-wide chore in ``cluster_chores``.
DAILY = "daily"


def host_of(url: str) -> str:
    """The host a source's URL is on, as Scrapy's per-site limits see it (``www.`` folded)."""
    return site_of(urlsplit(url).hostname or "")


def by_host(sources: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """(name, URL) pairs -> each host's source names, in the order given."""
    out: dict[str, list[str]] = {}
    for name, url in sources:
        out.setdefault(host_of(url), []).append(name)
    return {h: tuple(names) for h, names in out.items()}


def crawl_lock(host: str) -> str:
    """One crawl of a host running (``lock``) and one waiting (``queueing_lock``)."""
    return f"crawl:{host}"


def digest_lock(recipient: str) -> str:
    return f"digest:{recipient}"


def chore_lock(name: str) -> str:
    return f"chore:{name}"
