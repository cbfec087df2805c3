"""A bar chart of hits per day as inline SVG, drawn on the server: it shows without
JavaScript, and its text (dates, counts, the watchlist name) is escaped like any other."""

from __future__ import annotations

from markupsafe import Markup, escape

from monitor.query.stats import Series

WIDTH, HEIGHT, PAD = 720, 160, 24


def bar_chart(series: Series) -> Markup:
    """One bar per period, spikes in red, a title per bar for its date and count."""
    n = max(len(series.periods), 1)
    top = max((c for _, c in series.periods), default=0) or 1
    step = (WIDTH - 2 * PAD) / n
    bar = max(step - 1, 1)
    parts = []
    for i, ((day, count), spike) in enumerate(zip(series.periods, series.spikes, strict=True)):
        h = (HEIGHT - 2 * PAD) * count / top
        x, y = PAD + i * step, HEIGHT - PAD - h
        cls = "bar spike" if spike else "bar"
        label = f"{day.isoformat()}: {count} hits" + (" (spike)" if spike else "")
        parts.append(
            f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}</title></rect>"
        )
    first = series.periods[0][0].isoformat() if series.periods else ""
    last = series.periods[-1][0].isoformat() if series.periods else ""
    axis = (
        f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" '
        f'y2="{HEIGHT - PAD}"/>'
        f'<text x="{PAD}" y="{HEIGHT - 6}">{escape(first)}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" text-anchor="end">{escape(last)}</text>'
        f'<text x="{PAD}" y="{PAD - 8}">max {top} a day</text>'
    )
    title = escape(f"hits per day for {series.watchlist}")
    return Markup(
        f'<svg class="chart" role="img" aria-label="{title}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{title}</title>{axis}{''.join(parts)}</svg>"
    )
