"""The command line: parse arguments, call the modules, print. Nothing else lives here."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor import __version__
from monitor.config import Config, load_config, parse_duration
from monitor.errors import MonitorError
from monitor.logs import setup_logging

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """A MonitorError becomes one clear line on stderr and its exit status, not a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


class Since(click.ParamType):
    """``2d``, ``12h``, ``30m``, a date ``2026-11-01`` or an ISO time; UTC unless given."""

    name = "since"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        if re.fullmatch(r"\d+(\.\d+)?\s*[smhdw]", text):
            return datetime.now(UTC) - timedelta(seconds=parse_duration(text))
        try:
            d = datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                f"{text!r}: give a duration like 2d or 12h, or a date like 2026-11-01", param, ctx
            )
        return d.replace(tzinfo=UTC) if d.tzinfo is None else d


class State:
    def __init__(self, config_path: str | None, verbose: bool) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


pass_state = click.make_pass_decorator(State)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "-c",
    "config_path",
    metavar="PATH",
    envvar="MONITOR_CONFIG",
    help="Configuration file. Default: $MONITOR_CONFIG, else ./monitor.toml, "
    "else the embedded default.",
)
@click.option("--verbose", "-v", is_flag=True, help="Debug logging, Scrapy's included.")
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """A self-hosted news monitor: watch news sites, catch the stories that match your
    watchlists, keep a clean archive and mail a daily digest.

    \b
    Try it offline:   monitor demo
    Run the daemon:   monitor run
    One crawl now:    monitor crawl
    See the hits:     monitor hits --since 2d
    """
    setup_logging(verbose)
    ctx.obj = State(config_path, verbose)


#: ``--format table|json|csv``, for commands that print one table.
table_json_csv = click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)


@cli.command()
@pass_state
@reports_errors
def run(state: State) -> None:
    """Run the daemon: crawl each source at its interval, send the digest daily."""
    from monitor.daemon import Daemon

    sys.exit(Daemon(state.config, verbose=state.verbose).run())


@cli.command()
@click.option(
    "--source",
    "-s",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Crawl only this source (repeatable). Default: every source.",
)
@click.option(
    "--due",
    is_flag=True,
    help="Only the sources whose interval has elapsed (for running from cron).",
)
@pass_state
@reports_errors
def crawl(state: State, sources: tuple[str, ...], due: bool) -> None:
    """Crawl once now, store new articles and hits, then print a summary.

    Exits 0 even when some sources failed: the summary names them and `monitor sources`
    keeps their last error.
    """
    from monitor.crawl.runner import run_crawl
    from monitor.output import print_crawl_summary

    config = state.config
    names = list(sources)
    for n in names:
        config.source(n)  # unknown names fail here, before anything starts
    if due:
        from monitor.store.engine import transaction
        from monitor.store.models import utcnow
        from monitor.store.open import open_store
        from monitor.store.repo import due_sources

        with transaction(open_store(config)) as s:
            names = due_sources(s, names or [x.name for x in config.sources], utcnow())
        if not names:
            click.echo("No source is due.", err=True)
            return
    summary = run_crawl(config, names, verbose=state.verbose)
    print_crawl_summary(summary)


@cli.command()
@click.option(
    "--recipient",
    "-r",
    "recipients",
    multiple=True,
    metavar="NAME",
    help="Only this recipient (repeatable; default: every recipient).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the digest (text part) without sending or marking anything sent.",
)
@click.option(
    "--preview",
    is_flag=True,
    help="Write the HTML digest to a file and print its path; nothing is sent or marked.",
)
@click.option(
    "--due",
    is_flag=True,
    help="Only recipients whose digest is due by their schedule (for running from cron).",
)
@pass_state
@reports_errors
def digest(
    state: State, recipients: tuple[str, ...], dry_run: bool, preview: bool, due: bool
) -> None:
    """Send the digests now: each recipient gets the hits of its watchlists it has not had.

    Without --due the schedules are not consulted. A failed delivery marks nothing: the
    hits go out with that recipient's next digest.
    """
    from monitor.digest.job import compose, run_due, run_now
    from monitor.store.open import open_store

    config = state.config
    if not config.recipients:
        raise click.UsageError(
            "no recipients are configured: add [digest] recipients = [...] or "
            "[[recipients]] tables to the configuration"
        )
    engine = open_store(config)
    if preview:
        for r in [config.recipient(n) for n in recipients] or list(config.recipients):
            click.echo(write_preview(compose(config, engine, r), r.name))
        return
    if due:
        outcomes = run_due(config, engine)
        if not outcomes:
            click.echo("No digest is due.", err=True)
    else:
        outcomes = run_now(config, engine, recipients, dry_run=dry_run)
    failed = False
    for o in outcomes:
        if o.status == "empty":
            click.echo(f"{o.recipient}: No new hits, nothing to send.", err=True)
        elif o.status == "dry-run":
            assert o.message is not None
            click.echo(f"Subject: {o.message['Subject']}\nRecipient: {o.recipient}\n")
            text = o.message.get_body(("plain",))
            click.echo(text.get_content() if text is not None else "")
            click.echo(f"(dry run: {o.hits} hits, nothing sent or marked)", err=True)
        elif o.status == "sent":
            click.echo(f"{o.recipient}: digest with {o.hits} hits delivered to {o.destination}")
        else:
            failed = True
            click.echo(
                f"error: {o.recipient}: digest not delivered: {o.error}\n"
                f"The {o.hits} hits stay unsent and go out with its next digest.",
                err=True,
            )
    if failed:
        sys.exit(1)


def write_preview(msg: EmailMessage, name: str) -> str:
    """The HTML part in a file of the data directory, for a browser."""
    from monitor.config import data_dir

    html = msg.get_body(("html",))
    target = data_dir() / "preview" / f"digest-{name}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html.get_content() if html is not None else "", encoding="utf-8")
    return str(target)


class Until(Since):
    """Like ``--since``; a bare date means the end of that day (``--until 2026-11-20``
    includes the 20th)."""

    name = "until"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        d = super().convert(value, param, ctx)
        if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
            d += timedelta(days=1)
        return d


def hit_filter_options(func: F) -> F:
    """The filters `monitor hits` and `monitor export` share (the web view has the same)."""
    options = [
        click.option(
            "--watchlist",
            "-w",
            "watchlists",
            multiple=True,
            metavar="NAME",
            help="Only this watchlist (repeatable).",
        ),
        click.option(
            "--source",
            "-s",
            "sources",
            multiple=True,
            metavar="NAME",
            help="Only this source (repeatable).",
        ),
        click.option(
            "--since",
            type=Since(),
            metavar="WHEN",
            help="Found since: 2d, 12h, or a date/time like 2026-11-01 (UTC).",
        ),
        click.option(
            "--until",
            type=Until(),
            metavar="WHEN",
            help="Found before: 2d (ago) or a date/time; a bare date includes that day.",
        ),
        click.option(
            "--term",
            "-t",
            "terms",
            multiple=True,
            metavar="TERM",
            help="Only hits where this term matched (repeatable: any of them).",
        ),
        click.option("--updated", is_flag=True, help="Only hits whose article was rewritten."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
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
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv"]),
    default="table",
    show_default=True,
)
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
    from monitor.query.commands import list_hits

    list_hits(state.config, fmt=fmt, limit=limit, after=after, **filters)


@cli.command()
@click.argument("ref", metavar="ID|URL")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_state
@reports_errors
def show(state: State, ref: str, fmt: str) -> None:
    """One article: its hits with snippets and match offsets, revisions, the URLs it was
    seen at and the other outlets' copies of its story. ID is the id column of `monitor
    hits`; any URL the article was seen at works too."""
    from monitor.query.commands import show_article

    show_article(state.config, ref, fmt)


@cli.command()
@click.option("--watchlist", "-w", "watchlists", multiple=True, metavar="NAME")
@click.option("--since", type=Since(), metavar="WHEN", help="From (default: 30d).")
@click.option("--until", type=Until(), metavar="WHEN", help="Until (default: now).")
@click.option("--by", "every", type=click.Choice(["day", "week"]), default="day", show_default=True)
@table_json_csv
@pass_state
@reports_errors
def stats(
    state: State,
    watchlists: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    every: str,
    fmt: str,
) -> None:
    """Hits per watchlist per day or week, with a sparkline, and per source. A spike (a day
    far above the watchlist's usual level over the 28 days before it) is marked."""
    from monitor.query.commands import print_hit_stats

    print_hit_stats(state.config, watchlists, since, until, every, fmt)


@cli.command()
@hit_filter_options
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default="jsonl",
    show_default=True,
)
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
    from monitor.query.commands import export_hits

    export_hits(state.config, fmt, output, **filters)


@cli.command()
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
    from monitor.query.commands import write_feed

    write_feed(state.config, watchlist, output, limit)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8080, show_default=True)
@pass_state
@reports_errors
def web(state: State, host: str, port: int) -> None:
    """A read-only web view of the archive: hits with filters and search, articles, trend
    charts, source health and Atom feeds. Listens on 127.0.0.1 unless told otherwise."""
    from monitor.web.serve import serve

    serve(state.config, host, port)


@cli.command()
@table_json_csv
@pass_state
@reports_errors
def sources(state: State, fmt: str) -> None:
    """Each source: state (ok, failing, broken), last success, last error, failures, next
    check, share of 304s, new articles per day over the last week, articles and hits."""
    from monitor.output import print_sources
    from monitor.store.engine import transaction
    from monitor.store.open import open_store
    from monitor.store.queries import source_rows

    config = state.config
    with transaction(open_store(config)) as s:
        rows = source_rows(
            s,
            [x.name for x in config.sources],
            broken_after=timedelta(seconds=config.daemon.broken_after),
        )
    print_sources(rows, fmt)


@cli.command()
@pass_state
@reports_errors
def status(state: State) -> None:
    """Whether the daemon runs, its last crawl cycles and digests, and what comes next."""
    from monitor.output import print_status
    from monitor.store.lock import daemon_running
    from monitor.store.open import open_store

    engine = open_store(state.config)
    print_status(state.config, engine, daemon_running(engine))


@cli.command()
@click.option(
    "--dir",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo keeps its database and outbox (default: 'demo' in the data directory).",
)
@pass_state
@reports_errors
def demo(state: State, target: Path | None) -> None:
    """Run the whole loop offline on a small news site served on 127.0.0.1."""
    from monitor.demo.run import run_demo

    sys.exit(run_demo(target, verbose=state.verbose))


@cli.group()
def watchlists() -> None:
    """Check watchlist queries and try them on the stored articles.

    \b
    The query language:
      Iran Russia             both (bare terms are ANDed)
      Iran OR Russia          either; OR binds looser than AND
      "drone strike"          a phrase, across any whitespace
      Iran -Iraq, NOT Iraq    exclusion
      (Iran OR Russia) drones parentheses
      Russia*                 a prefix: Russia, Russian, Russians
      NEAR/5(Iran, drones)    at most 5 words apart, either order
      title:Iran              only in the title (also summary:, text:)
      source:moscow-times     only from this source
      case:US                 exactly as written: not "us", not "Us"
      @iran                   a named list from [lists] in the configuration
    Matching is whole-word and accent-insensitive in any script. A term
    written with a capital (Iran, Turkey) matches capitalised text only
    (Iran, IRAN, Irán; not "irán", not "roast turkey"); in lower case
    (turkey) it matches any case.
    """


@watchlists.command("check")
@click.argument("query", required=False)
@pass_state
@reports_errors
def watchlists_check(state: State, query: str | None) -> None:
    """Check QUERY, or every watchlist of the configuration.

    A problem is shown with a caret under its column; exit status 2.
    """
    from monitor.matching import QueryError, parse_query

    config = state.config  # a bad watchlist query fails here, with its column marked
    if query is None:
        for w in config.watchlists:
            click.echo(f"ok  {w.name}: {w.query}")
        click.echo(
            f"{len(config.watchlists)} watchlists, {len(config.lists)} term lists: "
            "all queries parse."
        )
        return
    try:
        parse_query(query, config.lists)
    except QueryError as exc:
        click.echo(f"error: {exc}\n{exc.pointer(query)}", err=True)
        sys.exit(2)
    click.echo(f"ok  {query}")


@watchlists.command("test")
@click.argument("query")
@click.option(
    "--since",
    type=Since(),
    metavar="WHEN",
    help="Only articles first seen since: 7d, 12h, or a date.",
)
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Show at most N matching articles (newest first).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@pass_state
@reports_errors
def watchlists_test(state: State, query: str, since: datetime | None, limit: int, fmt: str) -> None:
    """Run QUERY against the stored articles: how many and which would match.

    Nothing is stored: this is a backtest before you add the query as a watchlist.
    It also counts the articles that have a capitalised term (Turkey) only in
    lower case ("roast turkey"), which it does not match, and shows the newest.
    """
    import json

    from monitor.backtest import backtest
    from monitor.matching import QueryError, parse_query
    from monitor.output import print_backtest
    from monitor.store.engine import transaction
    from monitor.store.open import open_store

    try:
        parse_query(query, state.config.lists)
    except QueryError as exc:
        click.echo(f"error: {exc}\n{exc.pointer(query)}", err=True)
        sys.exit(2)
    with transaction(open_store(state.config)) as s:
        result = backtest(s, query, state.config.lists, since=since, keep=limit)
    lower = result.lower_case_only
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "query": query,
                    "scanned": result.scanned,
                    "matched": result.matched,
                    "terms": result.terms,
                    "lower_case_only": {
                        "more": lower.more,
                        "fewer": lower.fewer,
                        "terms": lower.terms,
                        "articles": [
                            {
                                "term": term,
                                "url": a.url,
                                "title": a.title,
                                "source": a.source,
                                "first_seen": a.first_seen.isoformat(),
                                "snippet": snippet.text,
                            }
                            for term, (a, snippet) in lower.examples.items()
                        ],
                    },
                    "articles": [
                        {
                            "url": a.url,
                            "title": a.title,
                            "source": a.source,
                            "first_seen": a.first_seen.isoformat(),
                            "matched": list(h.matched),
                            "snippet": h.snippet.text,
                        }
                        for a, h in result.examples
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print_backtest(query, result, zone=state.config.digest.zone)


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_state
@reports_errors
def db_upgrade(state: State) -> None:
    """Migrate the database to this version's schema (back it up first)."""
    from monitor.store.engine import describe, make_engine
    from monitor.store.migrate import current_revision, head_revision, upgrade

    engine = make_engine(state.config.database_url)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    where = describe(state.config.database_url)
    if before == after:
        click.echo(f"{where} is up to date (revision {after}).")
    else:
        click.echo(
            f"{where} migrated from {before or 'empty'} to {after} (head {head_revision(engine)})."
        )
        # A migration may rebuild tables (SQLite) and lose their statistics with them.
        from monitor.store.maintenance import refresh_statistics

        click.echo(f"planner statistics refreshed in {refresh_statistics(engine):.1f} s.")


@db.command("analyze")
@pass_state
@reports_errors
def db_analyze(state: State) -> None:
    """Refresh the query planner's statistics (the daemon does it daily; run it from cron
    after big imports if you crawl without the daemon)."""
    from monitor.store.engine import describe, make_engine
    from monitor.store.maintenance import refresh_statistics

    engine = make_engine(state.config.database_url)
    seconds = refresh_statistics(engine)
    click.echo(f"{describe(state.config.database_url)}: statistics refreshed in {seconds:.1f} s.")


@db.command("status")
@pass_state
@reports_errors
def db_status(state: State) -> None:
    """Show the database URL and its schema revision."""
    from monitor.store.engine import describe, make_engine
    from monitor.store.migrate import current_revision, head_revision

    engine = make_engine(state.config.database_url)
    cur, head = current_revision(engine), head_revision(engine)
    click.echo(f"database: {describe(state.config.database_url)}")
    click.echo(
        f"revision: {cur or 'none (empty database)'}; this monitor needs {head}"
        + ("" if cur == head else " -> run: monitor db upgrade")
    )


def main() -> None:
    cli(prog_name="monitor")
