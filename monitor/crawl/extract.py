"""Main-text extraction with trafilatura, in a process pool.

trafilatura is not thread-safe (adbar/trafilatura#840, #925) and is the CPU bottleneck of a
crawl, so it runs in worker processes: both safe and the only way to use a second core.
``workers = 0`` extracts inline (tests, tiny crawls).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str | None
    published_at: datetime | None
    canonical_url: str | None


_PUBLISHED_XPATH = (
    "//meta[@property='article:published_time' or @name='article:published_time' or "
    "@itemprop='datePublished' or @name='pubdate' or @name='date']/@content"
    " | //time[@datetime][1]/@datetime"
)


def _page_meta(html: bytes | str, url: str) -> tuple[str | None, datetime | None]:
    """The page's rel=canonical and its full publication timestamp (trafilatura keeps only
    the day). A canonical URL is kept only on the page's own site: a hostile page must not
    claim another site's article."""
    from parsel import Selector

    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    sel = Selector(text=text[:300_000])
    published = next((d for d in map(_date, sel.xpath(_PUBLISHED_XPATH).getall()) if d), None)
    href = sel.xpath("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href").get()
    if not href:
        return None, published
    full = urljoin(url, href.strip())
    own = (urlsplit(url).hostname or "").removeprefix("www.")
    host = (urlsplit(full).hostname or "").removeprefix("www.")
    if urlsplit(full).scheme not in ("http", "https") or host != own:
        return None, published
    return full, published


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def extract_article(html: bytes | str, url: str) -> Extracted:
    """Title, main text, date and canonical URL of an article page (pure, CPU-bound)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, include_comments=False, include_tables=False, with_metadata=True
    )
    title = (getattr(doc, "title", None) or None) if doc is not None else None
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if title and text.startswith(title):  # the headline is kept as the title, not the text
        text = text[len(title) :].lstrip()
    canonical, published = _page_meta(html, url)
    return Extracted(
        title=title,
        text=text or None,
        published_at=published or (_date(getattr(doc, "date", None)) if doc else None),
        canonical_url=canonical,
    )


def _warm_up() -> None:
    import trafilatura  # noqa: F401  (import once per worker, not per article)


class ExtractorPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            # spawn, not fork: the crawl process runs a reactor and threads.
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up
            )
        return self._pool

    async def extract(self, html: bytes, url: str) -> Extracted:
        if self.workers <= 0:
            return extract_article(html, url)
        for attempt in (1, 2):
            try:
                fut = self._executor().submit(extract_article, html, url)
                return await asyncio.wrap_future(fut)
            except BrokenProcessPool:
                # A worker died (out of memory, a crash in a C library): start a new pool.
                log.warning("extraction worker died url=%s attempt=%d", url, attempt)
                self.close()
        raise RuntimeError("extraction workers keep dying")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
