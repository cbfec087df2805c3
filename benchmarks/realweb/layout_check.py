"""Lines the markup rules (``monitor.crawl.layout``) remove from the real pages, each checked
against the page's expected body and title.

    python benchmarks/realweb/layout_check.py [--rules drop_boxes,drop_links]

``extract_article`` runs on every page of the corpus (``corpus.py``) with the rules spied on;
every line a rule removes is printed, marked IN-BODY when it is part of the expected body
or title (``boilerplate.Body.has``: a story line removed by mistake) or ok, then the count
and the rules' CPU a page (process time, one pass: noisy). A line of one word counts as in
the body when the body has the word: NTV's topic tags ("- Galatasaray") are the two
IN-BODY lines of ``drop_links``. Results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import corpus  # noqa: E402
from boilerplate import Body  # noqa: E402

from monitor.crawl import layout  # noqa: E402
from monitor.crawl.boilerplate import Dropped  # noqa: E402
from monitor.crawl.extract import extract_article  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--rules", default="drop_links,drop_boxes,drop_author_note")
    args = p.parse_args()
    names = args.rules.split(",")
    removed: list[Dropped] = []
    spent = dict.fromkeys(names, 0.0)

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*a: Any) -> Any:
            started = time.process_time()
            text, dropped = real(*a)
            spent[name] += time.process_time() - started
            removed.extend(dropped)
            return text, dropped

        return call

    pages = corpus.load()
    wrong = total = 0
    patches = [mock.patch.object(layout, n, spy(n, getattr(layout, n))) for n in names]
    for patch in patches:
        patch.start()
    try:
        for page in pages:
            removed.clear()
            extract_article(page.html(), page.url, find_date=False)
            body = Body.of(f"{page.body}\n{page.title}")
            for d in removed:
                bad = body.has(d.line)
                wrong += bad
                total += 1
                mark = "IN-BODY" if bad else "ok"
                print(f"{mark:8} {page.publisher:28} {d.rule:12} {d.line[:100]!r}")
    finally:
        for patch in patches:
            patch.stop()
    cpu = ", ".join(f"{n} {1000 * s / len(pages):.2f} ms" for n, s in spent.items())
    print(f"{len(pages)} pages: {total} lines removed, {wrong} IN-BODY; CPU a page: {cpu}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
