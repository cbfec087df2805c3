"""Imported once by the extraction pool's fork server, before it forks the workers.

Each worker needs trafilatura (with lxml), our extraction rules (``monitor.crawl.extract``)
and the language model (about 75 MB: py3langid's tables). Loaded here, in the process the
workers are forked from, their pages are shared by every worker until written, instead of
loaded by each (``monitor.crawl.pool``).
"""

from __future__ import annotations

import monitor.crawl.extract  # noqa: F401  (trafilatura, lxml and our extraction rules)
from monitor.crawl.tuning import map_page_sized_blocks, settle_collector
from monitor.domain import language

language.load_model()

map_page_sized_blocks()  # inherited by the workers, as what follows
settle_collector()
