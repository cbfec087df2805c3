"""Main-text extraction with trafilatura, and the analysis that goes with it: what an
extraction worker does with a page (``monitor.crawl.pool`` runs it in worker processes).

trafilatura is not thread-safe (adbar/trafilatura#840, #925) and is the CPU bottleneck of a
crawl, so it runs in worker processes: both safe and the only way to use a second core.
The worker returns the article filled from the page, sanitized, with its hits and its story
signature, so the crawl process neither matches nor signs it again
(``monitor.crawl.pipelines``). The signature needs numpy only (``monitor.domain.stories``),
not datasketch and its scipy (about 40 MB a worker).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from monitor.crawl import boilerplate, fallback, layout, walls, xpath_guards
from monitor.domain import language, stories
from monitor.domain.articles import Analysis, ArticleData
from monitor.domain.language import normalize
from monitor.domain.times import parse_iso
from monitor.domain.urls import plausible_alias
from monitor.matching import Matcher

if TYPE_CHECKING:
    from lxml.html import HtmlElement, HTMLParser

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str | None
    published_at: datetime | None
    canonical_url: str | None
    declared_lang: str | None = None  # <html lang> or a meta tag, as written


_PUBLISHED_XPATH = (
    "//meta[@property='article:published_time' or @name='article:published_time' or "
    "@itemprop='datePublished' or @name='pubdate' or @name='date']/@content"
    " | //time[@datetime][1]/@datetime"
)
_CANONICAL_XPATH = "//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href"
# The page's declared language, most specific first: the root's lang, then meta tags.
_LANG_XPATH = (
    "/html/@lang | /html/@xml:lang"
    " | //meta[translate(@http-equiv,'CONTENTLANGUAGE','contentlanguage')"
    "='content-language']/@content"
    " | //meta[@name='language' or @name='dc.language' or @name='DC.language'"
    " or @property='og:locale']/@content"
)
# trafilatura's own limit (its Extractor's max_file_size), for the parse we do for it.
_MAX_FILE_SIZE = 20_000_000
# The C0 controls but tab, LF and CR: trafilatura's loader deletes them (not XML).
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 13))


def parse_page(html: bytes | str) -> HtmlElement | None:
    """The page's tree, as trafilatura's loader (``load_html``) makes it, and cheaper for
    the common page: UTF-8 without what the loader repairs goes to lxml as bytes, with
    trafilatura's parser's settings (``html_parser``), instead of being decoded, searched by
    a regular expression for characters XML forbids, and handed to lxml as a string (2.6
    against 3.7 ms a real page; the same tree on all 250 of fundus's). Anything else takes
    the loader's path."""
    from lxml.html import fromstring
    from trafilatura import utils

    if isinstance(html, bytes) and len(html) <= _MAX_FILE_SIZE and _plain(html):
        tree = fromstring(html, parser=html_parser())
        if tree is not None and len(tree) >= 1:
            return tree
    return utils.load_html(html, _MAX_FILE_SIZE)


@cache
def html_parser() -> HTMLParser:
    """trafilatura's HTML parser (``utils.HTML_PARSER``), but for the classes of the
    elements it gives: lxml.html's parser asks a Python function for the class of every
    element Python touches (``HtmlElementClassLookup.lookup``: about 3,600 calls a real page
    through trafilatura's extraction, 1 ms), to give forms and their fields classes of
    their own, which neither trafilatura nor we use. This one asks lxml's C lookup, which
    gives every element the ``HtmlElement`` class (benchmarks/README.md, session 14)."""
    from lxml import etree, html

    parser = html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
    )
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=html.HtmlElement,
            comment=html.HtmlComment,
            pi=html.HtmlProcessingInstruction,
            entity=html.HtmlEntity,
        )
    )
    return parser


def _plain(html: bytes) -> bool:
    """UTF-8 HTML the loader would pass to lxml unchanged: it begins as HTML, without a
    byte-order mark, a doctype naming a DTD (the loader removes it: a libxml2 bug) or a
    self-closing ``<html/>``, and holds no character XML forbids."""
    beginning = html[:50].lower()
    if html.startswith(b"\xef\xbb\xbf") or b"html" not in beginning:
        return False
    if b"doctype" in beginning and b"/" in html.partition(b">")[0]:
        return False
    if any(b"<html" in line and line.endswith(b"/>") for line in html[:4096].splitlines()[:4]):
        return False
    try:
        text = html.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # U+FFFE, U+FFFF: searched in the text (0.02 ms a real page), not the bytes (0.4 ms).
    if "\ufffe" in text or "\uffff" in text:
        return False
    return len(html.translate(None, _CONTROLS)) == len(html)


def _page_meta(tree: HtmlElement, url: str) -> tuple[str | None, datetime | None]:
    """The page's rel=canonical and its full publication timestamp (trafilatura keeps only
    the day). A canonical URL is kept only on the page's own site (a hostile page must not
    claim another site's article) and only when it can name this article
    (``plausible_alias``: not the site root, a section or a listing)."""
    found = tree.xpath(_PUBLISHED_XPATH)
    published = next((d for d in map(parse_iso, map(str, found)) if d), None)
    hrefs = tree.xpath(_CANONICAL_XPATH)
    href = str(hrefs[0]) if hrefs else None
    if not href:
        return None, published
    full = urljoin(url, href.strip())
    own = (urlsplit(url).hostname or "").removeprefix("www.")
    host = (urlsplit(full).hostname or "").removeprefix("www.")
    if urlsplit(full).scheme not in ("http", "https") or host != own:
        return None, published
    if not plausible_alias(full, url):
        log.info("implausible rel=canonical ignored url=%s canonical=%s", url, full)
        return None, published
    return full, published


def extract_article(html: bytes | str, url: str, *, find_date: bool = True) -> Extracted:
    """Title, main text, date and canonical URL of an article page (pure, CPU-bound).
    The text is without the boilerplate lines ``monitor.crawl.boilerplate`` recognises.

    The page is parsed once, as trafilatura's loader would (``parse_page``): our XPaths and
    trafilatura's title rules read that tree, then trafilatura extracts the text from it (on
    a copy, cheaper than a second parse). Of trafilatura's metadata only the title is used,
    and the date when the page has none of its own: its full metadata pass (authors, site
    name, tags, licence, and htmldate's search for a date) took about 40% of the
    extraction's CPU.
    ``find_date=False``: not even that search (the caller has a date)."""
    import trafilatura

    fallback.install()  # readability only where it can change the text
    xpath_guards.install()  # its XPaths rewritten to select the same, cheaper
    tree = parse_page(html)
    if tree is None:  # not HTML at all: trafilatura would find nothing either
        return Extracted(title=None, text=None, published_at=None, canonical_url=None)
    canonical, published = _page_meta(tree, url)
    declared = next((str(v) for v in tree.xpath(_LANG_XPATH) if normalize(str(v))), None)
    meta = _meta(tree)
    title = meta.title
    doc = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, include_tables=False, with_metadata=False
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if doc is None:
        title = None  # as with trafilatura's metadata: nothing extracted, nothing kept
    if title and text.startswith(title):  # the headline is kept as the title, not the text
        text = text[len(title) :].lstrip()
    if doc is not None:
        # The lead paragraph trafilatura dropped (a standfirst with its dateline) goes first;
        # lines that are links on the page (teasers, lists of headlines) go, and those of
        # boxes beside the story (an offer under it, a fold-out portrait of a person quoted).
        lead = layout.standfirst(text, html, meta.description)
        if lead:
            text = f"{lead}\n{text}" if text else lead
        text = layout.drop_links(text, tree)[0]
        text = layout.drop_boxes(text, tree)[0]
        text = layout.drop_author_note(text, meta.author)[0]
    # Follow/subscribe/"Read more" lines trafilatura left in: stored and matched without them.
    text = boilerplate.clean(text)
    if published is None and doc is not None and find_date:
        published = parse_iso(_trafilatura_date(tree, meta.url, url))
    return Extracted(
        title=title,
        text=text or None,
        published_at=published,
        canonical_url=canonical,
        declared_lang=declared,
    )


@dataclass(frozen=True)
class _Meta:
    """What trafilatura's reading of the meta tags gives us."""

    title: str | None
    url: str | None  # the URL the meta tags name (for the date's search)
    description: str | None  # og:description or description: the standfirst
    author: str | None  # one or more names ("A; B")


def _meta(tree: HtmlElement) -> _Meta:
    """The title as trafilatura's metadata gives it (meta tags, then JSON-LD, then the
    page's headings), with the URL, description and author its meta tags name."""
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
    from trafilatura.settings import Document

    meta = examine_meta(tree)
    if not meta.title:  # JSON-LD only fills a title the meta tags lack (and never the URL)
        try:
            meta = extract_meta_json(tree, meta)
        except Exception:  # trafilatura's own guard: its JSON-LD reader has bugs
            log.debug("JSON-LD metadata unreadable")
    doc = Document()
    doc.title = meta.title or extract_title(tree)
    doc.clean_and_trim()  # trafilatura's length limit and whitespace rules
    return _Meta(doc.title or None, meta.url, meta.description, meta.author)


def _trafilatura_date(tree: HtmlElement, meta_url: str | None, url: str) -> str | None:
    """The day htmldate finds, with the settings and URL trafilatura's metadata gives it
    (called last: it may change the tree)."""
    from htmldate import find_date
    from trafilatura.metadata import extract_url, set_date_params

    params = set_date_params(True)  # trafilatura's default: an extensive search
    params["url"] = meta_url or extract_url(tree, url)
    found: str | None = find_date(tree, **params)
    return found


def analyse_article(html: bytes, item: ArticleData, url: str, matcher: Matcher) -> ArticleData:
    """The article filled from its page (``url``: where the page was fetched), sanitized,
    with its language, the watchlists it matches and its story signature: what the store
    pipeline would otherwise compute in the crawl process.

    A bot or consent wall, or a page without article text, is no article: ``item`` comes
    back with the feed's data only (analysed as such), with that in ``fetch_error``
    (``monitor.crawl.walls``; a challenge is not extracted at all). Judged here, beside the
    extraction, not in the crawl process."""
    head = walls.page_head(html)
    if walls.challenge(html, head):
        item.fetch_error = walls.CHALLENGE
        return analyse_fields(item, matcher, item.lang)
    # htmldate's search for a page without a date in its meta tags (5 ms such a page) only
    # when the feed gave none: the feed's date comes first.
    found = extract_article(html, url, find_date=item.published_at is None)
    trouble = walls.text_trouble(head, found.text)
    if trouble:
        item.fetch_error = trouble
        return analyse_fields(item, matcher, item.lang)
    item.text = found.text or ""
    item.title = item.title or found.title  # the feed's headline comes first
    item.published_at = item.published_at or found.published_at
    if found.canonical_url and plausible_alias(found.canonical_url, item.url):
        # Judged against the link too: a wall the link was redirected to names itself.
        item.other_urls.append(found.canonical_url)
    # item.lang: the response's Content-Language (the spider's), less specific than the page.
    return analyse_fields(item, matcher, found.declared_lang or item.lang)


def analyse_fields(item: ArticleData, matcher: Matcher, declared: str | None) -> ArticleData:
    """``item`` sanitized, with its language (``declared``: what the page or the response
    said), the watchlists it matches and its story signature. For an article with its page
    (above) and for one with the feed's headline and summary alone (a page that failed,
    a wall): in a worker, so the crawl process neither matches, signs nor loads the
    language model (about 75 MB)."""
    item.sanitize()
    item.lang = language.choose(item.text or item.summary or item.title, declared)
    item.analysis = Analysis(
        hits=matcher.match(item.fields(), source=item.source, lang=item.lang),
        signature=stories.signature(item.text),
    )
    return item
