"""The naive baseline: one sequential script, requests + feedparser + trafilatura.

    python benchmarks/crawl/naive.py --dir /tmp/newsweb [--limit N]

Fetches every feed of the manifest in turn; for each entry whose link it has not seen yet in
this run, fetches the page and extracts it (the monitor's trafilatura call), one at a time,
in one process. No store, no conditional requests. ``--limit`` stops after N articles (the
rate is what is compared). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import feedparser
import requests
import trafilatura


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--limit", type=int)
    args = p.parse_args()
    manifest = json.loads((args.dir / "manifest.json").read_text("utf-8"))
    port = manifest["params"]["port"]
    feeds = [f"http://{s['host']}:{port}{f['path']}" for s in manifest["sites"] for f in s["feeds"]]
    started = time.monotonic()
    session = requests.Session()
    seen: set[str] = set()
    done = fetched_feeds = chars = 0
    for url in feeds:
        if args.limit and done >= args.limit:
            break
        parsed = feedparser.parse(session.get(url, timeout=30).content)
        fetched_feeds += 1
        for entry in parsed.entries:
            link = entry.get("link")
            if not link or link in seen:
                continue
            seen.add(link)
            page = session.get(link, timeout=30)
            doc = trafilatura.bare_extraction(
                page.content, url=link, include_comments=False, include_tables=False,
                with_metadata=True,
            )  # fmt: skip
            chars += len(doc.text or "") if doc is not None else 0
            done += 1
            if args.limit and done >= args.limit:
                break
    wall = time.monotonic() - started
    print(json.dumps({"feeds": fetched_feeds, "articles": done, "text_chars": chars,
                      "loop_wall_s": round(wall, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
