"""The templates' environment: autoescaped everywhere, with the few helpers they need."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.domain.urls import is_web_url
from monitor.matching.snippet import segments


def web_link(url: str | None) -> str | None:
    """The URL if it may be a link (http or https), else None: a ``javascript:`` or
    ``data:`` URL from a hostile feed is shown as text, never as an href."""
    return url if url and is_web_url(url) else None


def environment(zone: ZoneInfo | None) -> Environment:
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def when(d: datetime | None) -> str:
        if d is None:
            return ""
        return d.astimezone(zone).strftime("%Y-%m-%d %H:%M") if zone else d.isoformat()

    env.filters["when"] = when
    env.globals["web_link"] = web_link
    env.globals["marked"] = segments  # a snippet cut at its highlights
    env.globals["zone_name"] = str(zone) if zone else "UTC"
    return env
