"""gzip levels for the archive's records, on real pages: CPU and size (issue #19).

    python benchmarks/realweb/compression.py [--rounds 2]

Compresses each page of ``corpus.py``'s corpus as one gzip member with zlib (levels 1, 3,
6), ISA-L (python-isal, levels 0-3: what ``monitor.archive.warc`` uses) and, when it is
installed (``pip install zlib-ng``), zlib-ng (levels 1-3). Prints CPU ms and KB a page.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from isal import isal_zlib  # noqa: E402


def measure(name: str, module: ModuleType, level: int, pages: list[bytes]) -> None:
    started, size = time.process_time(), 0
    for page in pages:
        c = module.compressobj(level, module.DEFLATED, module.MAX_WBITS + 16)
        size += len(c.compress(page) + c.flush())
    ms = 1000 * (time.process_time() - started) / len(pages)
    print(f"{name:8} level {level}: {ms:5.2f} ms a page, {size / len(pages) / 1024:5.1f} KB")


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    pages = [page.html() for page in corpus.load()]
    candidates: list[tuple[str, ModuleType, tuple[int, ...]]] = [
        ("zlib", zlib, (1, 3, 6)),
        ("isal", isal_zlib, (0, 1, 2, 3)),
    ]
    try:
        from zlib_ng import zlib_ng

        candidates.append(("zlib-ng", zlib_ng, (1, 2, 3)))
    except ImportError:
        print("zlib-ng not installed: left out")
    print(f"{len(pages)} pages, {sum(map(len, pages)) / len(pages) / 1024:.0f} KB a page")
    for _ in range(args.rounds):
        for name, module, levels in candidates:
            for level in levels:
                measure(name, module, level, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
