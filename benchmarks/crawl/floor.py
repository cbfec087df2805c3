"""The extraction floor: trafilatura alone over the generated article files, in a process pool.

    python benchmarks/crawl/floor.py --dir /tmp/newsweb [--workers 2] [--limit N]

The same call and options as the monitor (``trafilatura.bare_extraction(html, url=...,
include_comments=False, include_tables=False, with_metadata=True)``), each worker reading the
files itself: no network, no parsing of feeds, no store. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _extract(job: tuple[str, str]) -> int:
    import trafilatura

    path, url = job
    doc = trafilatura.bare_extraction(
        Path(path).read_bytes(),
        url=url,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
    )
    return len(doc.text or "") if doc is not None else 0


def _warm_up() -> None:
    import trafilatura  # noqa: F401


def jobs(root: Path, limit: int | None) -> list[tuple[str, str]]:
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    port = manifest["params"]["port"]
    hosts = {s["index"]: s["host"] for s in manifest["sites"]}
    out = [
        (str(root / "www" / hosts[a["site"]] / a["path"].lstrip("/")),
         f"http://{hosts[a['site']]}:{port}{a['path']}")
        for a in manifest["articles"].values()
    ]  # fmt: skip
    return out[:limit] if limit else out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int)
    args = p.parse_args()
    todo = jobs(args.dir, args.limit)
    ctx = multiprocessing.get_context("spawn")  # as the monitor's pool
    with ProcessPoolExecutor(args.workers, mp_context=ctx, initializer=_warm_up) as pool:
        list(pool.map(_extract, todo[: args.workers * 2]))  # workers started and warm
        started = time.monotonic()
        chars = sum(pool.map(_extract, todo, chunksize=8))
        wall = time.monotonic() - started
    out = {"articles": len(todo), "text_chars": chars, "extract_wall_s": round(wall, 2)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
