"""What every terminal renderer shares: a console on a stream, times, highlighted snippets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from monitor.matching.snippet import segments


def console(out: IO[str]) -> Console:
    # A pipe gets plain text at a generous width rather than 80 columns of wrapping.
    tty = out.isatty()
    return Console(
        file=out,
        highlight=False,
        soft_wrap=False,
        width=None if tty else 160,
        force_terminal=tty,
        no_color=not tty,
    )


def when(d: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``YYYY-MM-DD HH:MM`` in ``zone`` (as stored, UTC, without one); "" for None."""
    if d is None:
        return ""
    return d.astimezone(zone).strftime("%Y-%m-%d %H:%M") if zone else d.strftime("%Y-%m-%d %H:%M")


def highlighted(text: str, highlights: Sequence[Sequence[int]]) -> Text:
    """A snippet with its matches in bold yellow, cut where the web view and the digest cut
    it (:func:`monitor.matching.snippet.segments`)."""
    out = Text()
    for piece, marked in segments(text, highlights):
        out.append(piece, style="bold yellow" if marked else "")
    return out


def line(out: IO[str], text: str) -> None:
    """One line, flushed at once (as ``click.echo`` does), so stdout and stderr interleave
    in the order written."""
    out.write(text + "\n")
    out.flush()
