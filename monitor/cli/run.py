"""What runs: the daemon, a cluster's worker, one crawl, the web view's server, the offline
demo."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from monitor.cli.options import State, pass_state, reports_errors


@click.command("run")
@pass_state
@reports_errors
def run(state: State) -> None:
    """Run the daemon: crawl each source at its interval, send the digest daily."""
    from monitor.daemon import Daemon

    sys.exit(Daemon(state.config, verbose=state.verbose).run())


@click.command("worker")
@pass_state
@reports_errors
def worker(state: State) -> None:
    """Run one worker of a cluster: any number of them, on any machines, share one
    PostgreSQL store ([database] url) and the same configuration.

    Each worker crawls due sources (one crawl per host at a time across the cluster), sends
    due digests and runs the daily chores; the job queue in PostgreSQL makes each happen
    once, whichever worker notices it. Jobs of a worker gone silent for [cluster]
    stalled_after are taken over by another. SIGTERM or Ctrl-C: running jobs end, then it
    exits. If the database goes away the worker waits and reconnects.

    Refuses SQLite (use `monitor run`) and a store where `monitor run` is running.
    See docs/cluster.md.
    """
    import os

    from monitor.cluster.worker import ClusterWorker, worker_name
    from monitor.logs import setup_logging

    os.environ["MONITOR_WORKER"] = worker_name()  # in its log lines and its children's
    setup_logging(state.verbose)
    sys.exit(ClusterWorker(state.config, verbose=state.verbose).run())


@click.command("crawl")
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
    from monitor.render.reports import print_crawl_summary

    config = state.config
    names = list(sources)
    for n in names:
        config.source(n)  # unknown names fail here, before anything starts
    if due:
        from monitor.app import Monitor
        from monitor.store.models import utcnow

        with Monitor.writer(config) as app:
            names = app.due_sources(names or [x.name for x in config.sources], utcnow())
        if not names:
            click.echo("No source is due.", err=True)
            return
    summary = run_crawl(config, names, verbose=state.verbose)
    print_crawl_summary(summary)
    # The process ends now, its store closed and its archive written (a crawl runs once a
    # process). Its objects are moved out of the collector's reach, so that Python's
    # collections at exit do not walk them all: 0.4-0.5 s of CPU after a cold crawl of
    # 1,000 articles, 0.2 s of a warm one (each daemon cycle's crawl is such a process).
    gc.freeze()


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8080, show_default=True)
@pass_state
@reports_errors
def web(state: State, host: str, port: int) -> None:
    """A read-only web view of the archive: hits with filters and search, articles, trend
    charts, source health and Atom feeds. Listens on 127.0.0.1 unless told otherwise."""
    from monitor.web.serve import serve

    serve(state.config, host, port)


@click.command("demo")
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


COMMANDS = [run, worker, crawl, web, demo]
