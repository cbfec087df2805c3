"""``[[sources]]`` tables as TOML to paste into a configuration (`monitor sources discover`
and `monitor sources import`): strings quoted by TOML's rules, names unique and valid."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_NOT_NAME = re.compile(r"[^a-z0-9_.-]+")


@dataclass(frozen=True)
class SourceTable:
    name: str
    kind: str  # the key the URL goes in: feed, sitemap, section, site
    url: str
    comments: Sequence[str] = ()
    interval: str | None = None


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def sources_toml(tables: Iterable[SourceTable]) -> str:
    out = []
    for t in tables:
        lines = [f"# {' '.join(c.split())}" for c in t.comments]
        lines += [
            "[[sources]]",
            f"name = {toml_string(t.name)}",
            f"{t.kind} = {toml_string(t.url)}",
        ]
        if t.interval:
            lines.append(f"interval = {toml_string(t.interval)}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def unique_name(title: str, taken: set[str], fallback: str = "source") -> str:
    """A source name from a title ("Le Monde — International" -> "le-monde-international"),
    not in ``taken`` (then added to it): "-2", "-3" ... as needed."""
    base = _NOT_NAME.sub("-", title.casefold()).strip("-._")[:56] or fallback
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name
