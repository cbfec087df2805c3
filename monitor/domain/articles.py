"""An article as the crawl knows it (what the spiders yield and the store writes), and the
feed data of one it does not fetch."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from monitor.matching import Hit

# C0 controls but tab and newlines: feed text is hostile, and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None) -> str | None:
    return _CONTROL.sub("", value) if value else value


@dataclass(frozen=True)
class Analysis:
    """What an extraction worker computed for a sanitized article (``monitor.crawl.extract``):
    the store pipeline uses it instead of matching and signing the article itself."""

    hits: list[Hit]
    signature: bytes | None = None  # monitor.domain.stories.signature of the text


@dataclass(frozen=True)
class Snapshot:
    """An HTTP response as received: the body after transfer decoding (before any
    Content-Encoding is undone), the status line and headers, and when it was fetched."""

    url: str
    status: int
    reason: str
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime


@dataclass
class ArticleData:
    """What the crawl knows of one article, from the feed entry and/or the page."""

    source: str
    url: str  # the link as found in the feed or on the section page
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    published_at: datetime | None = None
    other_urls: list[str] = field(default_factory=list)  # redirect target, rel=canonical
    fetch_error: str | None = None
    feed_title: str | None = None  # the headline the feed entry showed
    lang: str | None = None  # ISO 639-1 (monitor.domain.language); before it, Content-Language
    # The page as served, to archive (monitor.archive), when the article is kept as evidence.
    snapshot: Snapshot | None = field(default=None, repr=False)
    recheck_of: int | None = None  # a stored article fetched again (monitor.store.rechecks)
    # Hits from the extraction worker; None: the pipeline matches the article itself.
    analysis: Analysis | None = field(default=None, repr=False)

    def sanitize(self) -> None:
        """Drop control characters before matching and storing (offsets then agree)."""
        self.title, self.summary = clean(self.title), clean(self.summary)
        self.text, self.feed_title = clean(self.text), clean(self.feed_title)

    def fields(self) -> dict[str, str | None]:
        return {"title": self.title, "summary": self.summary, "text": self.text}


@dataclass
class FeedItemSeen:
    """A feed lists an article this crawl does not fetch (stored already, or requested by
    another source): its headline and summary complete the stored article where it has
    none (one reached first through a section page), and it is matched again."""

    source: str
    url: str
    title: str | None
    summary: str | None


@dataclass(frozen=True)
class Rechecked:
    """A re-check that gave no page to store: not modified (or not fetched), or removed by
    the publisher (404/410, a redirect to the homepage) at ``seen_at``."""

    source: str
    article_id: int
    removed: bool
    seen_at: datetime
    why: str = ""
