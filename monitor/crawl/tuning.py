"""How the crawl process and the extraction workers use memory and Python's collector: they
live for one crawl, hold the same long-lived objects from start to end, and pass page-sized
buffers through by the thousand."""

from __future__ import annotations

import ctypes
import gc

# glibc's mallopt parameters, the size from which the crawl process maps blocks, and the
# extraction workers' settings.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_FROM = 64 * 1024
_WORKER_MMAP_FROM = 1024 * 1024
_WORKER_TRIM_FROM = 8 * 1024 * 1024
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
    return _mallopt((_M_MMAP_THRESHOLD, _MMAP_FROM))


def reuse_page_sized_blocks() -> bool:
    """For the extraction workers: glibc's malloc carves blocks up to 1 MB from the heap,
    and gives the heap's free top back beyond 8 MB.

    A worker's buffers live for one page (the page's pickle and text, lxml's trees) and
    little is allocated between them that outlives the page, so the next page reuses the
    space the last one freed. Mapped from 64 KB up, as in the crawl process, each buffer
    cost a map, the kernel's zeroing of its pages on first touch and an unmap: in cold
    crawls of the real-page web, alternated, the workers' CPU 0.6 s lower without (2.5%),
    for 10-17 MB more peak PSS of the tree; glibc's own dynamic threshold saved as much but
    held 25-37 MB more (benchmarks/README.md, session 14). False where the C library is
    not glibc."""
    return _mallopt((_M_MMAP_THRESHOLD, _WORKER_MMAP_FROM), (_M_TRIM_THRESHOLD, _WORKER_TRIM_FROM))


def _mallopt(*settings: tuple[int, int]) -> bool:
    try:
        libc = ctypes.CDLL("libc.so.6")
        return all([bool(libc.mallopt(param, value)) for param, value in settings])
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
