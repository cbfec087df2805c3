"""Print query results for people (a width-aware table) and for scripts (JSON, CSV)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.store.queries import HitRow, SourceRow


def _console(out: IO[str]) -> Console:
    # A pipe gets plain text at a generous width rather than 80 columns of wrapping.
    tty = out.isatty()
    return Console(
        file=out,
        highlight=False,
        soft_wrap=False,
        width=None if tty else 160,
        force_terminal=tty,
        no_color=not tty,
    )


def _when(d: datetime | None, zone: ZoneInfo | None = None) -> str:
    if d is None:
        return ""
    return d.astimezone(zone).strftime("%Y-%m-%d %H:%M") if zone else d.strftime("%Y-%m-%d %H:%M")


def snippet_text(row: HitRow) -> Text:
    text = Text(row.snippet)
    for start, end in row.highlights:
        text.stylize("bold yellow", start, end)
    return text


def print_sources(rows: Sequence[SourceRow], fmt: str, out: IO[str] = sys.stdout) -> None:
    if fmt == "json":
        json.dump([r.as_dict() for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        names = list(rows[0].as_dict()) if rows else ["name"]
        w = csv.DictWriter(out, fieldnames=names)
        w.writeheader()
        for r in rows:
            w.writerow(r.as_dict())
        return
    table = Table(show_lines=False)
    for col in (
        "source",
        "kind",
        "state",
        "last success",
        "failures",
        "next check",
        "304s",
        "new/day",
        "articles",
        "hits",
        "last error",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = {"ok": "green", "failing": "yellow", "broken": "bold red"}.get(r.state, "")
        error = r.last_error if r.consecutive_failures else ""
        if r.fetch_url:
            error = (error + "\n" if error else "") + f"moved to {r.fetch_url}"
        share = f"{100 * r.share_304:.0f}%" if r.share_304 is not None else ""
        table.add_row(
            r.name,
            r.kind,
            Text(r.state, style=style),
            _when(r.last_success_at),
            str(r.consecutive_failures),
            _when(r.next_check_at),
            share,
            f"{r.per_day:.1f}",
            str(r.articles),
            str(r.hits),
            error or "",
        )
    _console(out).print(table)


def print_status(config: Any, engine: Any, running: str | None, out: IO[str] = sys.stdout) -> None:
    from datetime import UTC, datetime, timedelta

    from monitor.schedule import following_slot
    from monitor.store.deliveries import recipient_states
    from monitor.store.engine import describe, transaction
    from monitor.store.queries import recent_digests, recent_runs, source_rows

    now = datetime.now(UTC)
    with transaction(engine) as s:
        runs = recent_runs(s, 5)
        digests = recent_digests(s, 5)
        recipients = recipient_states(s, [r.name for r in config.recipients])
        sources = source_rows(
            s,
            [x.name for x in config.sources],
            now=now,
            broken_after=timedelta(seconds=config.daemon.broken_after),
            counts=False,
        )
    console = _console(out)

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    say(f"database: {describe(config.database_url)}")
    say(
        "daemon:   "
        + (f"running ({running})" if running else "not running (start it with `monitor run`)")
    )
    due = [r.next_check_at for r in sources if r.next_check_at]
    say("next crawl: " + (_when(min(due)) + " UTC" if due else "at once (never checked)"))
    if not config.recipients:
        say("digests: no recipients configured (add [[recipients]] or [digest] recipients)")
    for r in config.recipients:
        st = recipients.get(r.name)
        say(f"digest {r.name}: {r.describe()}")
        if r.schedule == "immediate":
            upcoming = "on new hits"
        else:
            nxt = following_slot(now, r.schedule, r.time, r.day, r.zone)
            upcoming = f"{_when(nxt, r.zone)} {r.timezone}"
        if st is not None and st.consecutive_failures:
            say(
                f"  FAILING ({st.consecutive_failures}x) since {_when(st.last_error_at)} UTC: "
                f"{st.last_error}; next try {_when(st.next_attempt_at)} UTC"
            )
        say(
            f"  last sent: {_when(st.last_sent_at) + ' UTC' if st and st.last_sent_at else 'never'}"
            f"; next: {upcoming}"
        )
    states: dict[str, int] = {}
    for r in sources:
        states[r.state] = states.get(r.state, 0) + 1
    say("sources: " + ", ".join(f"{n} {k}" for k, n in sorted(states.items())))
    for r in sources:
        if r.state in ("failing", "broken"):
            say(f"  {r.state}: {r.name} since {_when(r.failing_since)}: {r.last_error}")
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
    for run in runs:
        table.add_row(
            str(run.id),
            _when(run.started_at),
            run.status,
            str(len(run.sources)),
            str(run.articles_new),
            str(run.hits_new),
            str(len(run.errors)),
        )
    console.print(table)
    for dg in digests:
        say(
            f"digest {dg.id} to {dg.recipient or '(all)'} at {_when(dg.created_at)} UTC: "
            f"{dg.status}, {dg.hit_count} hits" + (f" ({dg.error})" if dg.error else "")
        )


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


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
            if t.error or t.article_errors or t.articles_new or t.hits_new or t.revised
        ]
    if rows or not short:
        table = Table(title=title)
        for col in ("source", "result", "entries", "fetched", "new articles", "new hits"):
            table.add_column(col, overflow="fold")
        for name, t in rows:
            result = Text(t.error, style="red") if t.error else Text("ok", style="green")
            if not t.error and t.article_errors:
                result = Text(f"ok, {t.article_errors} article pages failed", style="yellow")
            table.add_row(
                name,
                result,
                "" if t.entries is None else str(t.entries),
                str(t.new),
                str(t.articles_new),
                str(t.hits_new),
            )
        _console(out).print(table)
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


def _as_written(term: str) -> str:
    """A term as a query writes it: a phrase in quotes."""
    return f'"{term}"' if " " in term else term


def _print_lower_case_only(console: Console, lower: Any, shown: int = 5) -> None:
    """What the proper-noun rule left out (``backtest.LowerCaseOnly``): a count, the terms
    and the newest article of each, its lower-case occurrences highlighted."""
    if lower.more:
        terms = sorted(lower.terms.items(), key=lambda kv: -kv[1])
        more = f"{lower.more} more article{'s contain' if lower.more > 1 else ' contains'}"
        if len(terms) == 1:
            term = terms[0][0]
            what = (
                f'"{term.lower()}" only in lower case, which {_as_written(term)} does not '
                f"match: write {_as_written(term.lower())} to match"
            )
        else:
            counts = ", ".join(f"{t} {n}" for t, n in terms)
            what = (
                "a capitalised term only in lower case, which it does not match "
                f"({counts}): write the term in lower case to match"
            )
        console.print(
            f"{more} {what} {'them' if lower.more > 1 else 'it'}. Newest:",
            markup=False,
            highlight=False,
        )
        for term, _n in terms[:shown]:
            article, snippet = lower.examples[term]
            line = Text(f"  {term}: ")
            offset = len(line)
            line.append(snippet.text)
            for start, end in snippet.highlights:
                line.stylize("bold yellow", offset + start, offset + end)
            line.append(f"  ({article.source}: {article.title or article.url})", style="dim")
            console.print(line)
    if lower.fewer:
        fewer = f"{lower.fewer} matching article{'s contain' if lower.fewer > 1 else ' contains'}"
        console.print(
            f"{fewer} an excluded capitalised term only in lower case, which does not exclude "
            f"{'them' if lower.fewer > 1 else 'it'}: write the term in lower case to exclude "
            "any case.",
            markup=False,
            highlight=False,
        )


def print_backtest(
    query: str, result: Any, out: IO[str] = sys.stdout, zone: ZoneInfo | None = None
) -> None:
    console = _console(out)
    share = f" ({100 * result.matched / result.scanned:.1f}%)" if result.scanned else ""
    console.print(
        f"{query}: {result.matched} of {result.scanned} stored articles match{share}.",
        markup=False,
        highlight=False,
    )
    if result.terms:
        console.print(
            "by term: "
            + ", ".join(f"{t} {n}" for t, n in sorted(result.terms.items(), key=lambda kv: -kv[1])),
            markup=False,
            highlight=False,
        )
    _print_lower_case_only(console, result.lower_case_only)
    if not result.examples:
        return
    table = Table(show_lines=True)
    table.add_column("first seen", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("title / link", ratio=2, overflow="fold")
    table.add_column("snippet", ratio=3)
    for article, hit in result.examples:
        title = Text(article.title or "(no title)", style="bold")
        title.append("\n" + article.url, style="dim")
        snippet = Text(hit.snippet.text)
        for start, end in hit.snippet.highlights:
            snippet.stylize("bold yellow", start, end)
        table.add_row(_when(article.first_seen, zone), article.source, title, snippet)
    console.print(table)
    if result.matched > len(result.examples):
        console.print(
            f"(showing the newest {len(result.examples)}; --limit N for more)",
            markup=False,
            highlight=False,
        )
