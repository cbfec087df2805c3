"""Scrapy's downloader with its per-site limit (``CONCURRENT_REQUESTS_PER_DOMAIN``, our
``[crawl] per_domain``) kept.

Scrapy 2.19 under the asyncio reactor breaks the limit: when a response frees a slot,
``Downloader._process_queue`` pops queued requests while ``slot.free_transfer_slots()`` is
positive, but each popped request is counted as transferring only when its task first runs
(``_download`` adds it), after the loop. So every request queued for the site starts at once:
a site with ``per_domain = 2`` saw 6 article requests at once from one crawl (11 with its
feeds), and one daemon or one cluster worker was as impolite as that (issue #17). Counting
the request as transferring when its download is scheduled restores the limit; ``_download``
adds it again (a set) and removes it when the response is in.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Any]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # now, before _process_queue looks at the slot again
        return super()._wait_for_download(slot, request, queue_dfd)
