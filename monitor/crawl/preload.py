"""Imported once by the extraction pool's fork server, before it forks the workers.

Each worker needs trafilatura (with lxml, htmldate, justext and readability), our extraction
rules (``monitor.crawl.extract``, which imports trafilatura only when it first extracts, so
that the crawl process never does), the language model (about 75 MB: py3langid's tables)
and the signatures' permutations (numpy's random module). Loaded here, in the process the
workers are forked from, their pages are shared by every worker until written, instead of
loaded by each: until session 13 trafilatura was not, and each worker imported it with its
first page (50 ms, and its own copy; benchmarks/README.md). trafilatura's XPaths are
guarded (``monitor.crawl.xpath_guards``) and our parser made here too, once for all.
"""

from __future__ import annotations

import trafilatura  # noqa: F401  (with what it imports: htmldate, justext, its readability)

import monitor.crawl.pool  # noqa: F401  (the workers' own module, and the executor's)
from monitor.crawl import fallback, langcache, xpath_guards
from monitor.crawl.extract import html_parser  # our extraction rules
from monitor.crawl.tuning import reuse_page_sized_blocks, settle_collector
from monitor.domain import stories

fallback.install()
xpath_guards.install()
html_parser()
langcache.load()  # the language model, from the user's cache when it is there
stories.load_permutations()

reuse_page_sized_blocks()  # inherited by the workers, as what follows
settle_collector()
