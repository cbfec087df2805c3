"""Reading OPML (a feed reader's subscriptions export) for `monitor sources import`.

Parsed with defusedxml: a DTD, entity declarations and external references are refused, never
expanded or fetched. Outlines nest in folders to any depth (Feedly, Inoreader, NetNewsWire,
Miniflux, FreshRSS all export this way); a feed is an outline with ``xmlUrl``.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from monitor.domain.urls import is_web_url
from monitor.errors import MonitorError

MAX_OPML = 10 * 1024 * 1024


class OpmlError(MonitorError):
    """The OPML cannot be read: the message says why."""


@dataclass(frozen=True)
class OpmlFeed:
    title: str
    url: str
    folders: tuple[str, ...]  # the folders it is in, outermost first


def read_opml(data: bytes) -> list[OpmlFeed]:
    """Every feed of the document, in order, each URL once."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise OpmlError(f"refused: the OPML declares a DTD or entities ({exc})") from None
    except SafeET.ParseError as exc:
        raise OpmlError(f"not an OPML file: {exc}") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"not an OPML file: the document is <{_local(root.tag)}>")
    body = next((c for c in root if _local(c.tag) == "body"), None)
    out: dict[str, OpmlFeed] = {}
    if body is not None:
        _walk(body, (), out)
    return list(out.values())


def _walk(node: Element, folders: tuple[str, ...], out: dict[str, OpmlFeed]) -> None:
    for child in node:
        if _local(child.tag) != "outline":
            continue
        title = " ".join((child.get("title") or child.get("text") or "").split())
        url = (child.get("xmlUrl") or child.get("xmlurl") or "").strip()
        if url:
            if is_web_url(url):
                out.setdefault(url, OpmlFeed(title or url, url, folders))
        else:
            _walk(child, (*folders, title) if title else folders, out)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def load_opml(where: str, *, user_agent: str, timeout: float) -> bytes:
    """The bytes of an OPML file or http(s) URL, at most ``MAX_OPML``."""
    if where.startswith(("http://", "https://")):
        request = urllib.request.Request(where, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                data: bytes = r.read(MAX_OPML + 1)
        except (OSError, ValueError) as exc:
            raise OpmlError(f"cannot fetch {where}: {exc}") from None
    else:
        try:
            with Path(where).open("rb") as f:
                data = f.read(MAX_OPML + 1)
        except OSError as exc:
            raise OpmlError(f"cannot read {where}: {exc}") from None
    if len(data) > MAX_OPML:
        raise OpmlError(f"{where} is larger than {MAX_OPML} bytes")
    return data
