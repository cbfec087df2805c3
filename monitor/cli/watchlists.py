"""`monitor watchlists`: check queries, and try one on the stored articles."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from monitor.cli.options import State, output_format, pass_state, reports_errors, since_option


@click.group("watchlists")
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


def _parses(query: str, state: State) -> None:
    """Exit 2 with the problem and a caret under its column unless ``query`` parses."""
    from monitor.matching import QueryError, parse_query

    try:
        parse_query(query, state.config.lists)
    except QueryError as exc:
        click.echo(f"error: {exc}\n{exc.pointer(query)}", err=True)
        sys.exit(2)


@watchlists.command("check")
@click.argument("query", required=False)
@pass_state
@reports_errors
def watchlists_check(state: State, query: str | None) -> None:
    """Check QUERY, or every watchlist of the configuration.

    A problem is shown with a caret under its column; exit status 2.
    """
    config = state.config  # a bad watchlist query fails here, with its column marked
    if query is None:
        for w in config.watchlists:
            click.echo(f"ok  {w.name}: {w.query}")
        click.echo(
            f"{len(config.watchlists)} watchlists, {len(config.lists)} term lists: "
            "all queries parse."
        )
        return
    _parses(query, state)
    click.echo(f"ok  {query}")


@watchlists.command("test")
@click.argument("query")
@since_option("Only articles first seen since: 7d, 12h, or a date.")
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Show at most N matching articles (newest first).",
)
@output_format("table", "json")
@pass_state
@reports_errors
def watchlists_test(state: State, query: str, since: datetime | None, limit: int, fmt: str) -> None:
    """Run QUERY against the stored articles: how many and which would match.

    Nothing is stored: this is a backtest before you add the query as a watchlist.
    It also counts the articles that have a capitalised term (Turkey) only in
    lower case ("roast turkey"), which it does not match, and shows the newest.
    """
    from monitor.app import Monitor

    _parses(query, state)
    with Monitor.writer(state.config) as app:
        result = app.backtest(query, since=since, keep=limit)
    if fmt == "json":
        from monitor.render.formats import write_backtest

        write_backtest(query, result, sys.stdout)
    else:
        from monitor.render.tables import print_backtest

        print_backtest(query, result, zone=state.config.digest.zone)


COMMANDS = [watchlists]
