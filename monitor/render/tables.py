"""The answers for people: width-aware tables of hits, sources, statistics and backtests,
and one article in full. Scripts get the same answers from :mod:`monitor.render.formats`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text

from monitor.render.console import console, highlighted, when

if TYPE_CHECKING:
    from rich.console import Console

    from monitor.backtest import Backtest, LowerCaseOnly
    from monitor.query.article import ArticleView
    from monitor.query.stats import Series
    from monitor.store.hits import ListedHit
    from monitor.store.sources import SourceRow

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
        if r.removed:
            title.append(f" (removed by the publisher {when(r.removed, zone)})", style="italic")
        if r.lang:
            title.append(f" [{r.lang}]", style="dim")
        title.append("\n" + r.url, style="dim")
        if per_story and r.copies > 1:
            title.append(f"\n+{r.copies - 1} other outlets", style="italic")
        found = when(r.created or r.first_seen, zone)
        snippet = highlighted(r.snippet, r.highlights)
        table.add_row(str(r.article_id), found, r.watchlist, r.source, title, snippet)
    console(out).print(table)


def print_article(a: ArticleView, out: IO[str] = sys.stdout, zone: ZoneInfo | None = None) -> None:
    con = console(out)

    def say(text: str | Text = "") -> None:
        con.print(text, markup=False, highlight=False)

    say(Text(a.title or "(no title)", style="bold"))
    say(a.url)
    say(
        f"article {a.id} from {a.source}; published {when(a.published, zone) or 'unknown'}, "
        f"first seen {when(a.first_seen, zone)}"
        + (f", changed {when(a.updated_at, zone)}" if a.updated_at else "")
        + (f"; language {a.lang}" if a.lang else "")
    )
    if a.removed_at:
        say(f"removed by the publisher: seen gone {when(a.removed_at, zone)}")
    if a.fetch_error:
        say(f"page not fetched: {a.fetch_error}")
    say()
    for h in a.hits:
        state = f"sent {when(h.sent_at, zone)}" if h.sent_at else "not sent yet"
        say(Text(f"hit on {h.watchlist}", style="bold") + Text(f" ({state})"))
        say("  matched: " + ", ".join(h.matched))
        where = [f"{m['term']} in {m['field']} {m['start']}-{m['end']}" for m in h.matches]
        say("  where: " + ", ".join(where))
        snippet = Text("  ")
        snippet.append_text(highlighted(h.snippet, h.highlights))
        say(snippet)
    if not a.hits:
        say("no hits")
    if a.revisions:
        say()
        say(Text("revisions", style="bold"))
        for r in a.revisions:
            say(f"  {when(r.seen_at, zone)}: {r.old_title!r} -> {r.new_title!r}")
    if a.snapshots:
        say()
        say(Text("snapshots (monitor show ID --raw: the latest)", style="bold"))
        for snap in a.snapshots:
            kept = (
                f"deleted by retention {when(snap.pruned_at, zone)}" if snap.pruned_at else "kept"
            )
            say(f"  {when(snap.fetched_at, zone)}  HTTP {snap.status}  {kept}  {snap.url}")
    say()
    say(Text("URLs seen", style="bold"))
    for u in a.aliases:
        say(f"  {u}")
    if a.copies:
        say()
        say(Text(f"other copies of this story: {len(a.copies)}", style="bold"))
        for c in a.copies:
            say(f"  {c.article_id}  {c.source}  {when(c.published, zone)}  {c.url}")


def print_stats(
    series: Sequence[Series],
    sources: Sequence[tuple[str, str, int]],
    every: str,
    out: IO[str] = sys.stdout,
    top: int = 10,
) -> None:
    """Hits per watchlist with a sparkline (spikes in red), then the busiest sources."""
    con = console(out)
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
    con.print(table)
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
        con.print(st)


#: A source's state, coloured.
STATE_STYLES = {"ok": "green", "failing": "yellow", "broken": "bold red"}


def print_sources(rows: Sequence[SourceRow], out: IO[str] = sys.stdout) -> None:
    table = Table(show_lines=False)
    for col in (
        "source",
        "kind",
        "state",
        "last success",
        "failures",
        "next check",
        "304s",
        "new/day",
        "articles",
        "hits",
        "found / last error",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        error = r.last_error if r.consecutive_failures else ""
        if r.fetch_url:
            error = (error + "\n" if error else "") + f"moved to {r.fetch_url}"
        notes = [n for n in (r.found, r.pages_note) if n]
        if notes:
            error = "\n".join([*notes, error] if error else notes)
        share = f"{100 * r.share_304:.0f}%" if r.share_304 is not None else ""
        table.add_row(
            r.name,
            r.kind,
            Text(r.state, style=STATE_STYLES.get(r.state, "")),
            when(r.last_success_at),
            str(r.consecutive_failures),
            when(r.next_check_at),
            share,
            f"{r.per_day:.1f}",
            str(r.articles),
            str(r.hits),
            error or "",
        )
    console(out).print(table)


def _as_written(term: str) -> str:
    """A term as a query writes it: a phrase in quotes."""
    return f'"{term}"' if " " in term else term


def _print_lower_case_only(con: Console, lower: LowerCaseOnly, shown: int = 5) -> None:
    """What the proper-noun rule left out (``backtest.LowerCaseOnly``): a count, the terms
    and the newest article of each, its lower-case occurrences highlighted."""
    if lower.more:
        terms = sorted(lower.terms.items(), key=lambda kv: -kv[1])
        more = f"{lower.more} more article{'s contain' if lower.more > 1 else ' contains'}"
        if len(terms) == 1:
            term = terms[0][0]
            what = (
                f'"{term.lower()}" only in lower case, which {_as_written(term)} does not '
                f"match: write {_as_written(term.lower())} to match"
            )
        else:
            counts = ", ".join(f"{t} {n}" for t, n in terms)
            what = (
                "a capitalised term only in lower case, which it does not match "
                f"({counts}): write the term in lower case to match"
            )
        con.print(
            f"{more} {what} {'them' if lower.more > 1 else 'it'}. Newest:",
            markup=False,
            highlight=False,
        )
        for term, _n in terms[:shown]:
            article, snippet = lower.examples[term]
            line = Text(f"  {term}: ")
            offset = len(line)
            line.append(snippet.text)
            for start, end in snippet.highlights:
                line.stylize("bold yellow", offset + start, offset + end)
            line.append(f"  ({article.source}: {article.title or article.url})", style="dim")
            con.print(line)
    if lower.fewer:
        fewer = f"{lower.fewer} matching article{'s contain' if lower.fewer > 1 else ' contains'}"
        con.print(
            f"{fewer} an excluded capitalised term only in lower case, which does not exclude "
            f"{'them' if lower.fewer > 1 else 'it'}: write the term in lower case to exclude "
            "any case.",
            markup=False,
            highlight=False,
        )


def print_backtest(
    query: str, result: Backtest, out: IO[str] = sys.stdout, zone: ZoneInfo | None = None
) -> None:
    con = console(out)
    share = f" ({100 * result.matched / result.scanned:.1f}%)" if result.scanned else ""
    con.print(
        f"{query}: {result.matched} of {result.scanned} stored articles match{share}.",
        markup=False,
        highlight=False,
    )
    if result.terms:
        con.print(
            "by term: "
            + ", ".join(f"{t} {n}" for t, n in sorted(result.terms.items(), key=lambda kv: -kv[1])),
            markup=False,
            highlight=False,
        )
    _print_lower_case_only(con, result.lower_case_only)
    if not result.examples:
        return
    table = Table(show_lines=True)
    table.add_column("first seen", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("title / link", ratio=2, overflow="fold")
    table.add_column("snippet", ratio=3)
    for article, hit in result.examples:
        title = Text(article.title or "(no title)", style="bold")
        title.append("\n" + article.url, style="dim")
        snippet = highlighted(hit.snippet.text, hit.snippet.highlights)
        table.add_row(when(article.first_seen, zone), article.source, title, snippet)
    con.print(table)
    if result.matched > len(result.examples):
        con.print(
            f"(showing the newest {len(result.examples)}; --limit N for more)",
            markup=False,
            highlight=False,
        )
