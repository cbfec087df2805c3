"""Imported once by the extraction pool's fork server, before it forks the workers.

Each worker needs trafilatura (with lxml), our extraction rules (``monitor.crawl.extract``)
and the language model (about 75 MB: py3langid's tables). Loaded here, in the process the
workers are forked from, their pages are shared by every worker until written, instead of
loaded by each (``monitor.crawl.pool``).
"""

from __future__ import annotations

import monitor.crawl.extract  # noqa: F401  (trafilatura, lxml and our extraction rules)
from monitor.domain import language

language.load_model()

try:  # glibc only: big blocks (page-sized: lxml's buffers) unmapped when freed
    import ctypes

    ctypes.CDLL("libc.so.6").mallopt(-3, 64 * 1024)  # M_MMAP_THRESHOLD
except (OSError, AttributeError):
    pass
