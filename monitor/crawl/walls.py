"""Pure: is an article page that answered 200 a bot or consent wall, or thin (issue #16)?

Walls come back as HTTP 200 (flairNLP/fundus#936), so they are told by content. A challenge
page (Cloudflare's "Just a moment...", DataDome, PerimeterX, Akamai) is a wall whatever its
text; a consent interstitial is one only when the page has no article text besides it
(consent banners also sit on ordinary articles). A page whose extracted text is empty, or
fewer than ``THIN_WORDS`` words, is thin. Neither is stored as an article: the feed item's
headline and summary are, and the page is tried again by a later crawl
(monitor.store.articles.MAX_FETCH_ATTEMPTS).
"""

from __future__ import annotations

import re

#: Markers of challenge pages, in the first bytes of the page (lower-cased). Plain substrings,
#: each found by ``in``: one case-insensitive regex of alternatives over 64 KB took 4-5 ms a
#: real page, most of the crawl process's time (benchmarks/README.md, "Real pages, real speed").
_CHALLENGE_MARKERS = (
    b"enable javascript and cookies to continue",
    b"/cdn-cgi/challenge-platform/",
    b"cf-browser-verification",
    b"cf_chl_opt",
    b"captcha-delivery.com",  # DataDome
    b"px-captcha",  # PerimeterX / HUMAN
    b"perimeterx",
    b"checking if the site connection is secure",
    b"checking your browser before accessing",
)
#: A challenge's title, tried where the (lower-cased) head has a <title>.
_CHALLENGE_TITLE = re.compile(
    rb"<title>\s*(?:just a moment\.\.\.|attention required!? \| cloudflare|"
    rb"access denied|please wait\.\.\.|are you a robot\??|pardon our interruption)\s*</title>"
)
#: Markers of consent interstitials (a page of its own, or a page hidden behind one).
_CONSENT_MARKERS = (
    b"consent.yahoo.com",
    b"consent.google.com",
    b"guce.",
    b"before you continue to",
    b"sp_message_container",
    b"sourcepoint",
    b"didomi",
    b"onetrust",
    b"usercentrics",
    b"quantcast choice",
    b"cookie consent",
    b"cookieconsent",
    b"we value your privacy",
    b"consentwall",
    b"consent-wall",
)
_GDPR = re.compile(rb"\bgdpr\b")
#: What the text of a consent interstitial is about, when trafilatura finds any.
_ABOUT_CONSENT = re.compile(r"cookie|consent|privacy|partners|personalis|personaliz", re.I)
#: Fewer words than this is no article: what trafilatura finds on an empty page is a stray
#: label ("Walls Daily", "Advertisement"), never empty.
THIN_WORDS = 10
#: Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer,
#: Burmese): there, two characters count as a word, so 788 characters of Japanese are an
#: article, not the one "word" ``split`` finds.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f]"
)
_SHORT = 1000  # characters: a consent dialog's text, not an article with a banner
_HEAD = 65536  # walls say what they are early; an article is not scanned to its end
BLOCKED = "Blocked"
THIN = "Thin"
CHALLENGE = f"{BLOCKED}: the page is a bot challenge (answered 200); tried again later"


def page_head(body: bytes) -> bytes:
    """What the checks read: the page's first bytes, lower-cased (made once a page)."""
    return body[:_HEAD].lower()


def challenge(body: bytes, head: bytes | None = None) -> bool:
    """A bot challenge, whatever else the page holds (``head``: ``body``'s, if made)."""
    head = page_head(body) if head is None else head
    if any(m in head for m in _CHALLENGE_MARKERS):
        return True
    at = head.find(b"<title>")
    while at >= 0:
        if _CHALLENGE_TITLE.match(head, at):
            return True
        at = head.find(b"<title>", at + 7)
    return False


def _consent(head: bytes) -> bool:
    return any(m in head for m in _CONSENT_MARKERS) or (
        b"gdpr" in head and _GDPR.search(head) is not None
    )


def page_trouble(body: bytes, text: str | None) -> str | None:
    """Why the page is not an article: "Blocked: ..." (a challenge, or a consent wall with
    no text), "Thin: ..." (no text), or None (an article)."""
    head = page_head(body)
    if challenge(body, head):
        return CHALLENGE
    return text_trouble(head, text)


def text_trouble(head: bytes, text: str | None) -> str | None:
    """``page_trouble`` of a page known to be no challenge, from its ``head`` (the
    extraction worker checks for a challenge before it extracts, then this after)."""
    text = (text or "").strip()
    thin = _words(text) < THIN_WORDS
    if not thin and len(text) >= _SHORT:  # an article, whether a banner sits on it or not
        return None
    consent = _consent(head)
    if not thin and not (consent and _ABOUT_CONSENT.search(text)):
        return None
    if consent:
        return f"{BLOCKED}: the page is a consent wall (no article text); tried again later"
    return f"{THIN}: no article text could be extracted from the page; tried again later"


def _words(text: str) -> int:
    words = len(text.split())
    if words >= THIN_WORDS:
        return words
    return words + len(_UNSPACED.findall(text)) // 2


def trouble_kind(fetch_error: str | None) -> str | None:
    """ "blocked" or "thin" for an article's fetch error made by ``page_trouble``."""
    if fetch_error and fetch_error.startswith(BLOCKED + ":"):
        return "blocked"
    if fetch_error and fetch_error.startswith(THIN + ":"):
        return "thin"
    return None
