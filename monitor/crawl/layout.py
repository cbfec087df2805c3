"""What the page's markup tells about its extracted text: lines that are links (teasers,
lists of other headlines, breadcrumbs), lines of boxes beside the story (offers, fold-out
panels), a note on the author, and a standfirst the extraction dropped.

``monitor.crawl.boilerplate`` reads the text alone, so it cannot tell an unlabelled list of
other headlines from a story's own bullet list ("- Facebook: fined 1.2 billion euros"): both
are short lines. The page can: the headlines are the text of ``<a>`` elements, the story's
points are not. Rules (``Dropped.rule`` names them):

- ``link-list``: a run of two or more bullet lines ("- ...", trafilatura's list items) of
  which at least two, and at least LINKED_SHARE of them, are links: an item is a link's
  text, or a link's text makes up at least LINKED_SHARE of it ("foxnews.com: <a>...</a>
  (Englisch)") or of what follows its kicker ("Öl-Tanker: <a>...</a>"). A breadcrumb's
  last item, the page itself, is no link and goes with the others. Two lists in a row are
  one run in the text: two or more links opening or closing a run go alone.
- ``link-line``: a line of LINK_LINE_WORDS words or more and at most MAX_LINK_LINE
  characters, not ending in ".", ",", ";" or ":" (a headline, not a sentence), that is the
  text of one link or part of it (a teaser card's headline, whose link also holds its
  kicker and standfirst), next to another line these rules drop: teasers come in rails and
  cards. Alone, such a line may be the story's own (a live blog's entry titled as the
  article it sums up, which a rail of the page links) and stays.
- ``source-list``: a bullet run that the page (or the text, on the line before it) labels
  as the sources the story used ("Verwendete Quellen", "Sources", "Fuentes": t-online,
  web.de and GMX put such a box under every story), whatever it links: "Eigene Recherchen",
  "nytimes.com: <a>...</a> (Englisch)". The label is the text of the element right before
  the list, one of ``SOURCE_LABELS``.
- ``author-note``: one of the text's last AUTHOR_NOTE_LINES lines, at most
  MAX_AUTHOR_NOTE characters, that names the page's author (``<meta name="author">`` or
  ``article:author``, a full name) within its first AUTHOR_NAME_WITHIN characters, after
  three words at most and no punctuation (a title), right before "is" in one of a few
  languages ("Der Berliner Imam Abdul Adhim Kamouss ist
  Gründer der Stiftung ...", "Jane Doe is a reporter covering ..."): the note on the author
  of a guest article. "Jane Doe said ..." stays.

Boxes beside the story, whose lines trafilatura keeps as prose (``drop_boxes``):

- ``offer-box``: the lines of a block of the page (at most MAX_BOX characters) headed by an
  offer: the element right before its first paragraph, or that paragraph when another
  follows, is a call to action (``boilerplate.is_call_to_action``: "2 Wochen kostenlos
  testen", "Sign up to our newsletter"). The pitch under it reads as prose ("Die Grenzen
  in Europa wurden bereits 1999 ... Nicht mit uns!"), and trafilatura drops the heading
  that says it is one.
- ``fold-out``: the lines of a panel that a heading's button opens and closes (WAI-ARIA's
  accordion: ``<h3><button aria-controls="ID" aria-expanded="...">``, the panel
  ``id="ID"``) or of a ``<details>`` element, at most MAX_BOX characters: a portrait of a
  person the story quotes ("... ist Senior Fellow bei der Münchner Sicherheitskonferenz"),
  a glossary entry, the story's sources. Tabs are not (buttons or links with
  ``aria-controls`` outside a heading): a page may show the story itself, or its summary,
  in one (Daily Maverick).

A line goes when it is at least MIN_BOX_LINE characters long and part of a box's text; and
only when the boxes' lines are at most MAX_BOX_SHARE of the text: more is the story itself
(an FAQ told in fold-out panels). The page's paragraphs, buttons and ``<details>`` are read
in one walk of the tree: about 0.4 ms a page on the real-page corpus, half of it the walk.

Links to a place in the page (an ``href`` with ``#``: a table of contents naming the
story's own subheadings) and anchors without ``href`` (``<a name>`` around a subheading) do
not count, nor do links shorter than two characters. The page's links are read (about 1 ms
for a real page's 190 links) only when the text has a bullet list or two such headline
lines together: on 78 of the 250 pages of the real-page corpus.

``standfirst``: news sites often show the article's summary (the meta description) as its
lead paragraph above the body, with a dateline ("Berlin. Die Ex-Grünen-Vorsitzende ..."),
where trafilatura's extraction leaves it out. When the text lacks the description's start,
the block of the page that shows it (at most MAX_STANDFIRST_EXTRA characters more than the
description: its dateline) is put before the text. Read from the page's bytes (below).

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

from monitor.crawl.boilerplate import Dropped, is_call_to_action

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: A list item is a link when links make up at least this share of its text; a list goes when
#: at least this share of its items are links.
LINKED_SHARE = 0.75
#: A line outside a list is a teaser's headline only with this many words ...
LINK_LINE_WORDS = 4
#: ... and at most this many characters (a story's paragraph is longer).
MAX_LINK_LINE = 150
#: A list item longer than this is prose, whatever it links.
MAX_LINK_ITEM = 250
#: A link longer than this (a whole card) holds a teaser line only up to this many times its
#: length: no line is looked for inside a page-long link.
MAX_CARD = 400
#: The block showing the standfirst may hold this many characters more than the description.
MAX_STANDFIRST_EXTRA = 60
#: An author's note at the end is at most this long.
MAX_AUTHOR_NOTE = 400
#: An author's note is looked for in this many last lines (a feedback address may follow).
AUTHOR_NOTE_LINES = 2
#: The author's name opens the note within this many characters ("Der Berliner Imam ...").
AUTHOR_NAME_WITHIN = 60
#: A description shorter than this is no standfirst ("News", the site's name).
MIN_STANDFIRST = 40

#: A box beside the story (an offer, a fold-out panel) holds at most this many characters ...
MAX_BOX = 1500
#: ... and its lines together at most this share of the text's characters.
MAX_BOX_SHARE = 0.5
#: A line shorter than this is not looked for in a box (a dateline, a name: anywhere).
MIN_BOX_LINE = 20

#: Places in the page's markup where the description's word is looked at, at most.
MAX_STANDFIRST_TRIES = 8
#: The standfirst's block element opens at most this many bytes before the word.
MAX_BLOCK_LEAD = 600

#: What a box listing the story's sources is headed with (lower case, without a colon).
SOURCE_LABELS = frozenset(
    {
        "verwendete quellen", "quellen", "quelle", "sources", "sources used", "source",
        "sources utilisées", "fuentes", "fuentes consultadas", "fonti", "источники",
    }
)  # fmt: skip

_BULLETS = ("- ", "• ", "* ")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_ASCII_WORD = re.compile(r"[A-Za-z]{4,}")
_IS = (" ist ", " is ", " est ", " es ", " è ", " é ", " är ", " er ", " jest ")
# The elements whose id is one of a space-separated list (the panels buttons control).
_PANELS = etree.XPath("//*[@id][contains($ids, concat(' ', @id, ' '))]")
# The opening tag of a block element (its name, lower or upper case).
_BLOCK_OPEN = re.compile(rb"<(div|p|h[1-6]|section|header|li|td|blockquote|figcaption)[\s>]", re.I)


def _norm(text: str) -> str:
    return " ".join(text.split())


class _Links:
    """The texts of the page's links (normalized), by length.

    Read only for a text with lines a rule may drop (about half the pages of the real-page
    corpus): walking the page's links costs about 0.7 ms (190 links a page), most of it
    their text. Looking only for links holding some long words of the lines (one XPath of
    ``contains()`` tests over the links' text nodes) was slower."""

    def __init__(self, tree: HtmlElement) -> None:
        texts: set[str] = set()
        for a in tree.iter("a"):
            href = a.get("href")
            if not href or "#" in href:  # a named anchor (a subheading), a jump link
                continue
            t = _norm(a.text_content())
            if len(t) >= 2:
                texts.add(t)
        self._texts = texts
        self._by_len = sorted((len(t), t) for t in texts)

    def covers(self, line: str) -> bool:
        """Whether ``line`` is a link's text, or a link's text makes up most of it."""
        if line in self._texts:
            return True
        n = len(line)
        lo = bisect_left(self._by_len, (int(n * LINKED_SHARE),))
        hi = bisect_left(self._by_len, (n,))
        return any(t in line for _, t in self._by_len[lo:hi])

    def within(self, line: str) -> bool:
        """Whether ``line`` is a link's text or part of one (a card's headline)."""
        if line in self._texts:
            return True
        n = len(line)
        lo = bisect_left(self._by_len, (n + 1,))
        hi = bisect_left(self._by_len, (max(MAX_CARD, 3 * n) + 1,))
        return any(line in t for _, t in self._by_len[lo:hi])


def _item(line: str) -> str | None:
    """A bullet line's text, without its mark."""
    s = line.lstrip()
    return _norm(s[2:]) if s.startswith(_BULLETS) else None


def _linked_item(item: str, links: _Links) -> bool:
    """A list item that is a link, or a kicker and a link ("Öl-Tanker: <a>Geisterschiffe
    durchbrechen US-Blockade</a>")."""
    if links.covers(item):
        return True
    kicker, sep, rest = item.partition(": ")
    return bool(sep) and len(kicker) <= len(rest) and links.covers(rest)


def drop_links(text: str, tree: HtmlElement) -> tuple[str, list[Dropped]]:
    """The text without the lines that are links on the page (rules above)."""
    lines = text.split("\n")
    n = len(lines)
    items = [_item(line) for line in lines]
    runs: list[tuple[int, int]] = []  # bullet runs that may be lists of links
    i = 0
    while i < n:
        if items[i] is None:
            i += 1
            continue
        j = i
        while j < n and items[j] is not None:
            j += 1
        run = items[i:j]
        if len(run) >= 2 and all(t is not None and len(t) <= MAX_LINK_ITEM for t in run):
            runs.append((i, j))
        i = j
    in_run = [False] * n
    for i, j in runs:
        in_run[i:j] = [True] * (j - i)
    short = [items[i] is None and _headline_like(lines[i]) for i in range(n)]
    # A teaser line needs a neighbour that may go too; other lines are not looked up.
    lone = [
        short[i]
        and (
            (i > 0 and (short[i - 1] or in_run[i - 1]))
            or (i + 1 < n and (short[i + 1] or in_run[i + 1]))
        )
        for i in range(n)
    ]
    if not runs and not any(lone):
        return text, []  # the fast path: the page's links are not read
    links = _Links(tree)
    rules: list[str | None] = [None] * n
    for i, j in runs:
        texts = [t for t in items[i:j] if t is not None]
        flags = [_linked_item(t, links) for t in texts]
        linked = sum(flags)
        if linked >= 2 and linked >= LINKED_SHARE * len(texts):
            rules[i:j] = ["link-list"] * (j - i)
            continue
        # a list of links right before or after the story's own list (one run in the text)
        head = next((k for k, f in enumerate(flags) if not f), len(flags))
        tail = next((k for k, f in enumerate(reversed(flags)) if not f), len(flags))
        if head >= 2:
            rules[i : i + head] = ["link-list"] * head
        if tail >= 2:
            rules[j - tail : j] = ["link-list"] * tail
        if not any(rules[i:j]) and i > 0 and _label(lines[i - 1]):
            rules[i - 1 : j] = ["source-list"] * (j - i + 1)
        elif not any(rules[i:j]) and _labelled_list(tree, texts[0]):
            rules[i:j] = ["source-list"] * (j - i)
    for i in range(n):
        if lone[i] and links.within(_norm(lines[i])):
            rules[i] = "link-line"
    for i, rule in enumerate(rules):  # a teaser line comes with another (cards, a rail)
        if rule == "link-line" and not ((i > 0 and rules[i - 1]) or (i + 1 < n and rules[i + 1])):
            rules[i] = None
    if not any(rules):
        return text, []
    dropped = [Dropped(line, rule) for line, rule in zip(lines, rules, strict=True) if rule]
    kept = [line for line, rule in zip(lines, rules, strict=True) if not rule]
    return "\n".join(kept).strip(), dropped


def drop_boxes(text: str, tree: HtmlElement) -> tuple[str, list[Dropped]]:
    """The text without the lines of boxes beside the story: offers, fold-out panels
    (rules above)."""
    texts: list[tuple[str, str]] = []
    for box, rule in _boxes(tree):
        shown = _norm(box.text_content().replace("\xad", ""))
        if MIN_BOX_LINE <= len(shown) <= MAX_BOX:
            texts.append((shown, rule))
    if not texts:
        return text, []
    lines = text.split("\n")
    rules: list[str | None] = [None] * len(lines)
    for i, line in enumerate(lines):
        t = _norm(line.replace("\xad", ""))
        if len(t) >= MIN_BOX_LINE:
            rules[i] = next((rule for shown, rule in texts if t in shown), None)
    gone = sum(len(line) for line, rule in zip(lines, rules, strict=True) if rule)
    if not gone or gone > MAX_BOX_SHARE * len(text):
        return text, []
    dropped = [Dropped(line, rule) for line, rule in zip(lines, rules, strict=True) if rule]
    kept = [line for line, rule in zip(lines, rules, strict=True) if not rule]
    return "\n".join(kept).strip(), dropped


def _boxes(tree: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """Blocks of the page headed by an offer, and fold-out panels: one walk of the tree
    (and one more for the panels a heading's button names, when there are such)."""
    out: list[tuple[HtmlElement, str]] = []
    panels: list[str] = []
    for el in tree.iter("p", "button", "details"):
        tag = el.tag
        if tag == "details":
            out.append((el, "fold-out"))
        elif tag == "button":
            parent = el.getparent()
            if parent is not None and parent.tag in _HEADINGS:
                panels += el.get("aria-controls", "").split()
        else:
            before = el.getprevious()
            while before is not None and not isinstance(before.tag, str):
                before = before.getprevious()  # a comment
            if before is not None and before.tag == "p":
                continue  # not a block's first paragraph
            after, box = el.getnext(), el.getparent()
            # its heading: the element before it, or itself, when a paragraph follows
            if box is not None and (
                (before is not None and _offer(before))
                or (after is not None and after.tag == "p" and _offer(el))
            ):
                out.append((box, "offer-box"))
    if panels:
        ids = f" {' '.join(panels)} "
        out += [(el, "fold-out") for el in _PANELS(tree, ids=ids)]
    return out


def _offer(el: HtmlElement) -> bool:
    """Whether the element's text is a short call to action (boilerplate's rules)."""
    raw = el.text_content()
    if len(raw) > 4 * MAX_LINK_LINE:  # (before the spaces of the markup go) a long block
        return False
    shown = _norm(raw)
    return 0 < len(shown) <= MAX_LINK_LINE and is_call_to_action(shown)


def _label(line: str) -> bool:
    return _norm(line).rstrip(":").lower() in SOURCE_LABELS


def _labelled_list(tree: HtmlElement, first: str) -> bool:
    """Whether the page's list whose first item reads ``first`` comes right after a label of
    ``SOURCE_LABELS`` (an XPath: the items are found in C, not walked in Python)."""
    for li in tree.xpath("//li[normalize-space(.)=$t]", t=first):
        listing = li.getparent()
        before = listing.getprevious() if listing is not None else None
        if before is not None and _label(before.text_content()):
            return True
    return False


def _headline_like(line: str) -> bool:
    """Short, of a few words, not ending like a sentence or a clause: what a teaser's
    headline looks like."""
    stripped = line.strip()
    return (
        0 < len(stripped) <= MAX_LINK_LINE
        and stripped.count(" ") + 1 >= LINK_LINE_WORDS
        and not stripped.endswith((".", ",", ";", ":"))
    )


def standfirst(text: str, html: bytes | str, description: str | None) -> str | None:
    """The page's standfirst when the text lacks it: the block of ``html`` (the page) that
    shows its ``description`` (with its dateline), or None.

    Read from the page's bytes, not its tree: a search of every text node of the tree cost
    about 1.3 ms a page. The description's longest ASCII word (the same in any encoding
    and without entities) is found in the body's markup (in C); the block element around
    it (a few hundred bytes) is parsed alone."""
    description = _norm(description or "")
    if len(description) < MIN_STANDFIRST:
        return None
    start = description[:MIN_STANDFIRST]
    if start in text or start in text.replace("\n", " "):
        return None
    words = _ASCII_WORD.findall(start)
    if not words:
        return None
    raw = html.encode() if isinstance(html, str) else html
    word = max(words, key=len).encode()
    at = raw.find(b"<body")
    for _ in range(MAX_STANDFIRST_TRIES):
        at = raw.find(word, at + 1)
        if at < 0:
            return None
        shown = _block_text(raw, at, len(description))
        if shown is not None and start in shown:
            return shown if len(shown) <= len(description) + MAX_STANDFIRST_EXTRA else None
    return None


def _block_text(raw: bytes, at: int, size: int) -> str | None:
    """The text of the block element around ``raw[at]``, when ``at`` is in text (not in a
    tag), the block opens at most MAX_BLOCK_LEAD bytes before it and closes (``size``: the
    description's length) soon after."""
    lead = max(0, at - MAX_BLOCK_LEAD)
    if not raw.rfind(b"<", lead, at) < raw.rfind(b">", lead, at):
        return None  # inside a tag (an attribute: the meta tags, an image's alt)
    opens = list(_BLOCK_OPEN.finditer(raw, lead, at))
    if not opens:
        return None
    m = opens[-1]
    end = raw.find(b"</" + m.group(1).lower() + b">", at)
    if end < 0 or end - at > 4 * size + MAX_BLOCK_LEAD:
        return None
    try:
        block = lxml.html.fragment_fromstring(
            raw[m.start() : end].decode("utf-8"), create_parent="div"
        )
    except (UnicodeDecodeError, etree.ParserError):
        return None
    return _norm(block.text_content().replace("\xad", ""))  # soft hyphens: words whole


def drop_author_note(text: str, author: str | None) -> tuple[str, list[Dropped]]:
    """The text without a note on its ``author`` (the page's, as its meta tags give it:
    "A; B" for two) in its last AUTHOR_NOTE_LINES lines (rule above)."""
    # Full names (not a desk, a site or the URL of a profile)
    names = [n for n in (_norm(a) for a in (author or "").split(";")) if " " in n and "/" not in n]
    if not names:
        return text, []
    lines = text.split("\n")
    tail = [i for i in range(len(lines) - 1, 0, -1) if lines[i].strip()][:AUTHOR_NOTE_LINES]
    for i in tail:
        line = lines[i].strip()
        if len(line) > MAX_AUTHOR_NOTE:
            continue
        for name in names:
            at = line.find(name)
            # "Jane Doe is ...", not "Jane Doe said ..."; before the name a title at most
            # ("Der Berliner Imam"), not a clause ("..., the minister replied that")
            if (
                0 <= at <= AUTHOR_NAME_WITHIN
                and line.startswith(_IS, at + len(name))
                and len(line[:at].split()) <= 3
                and not any(c in line[:at] for c in ",;:.")
            ):
                kept = lines[:i] + lines[i + 1 :]
                return "\n".join(kept).strip(), [Dropped(line, "author-note")]
    return text, []
