"""`monitor evidence`: the pages kept as served (the WARC archive, monitor.archive)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from monitor.cli.options import State, hit_filter, hit_filter_options, pass_state, reports_errors
from monitor.errors import MonitorError


@click.group("evidence")
def evidence() -> None:
    """The archived pages of articles with hits (WARC files, for any WARC reader)."""


@evidence.command("export")
@hit_filter_options
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.warc.gz",
    required=True,
    help="The WARC file to write.",
)
@pass_state
@reports_errors
def evidence_export(state: State, output: Path, **filters: Any) -> None:
    """Write the archived pages of the articles of the matching hits (filters as `monitor
    hits`) as one WARC file: each response record byte for byte as archived, the first
    snapshot and any revision's. Hits whose page is not kept are counted on stderr."""
    from monitor.app import Monitor

    f = hit_filter(**filters)
    try:
        with Monitor.reader(state.config) as app, open(output, "wb") as out:
            result = app.export_evidence(f, out)
    except OSError as exc:
        raise MonitorError(f"cannot write {output}: {exc.strerror}") from None
    click.echo(
        f"{result.records} snapshots of {result.articles} articles written to {output}",
        err=True,
    )
    if result.without:
        click.echo(f"{result.without} articles have no snapshot kept", err=True)
    if result.gone:
        click.echo(f"{result.gone} snapshots' files are missing from the archive", err=True)


COMMANDS = [evidence]
