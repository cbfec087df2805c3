"""The evidence archive's size per 1,000 articles and the CPU cost of writing it, with the
pages of the real-page corpus (benchmarks/realweb/corpus.py).

    python benchmarks/evidence/archive.py [--articles 1000] [--batch 100]

Writes ``--articles`` response records (the corpus's pages in turn, with a typical set of
response headers) through ``monitor.archive.warc.ArchiveWriter`` as the store pipeline does
(a batch of records, then flush and fsync), twice: bodies served uncompressed, and bodies
served gzip-encoded (most news sites answer Scrapy's Accept-Encoding so; the archive keeps
them compressed, as sent). Gzipping the latter ahead of time is not counted.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "realweb"))

from corpus import load  # noqa: E402

from monitor.archive.warc import ArchiveWriter  # noqa: E402
from monitor.domain.articles import Snapshot  # noqa: E402

NOW = datetime(2026, 12, 4, tzinfo=UTC)
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Date", "Fri, 04 Dec 2026 00:00:00 GMT"),
    ("Server", "nginx"),
    ("Cache-Control", "max-age=60, public"),
    ("ETag", '"5f2b-1a2b3c4d5e6f"'),
    ("Last-Modified", "Thu, 03 Dec 2026 23:58:00 GMT"),
    ("Vary", "Accept-Encoding"),
    ("X-Cache", "HIT"),
    ("Strict-Transport-Security", "max-age=31536000"),
]


def run(bodies: list[bytes], n: int, batch: int, encoded: bool) -> tuple[int, float, float]:
    headers = [*HEADERS, ("Content-Encoding", "gzip")] if encoded else HEADERS
    snaps = [
        Snapshot(f"https://news.test/{i}", 200, "OK", "HTTP/1.1", headers, body, NOW)
        for i, body in ((i, bodies[i % len(bodies)]) for i in range(n))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        writer = ArchiveWriter(Path(tmp), lambda: NOW)
        cpu, wall = time.process_time(), time.perf_counter()
        for start in range(0, n, batch):
            writer.write(snaps[start : start + batch])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        writer.close()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    return size, cpu, wall


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    pages = [p.html() for p in load()]
    raw = sum(len(pages[i % len(pages)]) for i in range(args.articles))
    print(f"{args.articles} articles from {len(pages)} real pages, {raw / 1e6:.1f} MB of HTML")
    for encoded in (False, True):
        bodies = [gzip.compress(b, 6) for b in pages] if encoded else pages
        sent = sum(len(bodies[i % len(bodies)]) for i in range(args.articles))
        size, cpu, wall = run(bodies, args.articles, args.batch, encoded)
        per = 1000 / args.articles
        print(
            f"served {'gzip-encoded' if encoded else 'uncompressed'}: {sent / 1e6:.1f} MB sent, "
            f"archive {size * per / 1e6:.1f} MB per 1,000 articles; "
            f"CPU {cpu * 1000 / args.articles:.2f} ms per article "
            f"({cpu:.2f} s), wall {wall:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
