"""`monitor db`: the schema and the planner's statistics."""

from __future__ import annotations

import click

from monitor.cli.options import State, pass_state, reports_errors


@click.group("db")
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


@db.command("maintain")
@pass_state
@reports_errors
def db_maintain(state: State) -> None:
    """The daily maintenance the daemon does: the planner's statistics, and the evidence
    archive's retention ([archive] keep and max_size; the oldest files first)."""
    from monitor.archive.retention import apply_retention
    from monitor.store.engine import describe, make_engine
    from monitor.store.maintenance import refresh_statistics
    from monitor.store.models import utcnow

    engine = make_engine(state.config.database_url)
    seconds = refresh_statistics(engine)
    click.echo(f"{describe(state.config.database_url)}: statistics refreshed in {seconds:.1f} s.")
    a = state.config.archive
    pruned = apply_retention(engine, a.dir, utcnow(), a.keep, a.max_size)
    click.echo(
        f"archive {a.dir}: {pruned.files} files deleted ({pruned.bytes / 1e6:.1f} MB), "
        f"{pruned.snapshots} snapshots marked deleted."
    )


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


COMMANDS = [db]
