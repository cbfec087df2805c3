"""`monitor digest`: send, preview or dry-run the digests now."""

from __future__ import annotations

import sys
from email.message import EmailMessage

import click

from monitor.cli.options import State, pass_state, reports_errors


@click.command("digest")
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
    from monitor.render.reports import print_digest_outcomes
    from monitor.storeconfig import open_store

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
    print_digest_outcomes(outcomes)
    if any(o.status == "failed" for o in outcomes):
        sys.exit(1)


def write_preview(msg: EmailMessage, name: str) -> str:
    """The HTML part in a file of the data directory, for a browser."""
    from monitor.config import data_dir

    html = msg.get_body(("html",))
    target = data_dir() / "preview" / f"digest-{name}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html.get_content() if html is not None else "", encoding="utf-8")
    return str(target)


COMMANDS = [digest]
