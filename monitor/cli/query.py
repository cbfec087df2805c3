"""The archive: `monitor hits`, `show`, `stats`, `export` and `feed`. Each opens the store
read-only (monitor.app.Monitor.reader), so a long export never holds up the daemon."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click

from monitor.cli.options import (
    State,
    hit_filter,
    hit_filter_options,
    lang_option,
    output_format,
    pass_state,
    reports_errors,
    since_option,
    table_json_csv,
    until_option,
)
from monitor.errors import MonitorError


def _nothing() -> None:
    click.echo("No hits match.", err=True)


def _more(cursor: str | None) -> None:
    if cursor:
        click.echo(f"(more: add --after {cursor})", err=True)


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as out:
            yield out
    except OSError as exc:
        raise MonitorError(f"cannot write {path}: {exc.strerror}") from None


@click.command("hits")
@hit_filter_options
@click.option(
    "--search",
    metavar="WORDS",
    help="Full-text search in the articles' titles and text (all words must appear).",
)
@click.option(
    "--per",
    type=click.Choice(["copy", "story"]),
    default="copy",
    show_default=True,
    help="One row per copy of a story (each outlet), or one per story (its first copy).",
)
@click.option("--story", type=int, metavar="ID", help="Only the copies of this story.")
@click.option(
    "--sort",
    type=click.Choice(["time", "relevance"]),
    default="time",
    show_default=True,
    help="Newest first, or best match first (relevance needs --search).",
)
@output_format("table", "json", "jsonl", "csv")
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=0),
    default=None,
    help="At most N hits (default: 50 for a table, all otherwise; 0 = all).",
)
@click.option(
    "--after",
    metavar="CURSOR",
    help="The next page: the cursor printed at the end of the previous one.",
)
@pass_state
@reports_errors
def hits(state: State, fmt: str, limit: int | None, after: str | None, **filters: Any) -> None:
    """List stored hits, newest first.

    A table shows 50 by default and prints the command for the next page; json, jsonl and
    csv stream every hit (jsonl in constant memory, for millions). An empty result exits 0
    with a note on stderr.
    """
    from monitor.app import Monitor
    from monitor.domain.filters import Cursor

    f = hit_filter(**filters)
    cursor = Cursor.decode(after) if after else None
    if limit is None:
        limit = 50 if fmt == "table" else 0
    with Monitor.reader(state.config) as app:
        if fmt == "table":
            from monitor.render.tables import print_hit_table

            page = app.hit_page(f, limit=limit, cursor=cursor)
            if not page.rows:
                _nothing()
                return
            print_hit_table(page.rows, zone=state.config.digest.zone)
            _more(page.next)
            return
        from monitor.render.formats import write_hits

        with app.hit_stream(f, limit=limit, cursor=cursor) as stream:
            n = write_hits(stream.rows, fmt, sys.stdout)
        if n == 0:
            _nothing()
        _more(stream.next)


@click.command("show")
@click.argument("ref", metavar="ID|URL")
@output_format("text", "json")
@click.option(
    "--raw",
    is_flag=True,
    help="Write the archived page as served (its latest snapshot's body) to standard output.",
)
@pass_state
@reports_errors
def show(state: State, ref: str, fmt: str, raw: bool) -> None:
    """One article: its hits with snippets and match offsets, revisions, the URLs it was
    seen at, its snapshots and the other outlets' copies of its story. ID is the id column
    of `monitor hits`; any URL the article was seen at works too."""
    from monitor.app import Monitor

    with Monitor.reader(state.config) as app:
        view = app.article(ref)
        if view is not None and raw:
            snap, page = app.archived_page(view.id)
            click.echo(f"{page.status_line} {snap.url} fetched {page.date}", err=True)
            sys.stdout.buffer.write(page.body)
            sys.stdout.flush()
            return
    if view is None:
        raise MonitorError(f"no stored article has the id or URL {ref!r}")
    if fmt == "json":
        from monitor.render.formats import write_article

        write_article(view, sys.stdout)
    else:
        from monitor.render.tables import print_article

        print_article(view, zone=state.config.digest.zone)


@click.command("stats")
@click.option("--watchlist", "-w", "watchlists", multiple=True, metavar="NAME")
@since_option("From (default: 30d).")
@until_option("Until (default: now).")
@click.option("--by", "every", type=click.Choice(["day", "week"]), default="day", show_default=True)
@lang_option
@table_json_csv
@pass_state
@reports_errors
def stats(
    state: State,
    watchlists: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    every: str,
    langs: tuple[str, ...],
    fmt: str,
) -> None:
    """Hits per watchlist per day or week, with a sparkline, and per source. A spike (a day
    far above the watchlist's usual level over the 28 days before it) is marked."""
    from monitor.app import Monitor

    with Monitor.reader(state.config) as app:
        answer = app.stats(watchlists, since, until, every=every, langs=langs)
    if fmt == "table":
        from monitor.render.tables import print_stats

        print_stats(answer.series, answer.sources, answer.every)
    else:
        from monitor.render.formats import write_stats

        write_stats(answer.series, answer.sources, answer.every, fmt, sys.stdout)


@click.command("export")
@hit_filter_options
@output_format("csv", "jsonl", default="jsonl")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write here instead of standard output.",
)
@pass_state
@reports_errors
def export(state: State, fmt: str, output: Path | None, **filters: Any) -> None:
    """Every hit with its match metadata (terms, offsets, story id), oldest first, for
    spreadsheets and notebooks. Streams: flat memory however many hits."""
    from monitor.app import Monitor
    from monitor.render.formats import write_export

    f = hit_filter(**filters)
    with Monitor.reader(state.config) as app, app.export(f) as rows, _output(output) as out:
        n = write_export(rows, fmt, out)
    click.echo(f"{n} hits exported" + (f" to {output}" if output else ""), err=True)


@click.command("feed")
@click.argument("watchlist", required=False)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the feed here (default: standard output).",
)
@click.option("--limit", "-n", type=click.IntRange(min=1), default=50, show_default=True)
@pass_state
@reports_errors
def feed(state: State, watchlist: str | None, output: Path | None, limit: int) -> None:
    """An Atom feed of the latest hits of WATCHLIST (default: all watchlists), for a feed
    reader. `monitor web` serves the same feeds."""
    from monitor.app import Monitor
    from monitor.render.atom import build_feed

    with Monitor.reader(state.config) as app:
        hits = app.feed(watchlist, limit)
    body = build_feed(hits, watchlist=watchlist, limit=limit)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(body)
    except OSError as exc:
        raise MonitorError(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"feed of {watchlist or 'all watchlists'} written to {output}", err=True)


COMMANDS = [hits, show, stats, export, feed]
