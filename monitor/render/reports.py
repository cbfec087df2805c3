"""Reports of what the monitor did and does: `monitor status`, the summary at the end of
`monitor crawl` and the outcome of `monitor digest`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from monitor.render.console import console, line, when

if TYPE_CHECKING:
    from monitor.app import Status
    from monitor.digest.job import DigestOutcome
    from monitor.store.cluster import ClusterStatus


def print_status(status: Status, out: IO[str] = sys.stdout) -> None:
    """The daemon, the next crawl, each recipient's digests, sources needing attention, the
    last crawl cycles and digests."""
    con = console(out)

    def say(text: str) -> None:
        con.print(text, markup=False, highlight=False)

    say(f"database: {status.database}")
    workers = status.cluster.workers if status.cluster else []
    say(
        "daemon:   "
        + (
            f"running ({status.daemon})"
            if status.daemon
            else "not running (the cluster's workers run instead)"
            if workers
            else "not running (start it with `monitor run`, or `monitor worker`s)"
        )
    )
    if status.cluster is not None:
        print_cluster(status.cluster, out)
    nxt = status.next_crawl
    say("next crawl: " + (when(nxt) + " UTC" if nxt else "at once (never checked)"))
    if not status.recipients:
        say("digests: no recipients configured (add [[recipients]] or [digest] recipients)")
    for rs in status.recipients:
        r, st = rs.recipient, rs.state
        say(f"digest {r.name}: {r.describe()}")
        upcoming = f"{when(rs.next_at, r.zone)} {r.timezone}" if rs.next_at else "on new hits"
        if st is not None and st.consecutive_failures:
            say(
                f"  FAILING ({st.consecutive_failures}x) since {when(st.last_error_at)} UTC: "
                f"{st.last_error}; next try {when(st.next_attempt_at)} UTC"
            )
        say(
            f"  last sent: {when(st.last_sent_at) + ' UTC' if st and st.last_sent_at else 'never'}"
            f"; next: {upcoming}"
        )
    states: dict[str, int] = {}
    for s in status.sources:
        states[s.state] = states.get(s.state, 0) + 1
    say("sources: " + ", ".join(f"{n} {k}" for k, n in sorted(states.items())))
    for s in status.attention:
        state, since, error = s.attention or (s.state, None, "")
        say(f"  {state}: {s.name} since {when(since)}: {error}")
    table = Table(title="last crawl cycles")
    for col in (
        "run",
        "started (UTC)",
        "status",
        "sources",
        "new articles",
        "new hits",
        "failed sources",
    ):
        table.add_column(col)
    for run in status.runs:
        table.add_row(
            str(run.id),
            when(run.started_at),
            run.status,
            str(len(run.sources)),
            str(run.articles_new),
            str(run.hits_new),
            str(len(run.errors)),
        )
    con.print(table)
    for dg in status.digests:
        say(
            f"digest {dg.id} to {dg.recipient or '(all)'} at {when(dg.created_at)} UTC: "
            f"{dg.status}, {dg.hit_count} hits" + (f" ({dg.error})" if dg.error else "")
        )


def print_cluster(cluster: ClusterStatus, out: IO[str] = sys.stdout) -> None:
    """The workers (one row per queue worker: each process has a crawl and a control one),
    the queue, and the jobs that failed in the last day."""
    con = console(out)

    def say(text: str) -> None:
        con.print(text, markup=False, highlight=False)

    processes = {(w.host, w.pid) for w in cluster.workers}
    wait = cluster.oldest_wait
    say(
        f"cluster:  {len(processes)} workers on {len({h for h, _ in processes})} hosts; "
        f"queue: {cluster.waiting} waiting"
        + (f" (the oldest for {_seconds(wait.total_seconds())})" if wait is not None else "")
        + f", {cluster.running} running; failed in the last day: {len(cluster.failed)}"
    )
    if cluster.workers:
        table = Table(title="workers")
        for col in ("worker", "queue", "started (UTC)", "last heartbeat (UTC)", "running"):
            table.add_column(col)
        for w in cluster.workers:
            table.add_row(
                w.name,
                w.role,
                when(w.started_at),
                w.last_heartbeat.strftime("%Y-%m-%d %H:%M:%S"),
                ", ".join(w.jobs) or "-",
            )
        con.print(table)
    for f in cluster.failed:
        args = ", ".join(f"{k}={v}" for k, v in sorted(f.args.items()))
        say(f"  {f.status} at {when(f.at)} UTC: {f.task}({args})")


def _seconds(s: float) -> str:
    return f"{s:.0f}s" if s < 120 else f"{s / 60:.0f}m" if s < 7200 else f"{s / 3600:.1f}h"


#: Above this many sources the summary lists only those that failed or had news.
SUMMARY_ALL_SOURCES = 30


def print_crawl_summary(
    summary: Any, out: IO[str] = sys.stdout, all_sources: int = SUMMARY_ALL_SOURCES
) -> None:
    """The end of `monitor crawl`: one row per source, failures named. With many sources,
    only those that failed or had news get a row, and one line counts the others: a table
    of 1,200 quiet rows hid the news and took 0.6 s to print (benchmarks/README.md)."""
    title = (
        f"crawl run {summary.run_id}: {summary.articles_new} new articles, "
        f"{summary.hits_new} new hits in {summary.seconds:.1f}s"
    )
    rows = list(summary.sources.items())
    short = len(rows) > all_sources
    if short:
        rows = [
            (name, t)
            for name, t in rows
            if t.error
            or t.article_errors
            or t.articles_new
            or t.hits_new
            or t.revised
            or t.blocked
            or t.thin
        ]
    if rows or not short:
        table = Table(title=title)
        for col in ("source", "result", "entries", "fetched", "new articles", "new hits"):
            table.add_column(col, overflow="fold")
        for name, t in rows:
            result = Text(t.error, style="red") if t.error else Text("ok", style="green")
            problems = [
                f"{n} {what}"
                for n, what in (
                    (t.article_errors, "article pages failed"),
                    (t.blocked, "blocked by a wall"),
                    (t.thin, "thin"),
                )
                if n
            ]
            if not t.error and problems:
                result = Text("ok, " + ", ".join(problems), style="yellow")
            table.add_row(
                name,
                result,
                "" if t.entries is None else str(t.entries),
                str(t.new),
                str(t.articles_new),
                str(t.hits_new),
            )
        console(out).print(table)
    else:
        out.write(title + "\n")
    if short:
        fetched = sum(t.new for t in summary.sources.values())
        out.write(
            f"{len(summary.sources)} sources: {len(summary.errors)} failed, "
            f"{len(summary.sources) - len(rows)} ok with no news (not listed); "
            f"{fetched} article pages fetched.\n"
        )
    if summary.errors:
        out.write(
            f"{len(summary.errors)} of {len(summary.sources)} sources failed; "
            "`monitor sources` keeps their last error.\n"
        )
    if summary.store_errors:
        out.write(
            f"{summary.store_errors} items could not be stored (see the log); "
            "they are retried by the next crawl.\n"
        )


def print_digest_outcomes(
    outcomes: Sequence[DigestOutcome], out: IO[str] | None = None, err: IO[str] | None = None
) -> None:
    """What `monitor digest` did for each recipient: sent, nothing new, the text of a dry
    run, or why it failed (on ``err``, with what happens to its hits)."""
    out, err = out or sys.stdout, err or sys.stderr
    for o in outcomes:
        if o.status == "empty":
            line(err, f"{o.recipient}: No new hits, nothing to send.")
        elif o.status == "dry-run":
            assert o.message is not None
            line(out, f"Subject: {o.message['Subject']}\nRecipient: {o.recipient}\n")
            text = o.message.get_body(("plain",))
            line(out, text.get_content() if text is not None else "")
            line(err, f"(dry run: {o.hits} hits, nothing sent or marked)")
        elif o.status == "sent":
            line(out, f"{o.recipient}: digest with {o.hits} hits delivered to {o.destination}")
        else:
            line(
                err,
                f"error: {o.recipient}: digest not delivered: {o.error}\n"
                f"The {o.hits} hits stay unsent and go out with its next digest.",
            )
