"""The naive script a user would write first, in parallel: the baseline of issue #19.

    python benchmarks/crawl/naive_pool.py --dir DIR [--threads 8] [--workers 2] --terms Iran,Russia

Fetches the manifest's feeds and then their new article pages with ``requests`` in
``--threads`` threads (one ``requests.Session`` each), parses the feeds with feedparser,
and sends each page to a pool of ``--workers`` processes that run ``trafilatura.extract``
and one regular expression per keyword (``\\bTerm\\b``, case-sensitive, as a user's first
script would) over the title and text. No store, no conditional requests, no politeness
beyond the thread count. Prints one JSON line: articles, matches, the wall time of the loop.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import feedparser
import requests
import trafilatura

_PATTERNS: list[re.Pattern[str]] = []
_local = threading.local()


def _init(terms: list[str]) -> None:
    _PATTERNS[:] = [re.compile(rf"\b{re.escape(t)}\b") for t in terms]


def _extract(job: tuple[str, bytes]) -> tuple[int, int]:
    url, body = job
    text = trafilatura.extract(body, url=url, include_comments=False, include_tables=False)
    if not text:
        return 0, 0
    return len(text), sum(1 for p in _PATTERNS if p.search(text))


def _get(url: str) -> bytes:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session.get(url, timeout=30).content


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--dir", type=Path, required=True)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--terms", default="Iran,Russia", help="comma-separated keywords")
    args = p.parse_args()
    manifest = json.loads((args.dir / "manifest.json").read_text("utf-8"))
    port = manifest["params"]["port"]
    feeds = [f"http://{s['host']}:{port}{f['path']}" for s in manifest["sites"] for f in s["feeds"]]
    terms = [t for t in args.terms.split(",") if t]
    ctx = multiprocessing.get_context("spawn")
    started = time.monotonic()
    seen: set[str] = set()
    extracted: list[Future[tuple[int, int]]] = []
    with (
        ThreadPoolExecutor(args.threads) as fetch,
        ProcessPoolExecutor(
            args.workers, mp_context=ctx, initializer=_init, initargs=(terms,)
        ) as pool,
    ):

        def page(url: str) -> None:
            extracted.append(pool.submit(_extract, (url, _get(url))))

        pages = []
        for parsed in fetch.map(lambda u: feedparser.parse(_get(u)), feeds):
            for entry in parsed.entries:
                link = entry.get("link")
                if link and link not in seen:
                    seen.add(link)
                    pages.append(fetch.submit(page, link))
        for f in pages:
            f.result()
        results = [f.result() for f in extracted]
    wall = time.monotonic() - started
    print(
        json.dumps(
            {
                "feeds": len(feeds),
                "articles": len(results),
                "text_chars": sum(r[0] for r in results),
                "matches": sum(r[1] for r in results),
                "loop_wall_s": round(wall, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
