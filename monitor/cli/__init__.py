"""The command line: parse the arguments, call a use case (monitor.app, monitor.digest,
monitor.crawl), render the answer (monitor.render). One module per group of commands; this
one holds the group, its global options and ``main``."""

from __future__ import annotations

import click

from monitor import __version__
from monitor.cli import db, digest, evidence, query, run, sources, watchlists
from monitor.cli.options import State
from monitor.logs import setup_logging


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


for _module in (run, digest, query, sources, watchlists, db, evidence):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="monitor")
