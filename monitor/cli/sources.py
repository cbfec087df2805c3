"""How the monitor is doing: `monitor sources` (each source's health) and `monitor status`."""

from __future__ import annotations

import sys

import click

from monitor.cli.options import State, pass_state, reports_errors, table_json_csv


@click.command("sources")
@table_json_csv
@pass_state
@reports_errors
def sources(state: State, fmt: str) -> None:
    """Each source: state (ok, failing, broken), last success, last error, failures, next
    check, share of 304s, new articles per day over the last week, articles and hits."""
    from monitor.app import Monitor

    with Monitor.writer(state.config) as app:
        rows = app.sources()
    if fmt == "table":
        from monitor.render.tables import print_sources

        print_sources(rows)
    else:
        from monitor.render.formats import write_sources

        write_sources(rows, fmt, sys.stdout)


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
