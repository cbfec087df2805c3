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

FORMATS = ("table", "json", "csv")
HIT_CSV_FIELDS = [
    "id",
    "watchlist",
    "matched",
    "title",
    "url",
    "source",
    "published",
    "first_seen",
    "snippet",
    "sent_at",
]


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


def print_hits(
    rows: Sequence[HitRow], fmt: str, out: IO[str] = sys.stdout, zone: ZoneInfo | None = None
) -> None:
    if fmt == "json":
        json.dump([r.as_dict() for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        w = csv.DictWriter(out, fieldnames=HIT_CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            d = r.as_dict()
            d["matched"] = "; ".join(r.matched)
            w.writerow(d)
    else:
        table = Table(show_lines=True, expand=False)
        table.add_column("first seen", no_wrap=True)
        table.add_column("watchlist", no_wrap=True)
        table.add_column("source", no_wrap=True)
        table.add_column("title / link", ratio=2, overflow="fold")
        table.add_column("snippet", ratio=3)
        for r in rows:
            title = Text(r.title or "(no title)", style="bold")
            title.append("\n" + r.url, style="dim")
            table.add_row(_when(r.first_seen, zone), r.watchlist, r.source, title, snippet_text(r))
        _console(out).print(table)


def print_sources(rows: Sequence[SourceRow], fmt: str, out: IO[str] = sys.stdout) -> None:
    if fmt == "json":
        json.dump([r.as_dict() for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        fields = list(rows[0].as_dict()) if rows else ["name"]
        w = csv.DictWriter(out, fieldnames=fields)
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
        "articles",
        "hits",
        "next check",
        "last error",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = {"ok": "green", "failing": "red"}.get(r.state, "")
        error = r.last_error if r.consecutive_failures else ""
        table.add_row(
            r.name,
            r.kind,
            Text(r.state, style=style),
            _when(r.last_success_at),
            str(r.consecutive_failures),
            str(r.articles),
            str(r.hits),
            _when(r.next_check_at),
            error or "",
        )
    _console(out).print(table)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def print_crawl_summary(summary: Any, out: IO[str] = sys.stdout) -> None:
    """The end of `monitor crawl`: one row per source, failures named."""
    table = Table(
        title=f"crawl run {summary.run_id}: {summary.articles_new} new articles, "
        f"{summary.hits_new} new hits in {summary.seconds:.1f}s"
    )
    for col in ("source", "result", "entries", "fetched", "new articles", "new hits"):
        table.add_column(col, overflow="fold")
    for name, t in summary.sources.items():
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
