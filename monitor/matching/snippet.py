"""Pure: what a hit records (terms, offsets) and its snippet: keyword in context around the
first match of the preferred field, cut at word boundaries, every match in it highlighted."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Fields in the order a snippet prefers them: body text gives the best context.
_SNIPPET_FIELDS = ("text", "summary", "title")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Match:
    term: str
    field: str
    start: int
    end: int


@dataclass(frozen=True)
class Snippet:
    """Plain text with the character ranges to highlight; rendering escapes it."""

    text: str
    highlights: tuple[tuple[int, int], ...]

    def segments(self) -> list[tuple[str, bool]]:
        """The snippet as (text, highlighted) pieces, ready for a template."""
        return segments(self.text, self.highlights)


def segments(text: str, highlights: Sequence[Sequence[int]]) -> list[tuple[str, bool]]:
    """``text`` cut into (text, highlighted) pieces at ``highlights``, for every renderer
    (digest, web view, terminal), each of which escapes the pieces its own way. Offsets read
    back from the store are not trusted: overlapping or out-of-range ones are skipped."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted((int(a), int(b)) for a, b in highlights):
        if start < at or end > len(text) or start >= end:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


@dataclass(frozen=True)
class Hit:
    watchlist: str
    matched: tuple[str, ...]  # distinct terms, in query order
    matches: tuple[Match, ...]
    snippet: Snippet


def make_snippet(
    matches: Sequence[Match], fields: Mapping[str, str | None], width: int = 220
) -> Snippet:
    """Keyword in context around the first match of the preferred field, cut at word
    boundaries, with every match inside the window highlighted. A hit without a text match
    (``source:x``) gets the opening of the article."""
    if not matches:
        for f in ("summary", "text", "title"):
            opening = " ".join((fields.get(f) or "").split())
            if opening:
                cut = opening[:width].rsplit(" ", 1)[0] if len(opening) > width else opening
                return Snippet(cut + ("…" if len(opening) > width else ""), ())
        return Snippet("", ())
    field = next(f for f in _SNIPPET_FIELDS if any(m.field == f for m in matches))
    text = fields.get(field) or ""
    in_field = sorted((m for m in matches if m.field == field), key=lambda m: m.start)
    first = in_field[0]
    room = max(0, width - (first.end - first.start))
    start = max(0, first.start - room // 3)
    end = min(len(text), first.end + room - (first.start - start))
    if start > 0:  # cut at a word boundary
        space = text.find(" ", start, first.start)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", first.end, end)
        end = space if space != -1 else end
    # Build the snippet piece by piece so whitespace can be collapsed without losing the
    # highlight offsets.
    pieces: list[tuple[str, bool]] = []
    pos = start
    for m in in_field:
        if m.start < pos or m.end > end:
            continue
        pieces.append((text[pos : m.start], False))
        pieces.append((text[m.start : m.end], True))
        pos = m.end
    pieces.append((text[pos:end], False))
    out = "…" if start > 0 else ""
    highlights = []
    for piece, marked in pieces:
        piece = _WS.sub(" ", piece)
        if marked:
            highlights.append((len(out), len(out) + len(piece)))
        out += piece
    if end < len(text):
        out += "…"
    return Snippet(out, tuple(highlights))
