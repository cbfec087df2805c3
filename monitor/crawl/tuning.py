"""How the crawl process and the extraction workers use memory and Python's collector: they
live for one crawl, hold the same long-lived objects from start to end, and pass page-sized
buffers through by the thousand."""

from __future__ import annotations

import ctypes
import gc

# glibc's mallopt parameter and the size from which blocks are mapped.
_M_MMAP_THRESHOLD = -3
_MMAP_FROM = 64 * 1024
#: New objects between the collector's young passes (Python's default: 700).
YOUNG_OBJECTS = 10_000


def map_page_sized_blocks() -> bool:
    """Have glibc's malloc map blocks from 64 KB up on their own and unmap them when freed.

    Each article passes through the crawl process as a few buffers of its page's size (about
    100 KB: the body, its pickle to a worker). glibc raises its mmap threshold past such
    sizes after the first is freed (up to 32 MB), then carves them from the heap, where the
    small objects allocated between them keep the freed space from being returned: 50-80
    MB of the crawl process's heap was free but held after a few thousand articles
    (benchmarks/crawl/memprobe.py). A fixed threshold costs a map and unmap per buffer
    (tens of microseconds an article). False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM))
    except (OSError, AttributeError):
        return False


def settle_collector() -> None:
    """Everything made so far (modules, the crawlers, the context; in the fork server, what
    the workers inherit) lives until the process ends: frozen, the collector's full passes
    no longer walk it, and its young passes run every ``YOUNG_OBJECTS`` new objects. In a
    cold crawl of 1,000 real pages the crawl process's collections took 0.7 s of CPU, 0.2 s
    so (benchmarks/README.md, "Real pages, session 12")."""
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS)
