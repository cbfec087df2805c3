"""What the commands share: the state on the click context, error reporting, and the options
that mean the same everywhere (times, hit filters, output formats)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import click

from monitor.config import Config, load_config
from monitor.domain.filters import HitFilter
from monitor.errors import MonitorError
from monitor.query.when import parse_when

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


class State:
    """The global options; the configuration is loaded when a command first asks for it."""

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


class Since(click.ParamType):
    """``2d``, ``12h``, ``30m``, a date ``2026-11-01`` or an ISO time; UTC unless given
    (:func:`monitor.query.when.parse_when`, as in the web view)."""

    name = "since"
    end = False

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_when(str(value), end=self.end)
        except MonitorError as exc:
            self.fail(str(exc), param, ctx)


class Until(Since):
    """Like ``--since``; a bare date means the end of that day (``--until 2026-11-20``
    includes the 20th)."""

    name = "until"
    end = True


def output_format(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """``--format/-f`` with the formats a command can write (the first is the default)."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(list(choices)),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )


def since_option(help: str) -> Callable[[F], F]:
    """``--since WHEN``, parsed as everywhere (:class:`Since`)."""
    return click.option("--since", type=Since(), metavar="WHEN", help=help)


def until_option(help: str) -> Callable[[F], F]:
    """``--until WHEN``; a bare date includes that day (:class:`Until`)."""
    return click.option("--until", type=Until(), metavar="WHEN", help=help)


#: ``--format table|json|csv``, for commands that print one table.
table_json_csv = output_format("table", "json", "csv")


#: ``--lang de`` (repeatable): articles in these languages, ISO 639-1 codes.
lang_option = click.option(
    "--lang",
    "langs",
    multiple=True,
    metavar="CODE",
    callback=lambda ctx, param, value: tuple(v.strip().lower() for v in value),
    help="Only articles in this language, an ISO 639-1 code like de (repeatable).",
)


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
        since_option("Found since: 2d, 12h, or a date/time like 2026-11-01 (UTC)."),
        until_option("Found before: 2d (ago) or a date/time; a bare date includes that day."),
        click.option(
            "--term",
            "-t",
            "terms",
            multiple=True,
            metavar="TERM",
            help="Only hits where this term matched (repeatable: any of them).",
        ),
        click.option("--updated", is_flag=True, help="Only hits whose article was rewritten."),
        click.option(
            "--removed", is_flag=True, help="Only hits whose article the publisher removed."
        ),
        lang_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def hit_filter(**options: Any) -> HitFilter:
    """The filter the options of :func:`hit_filter_options` (and `hits`' own) ask for."""
    return HitFilter(
        watchlists=tuple(options.get("watchlists") or ()),
        sources=tuple(options.get("sources") or ()),
        since=options.get("since"),
        until=options.get("until"),
        terms=tuple(options.get("terms") or ()),
        updated_only=bool(options.get("updated")),
        story=options.get("story"),
        per=options.get("per") or "copy",
        search=options.get("search"),
        sort=options.get("sort") or "time",
        langs=tuple(options.get("langs") or ()),
        removed=bool(options.get("removed")),
    )
