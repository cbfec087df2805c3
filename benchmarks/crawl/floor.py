"""The extraction floor: trafilatura alone over the generated article files, in a process pool.

    python benchmarks/crawl/floor.py --dir /tmp/newsweb [--workers 2] [--limit N] [--call monitor]

``--call trafilatura`` (the default, the floor of issue #8): trafilatura's own call with the
options the monitor uses, ``trafilatura.bare_extraction(html, url=..., include_comments=False,
include_tables=False, with_metadata=True)``, all of its metadata included. ``--call monitor``:
the monitor's extraction function (``monitor.crawl.extract.extract_article``: one parse, the
text, and of the metadata only the title, canonical URL and date), without matching or
signing. Each worker reads the files itself: no network, no parsing of feeds, no store.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout, for --call monitor


def _extract_monitor(job: tuple[str, str]) -> int:
    from monitor.crawl.extract import extract_article

    path, url = job
    return len(extract_article(Path(path).read_bytes(), url).text or "")


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
    sys.path.insert(0, str(ROOT))
    import trafilatura  # noqa: F401


def jobs(root: Path, limit: int | None) -> list[tuple[str, str]]:
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    port = manifest["params"]["port"]
    hosts = {s["index"]: s["host"] for s in manifest["sites"]}
    out = [
        (str(root / "www" / hosts[a["site"]] / a.get("file", a["path"]).lstrip("/")),
         f"http://{hosts[a['site']]}:{port}{a['path']}")
        for a in manifest["articles"].values()
    ]  # fmt: skip
    return out[:limit] if limit else out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int)
    p.add_argument("--call", choices=["trafilatura", "monitor"], default="trafilatura")
    args = p.parse_args()
    extract = _extract if args.call == "trafilatura" else _extract_monitor
    todo = jobs(args.dir, args.limit)
    ctx = multiprocessing.get_context("spawn")  # as the monitor's pool
    with ProcessPoolExecutor(args.workers, mp_context=ctx, initializer=_warm_up) as pool:
        list(pool.map(extract, todo[: args.workers * 2]))  # workers started and warm
        started = time.monotonic()
        chars = sum(pool.map(extract, todo, chunksize=8))
        wall = time.monotonic() - started
    out = {
        "call": args.call,
        "articles": len(todo),
        "text_chars": chars,
        "extract_wall_s": round(wall, 2),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
