"""How the monitor is doing and where its sources come from: `monitor sources` (each
source's health), `monitor sources discover|import|export`, and `monitor status`."""

from __future__ import annotations

import sys

import click

from monitor.cli.options import State, pass_state, reports_errors, table_json_csv


@click.group("sources", invoke_without_command=True)
@table_json_csv
@click.pass_context
@pass_state
@reports_errors
def sources(state: State, ctx: click.Context, fmt: str) -> None:
    """Each source: state (ok, failing, broken), last success, last error, failures, next
    check, share of 304s, new articles per day over the last week, articles and hits; what
    a site source found; pages blocked by a wall or thin.

    \b
    monitor sources discover URL   what a site offers, as [[sources]] to paste
    monitor sources import FILE    a feed reader's OPML as [[sources]]
    monitor sources export         the feeds read, as OPML
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.app import Monitor

    with Monitor.writer(state.config) as app:
        rows = app.sources()
    if fmt == "table":
        from monitor.render.tables import print_sources

        print_sources(rows)
    else:
        from monitor.render.formats import write_sources

        write_sources(rows, fmt, sys.stdout)


@sources.command("discover")
@click.argument("url")
@pass_state
@reports_errors
def discover(state: State, url: str) -> None:
    """What the site at URL offers (feeds its homepage announces, news sitemaps, else its
    homepage), as [[sources]] tables to paste, each with how it was found."""
    import asyncio
    from urllib.parse import urlsplit

    from monitor.crawl.discovery import discover as find
    from monitor.crawl.discovery import urllib_fetch
    from monitor.domain.urls import is_web_url
    from monitor.render.toml import SourceTable, sources_toml, unique_name

    if not is_web_url(url):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    crawl = state.config.crawl
    timeout = crawl.download_timeout.total_seconds()
    fetch = urllib_fetch(crawl.user_agent, timeout, obey_robots=crawl.robots_txt)
    found = asyncio.run(
        find(url, fetch, max_size=crawl.max_response_size, max_sitemap_size=crawl.max_sitemap_size)
    )
    offered = [f for f in found.findings if f.kind != "section" or f.used]
    if not offered:
        click.echo(
            f"note: nothing found at {url}: no feed, no news sitemap, no article links", err=True
        )
        for problem in found.errors[:5]:
            click.echo(f"note: {problem}", err=True)
        return
    host = (urlsplit(url).hostname or "site").removeprefix("www.")
    prefix = host.replace(".", "-") if host.replace(".", "").isdigit() else host.split(".")[0]
    taken = {s.name for s in state.config.sources}
    tables = []
    for f in offered:
        newest = f.newest.strftime("%Y-%m-%d %H:%M UTC") if f.newest else "no dates"
        comment = f"{f.kind}: {f.how}; {f.entries} entries, newest {newest}"
        comment += "; used" if f.used else "; lists no article the ones above do not"
        tables.append(
            SourceTable(unique_name(f"{prefix}-{f.kind}", taken), f.kind, f.url, [comment])
        )
    click.echo(f'# what {url} offers; site = "{url}" reads those marked "used"')
    click.echo(sources_toml(tables), nl=False)


@sources.command("import")
@click.argument("where", metavar="FILE|URL")
@click.option("--interval", default="30m", show_default=True, help="Each imported source's.")
@pass_state
@reports_errors
def import_(state: State, where: str, interval: str) -> None:
    """A feed reader's OPML export (FILE or URL) as [[sources]] tables to paste, one per feed,
    named after the outline titles. The configuration file is never edited."""
    from urllib.parse import urlsplit

    from monitor.config import parse_duration
    from monitor.crawl.opml import load_opml, read_opml
    from monitor.render.toml import SourceTable, sources_toml, unique_name

    try:
        parse_duration(interval)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--interval") from None
    crawl = state.config.crawl
    data = load_opml(
        where, user_agent=crawl.user_agent, timeout=crawl.download_timeout.total_seconds()
    )
    feeds = read_opml(data)
    if not feeds:
        click.echo(f"note: {where} lists no feeds", err=True)
        return
    taken = {s.name for s in state.config.sources}
    tables = [
        SourceTable(
            unique_name(f.title, taken, fallback=urlsplit(f.url).hostname or "feed"),
            "feed",
            f.url,
            [f"{f.title}" + (f" (in {' / '.join(f.folders)})" if f.folders else "")],
            interval,
        )
        for f in feeds
    ]
    click.echo(sources_toml(tables), nl=False)
    click.echo(f"note: {len(tables)} feeds from {where}", err=True)


@sources.command("export")
@pass_state
@reports_errors
def export(state: State) -> None:
    """OPML 2.0 of the feeds read: the feed sources, and the feeds site sources use."""
    from datetime import UTC, datetime

    from monitor.app import Monitor
    from monitor.render.opml import opml

    with Monitor.writer(state.config) as app:
        feeds = app.feeds()
    click.echo(opml(feeds, title="news-monitor feeds", now=datetime.now(UTC)), nl=False)


@click.command("status")
@pass_state
@reports_errors
def status(state: State) -> None:
    """Whether the daemon runs, its last crawl cycles and digests, and what comes next."""
    from monitor.app import Monitor
    from monitor.render.reports import print_status

    with Monitor.writer(state.config) as app:
        report = app.status()
    print_status(report)


COMMANDS = [sources, status]
