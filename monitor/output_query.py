"""Terminal output of the archive queries: the hit list as a table, one article in full, and
the hit statistics with sparklines. Scripts get JSON or CSV instead (monitor.writers)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import IO
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text

from monitor.output import _console, _when, snippet_text
from monitor.query.article import ArticleView
from monitor.query.stats import Series
from monitor.store.hits import ListedHit

SPIKE = "▲"


def print_hit_table(
    rows: Sequence[ListedHit], out: IO[str] = sys.stdout, zone: ZoneInfo | None = None
) -> None:
    """A width-aware table; the id column is what `monitor show` takes."""
    per_story = any(r.copies > 1 for r in rows)
    table = Table(show_lines=True, expand=False)
    table.add_column("id", no_wrap=True, justify="right")
    table.add_column("found", no_wrap=True)
    table.add_column("watchlist", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("title / link", ratio=2, overflow="fold")
    table.add_column("snippet", ratio=3)
    for r in rows:
        title = Text(r.title or "(no title)", style="bold")
        if r.updated:
            title.append(" (updated)", style="italic")
        title.append("\n" + r.url, style="dim")
        if per_story and r.copies > 1:
            title.append(f"\n+{r.copies - 1} other outlets", style="italic")
        found = _when(r.created or r.first_seen, zone)
        table.add_row(str(r.article_id), found, r.watchlist, r.source, title, snippet_text(r))
    _console(out).print(table)


def print_article(a: ArticleView, out: IO[str] = sys.stdout, zone: ZoneInfo | None = None) -> None:
    console = _console(out)

    def say(text: str | Text = "") -> None:
        console.print(text, markup=False, highlight=False)

    say(Text(a.title or "(no title)", style="bold"))
    say(a.url)
    say(
        f"article {a.id} from {a.source}; published {_when(a.published, zone) or 'unknown'}, "
        f"first seen {_when(a.first_seen, zone)}"
        + (f", changed {_when(a.updated_at, zone)}" if a.updated_at else "")
    )
    if a.fetch_error:
        say(f"page not fetched: {a.fetch_error}")
    say()
    for h in a.hits:
        state = f"sent {_when(h.sent_at, zone)}" if h.sent_at else "not sent yet"
        say(Text(f"hit on {h.watchlist}", style="bold") + Text(f" ({state})"))
        say("  matched: " + ", ".join(h.matched))
        where = [f"{m['term']} in {m['field']} {m['start']}-{m['end']}" for m in h.matches]
        say("  where: " + ", ".join(where))
        snippet = Text("  ")
        snippet.append_text(snippet_text(h))  # type: ignore[arg-type]
        say(snippet)
    if not a.hits:
        say("no hits")
    if a.revisions:
        say()
        say(Text("revisions", style="bold"))
        for r in a.revisions:
            say(f"  {_when(r.seen_at, zone)}: {r.old_title!r} -> {r.new_title!r}")
    say()
    say(Text("URLs seen", style="bold"))
    for u in a.aliases:
        say(f"  {u}")
    if a.copies:
        say()
        say(Text(f"other copies of this story: {len(a.copies)}", style="bold"))
        for c in a.copies:
            say(f"  {c.article_id}  {c.source}  {_when(c.published, zone)}  {c.url}")


def print_stats(
    series: Sequence[Series],
    sources: Sequence[tuple[str, str, int]],
    fmt: str,
    every: str,
    out: IO[str] = sys.stdout,
    top: int = 10,
) -> None:
    if fmt == "json":
        json.dump(
            {
                "every": every,
                "watchlists": [s.as_dict() for s in series],
                "sources": [{"source": s, "watchlist": w, "hits": n} for s, w, n in sources],
            },
            out,
            ensure_ascii=False,
            indent=2,
        )
        out.write("\n")
        return
    if fmt == "csv":
        w = csv.writer(out)
        w.writerow(["watchlist", "start", "hits", "spike"])
        for s in series:
            for (d, n), spike in zip(s.periods, s.spikes, strict=True):
                w.writerow([s.watchlist, d.isoformat(), n, int(spike)])
        return
    console = _console(out)
    first = series[0].periods[0][0] if series and series[0].periods else None
    last = series[0].periods[-1][0] if series and series[0].periods else None
    table = Table(title=f"hits per {every}, {first} to {last} (UTC)")
    for col in ("watchlist", "total", f"per {every}", "last", "spikes"):
        table.add_column(col, no_wrap=col != "spikes")
    for s in series:
        line = Text(s.sparkline)
        for i, spike in enumerate(s.spikes):
            if spike:
                line.stylize("bold red", i, i + 1)
        days = [d.isoformat() for (d, _), spike in zip(s.periods, s.spikes, strict=True) if spike]
        last_n = str(s.periods[-1][1]) if s.periods else ""
        table.add_row(
            s.watchlist, str(s.total), line, last_n, (SPIKE + " " + ", ".join(days)) if days else ""
        )
    console.print(table)
    if sources:
        by_source: dict[str, int] = {}
        for name, _, n in sources:
            by_source[name] = by_source.get(name, 0) + n
        st = Table(title=f"busiest sources (top {top})")
        st.add_column("source")
        st.add_column("hits", justify="right")
        st.add_column("by watchlist", overflow="fold")
        for name, n in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
            detail = ", ".join(f"{w} {c}" for s, w, c in sources if s == name)
            st.add_row(name, str(n), detail)
        console.print(st)
