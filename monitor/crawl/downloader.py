"""Scrapy's downloader with its per-site limit (``CONCURRENT_REQUESTS_PER_DOMAIN``, our
``[crawl] per_domain``) kept, once for the whole crawl.

Scrapy 2.19 under the asyncio reactor breaks the limit: when a response frees a slot,
``Downloader._process_queue`` pops queued requests while ``slot.free_transfer_slots()`` is
positive, but each popped request is counted as transferring only when its task first runs
(``_download`` adds it), after the loop. So every request queued for the site starts at once:
a site with ``per_domain = 2`` saw 6 article requests at once from one crawl (11 with its
feeds), and one daemon or one cluster worker was as impolite as that (issue #17). Counting
the request as transferring when its download is scheduled restores the limit; ``_download``
adds it again (a set) and removes it when the response is in.

And each source kind has its spider, each spider its crawler and downloader, with slots of
its own: a site with a feed and a section source got ``per_domain`` requests at once from
each. The downloaders' slots for one site now count the same requests in flight
(``CrawlContext.sites``), and a request that ends lets the other downloaders' queued
requests for the site go too. (Download delays, AutoThrottle's among them, stay per
downloader.)

A site's robots.txt is not one of its pages: the delay between requests to a site runs from
its last page, so its first page follows the file as soon as it is read, instead of a
delay later. That delay was AutoThrottle's start delay (1 s, give or take Scrapy's jitter;
AutoThrottle does not learn from the file's answer), before each site's first page in
every crawl that asks for the file: a cold crawl's cores idled through it at its start.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request, Spider
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from monitor.crawl.context import SiteSlots, context_for


def is_robots_txt(request: Request) -> bool:
    """Scrapy's robots.txt middleware's own request for a site's file."""
    return bool(request.meta.get("dont_obey_robotstxt")) and (
        urlparse_cached(request).path == "/robots.txt"
    )


class PoliteDownloader(Downloader):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        #: When each slot last sent a page (not its robots.txt), for the download delay.
        self._page_sent: dict[str, float] = {}

    def _get_slot(self, request: Request, spider: Spider | None = None) -> tuple[str, Slot]:
        key, slot = super()._get_slot(request)
        site = context_for(self.crawler).sites.setdefault(key, SiteSlots())
        if slot.transferring is not site.transferring:  # a new slot: nothing in flight yet
            slot.transferring = site.transferring
        site.slots[self] = slot
        return key, slot

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Any]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # now, before _process_queue looks at the slot again
        key: str = request.meta.get(self.DOWNLOAD_SLOT, "")
        if is_robots_txt(request):  # the delay runs from the site's last page
            slot.lastseen = self._page_sent.get(key, 0.0)
        else:  # _process_queue has just set it
            self._page_sent[key] = slot.lastseen
        return super()._wait_for_download(slot, request, queue_dfd)

    async def _download(self, slot: Slot, request: Request) -> Response:
        try:
            return await super()._download(slot, request)
        finally:  # Scrapy's own has freed the place and offered it to this downloader
            key: str = request.meta.get(self.DOWNLOAD_SLOT, "")
            site = context_for(self.crawler).sites.get(key)
            for downloader, other in list(site.slots.items()) if site else ():
                if downloader is not self:
                    downloader._process_queue(other)
