"""The peer for feed-level work: the ``reader`` library (PyPI ``reader``) updating the same
feeds. Run with a Python that has ``reader`` (the runner makes a venv for it).

    python reader_peer.py --dir /tmp/newsweb --db /tmp/reader.sqlite [--workers 8]

The first run adds every feed of the manifest, then each run calls ``update_feeds()`` once:
reader keeps each feed's ETag / Last-Modified and sends them back, like the monitor. It does
not fetch article pages (a feed reader stores the entries). Prints one JSON line with the CPU
and wall time of ``update_feeds`` alone (after imports and opening the database).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from reader import make_reader


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--workers", type=int, default=8)
    args = p.parse_args()
    manifest = json.loads((args.dir / "manifest.json").read_text("utf-8"))
    port = manifest["params"]["port"]
    feeds = [f"http://{s['host']}:{port}{f['path']}" for s in manifest["sites"] for f in s["feeds"]]
    reader = make_reader(str(args.db))
    known = {f.url for f in reader.get_feeds()}
    for url in feeds:
        if url not in known:
            reader.add_feed(url)
    before = reader.get_entry_counts()
    cpu, wall = time.process_time(), time.monotonic()
    # scheduled=False: every feed now, not only those reader's own schedule says are due.
    results = list(reader.update_feeds_iter(workers=args.workers, scheduled=False))
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    after = reader.get_entry_counts()
    errors = sum(1 for r in results if r.error is not None)
    not_modified = sum(1 for r in results if r.error is None and r.not_modified)
    reader.close()
    print(json.dumps({
        "feeds": len(feeds), "errors": errors, "unchanged_results": not_modified,
        "entries_before": before.total, "entries_after": after.total,
        "update_cpu_s": round(cpu, 3), "update_wall_s": round(wall, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
