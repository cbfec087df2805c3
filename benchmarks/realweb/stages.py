"""What an extraction worker spends on a real page, stage by stage, beside the naive call.

    python benchmarks/realweb/stages.py [--rounds 2]

Over the corpus of ``corpus.py`` (fundus's pages), in this one process: CPU time (process
time, mean a page over ``--rounds`` passes) of ``trafilatura.extract`` as the naive script
calls it, of each stage of ``monitor.crawl.extract.extract_article`` (the parse, beside
trafilatura's loader, our
XPaths, the title, trafilatura's extraction from the parsed tree (with readability only
where it can change the text, ``monitor.crawl.fallback``, and its regular-expression XPaths
guarded, ``monitor.crawl.xpath_guards``; and as trafilatura has them), the rules that read the
page's markup (``monitor.crawl.layout``), the boilerplate rules),
of the whole worker call (``analyse_article``: the page with a feed date, so without
htmldate's search) and of what it adds (walls, story signature, language, matching with the
real-page benchmark's watchlists). Issue #19; results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import corpus  # noqa: E402
import serve  # noqa: E402
import trafilatura  # noqa: E402
from trafilatura.utils import load_html  # noqa: E402

from monitor.crawl import boilerplate, fallback, layout, walls, xpath_guards  # noqa: E402
from monitor.crawl.extract import (  # noqa: E402
    _LANG_XPATH,
    _meta,
    _page_meta,
    analyse_article,
    extract_article,
    parse_page,
)
from monitor.domain import language, stories  # noqa: E402
from monitor.domain.articles import ArticleData  # noqa: E402
from monitor.matching import Matcher  # noqa: E402

LISTED = datetime(2026, 1, 1, tzinfo=UTC)


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    pages = corpus.load()
    matcher = Matcher(dict(serve.TERMS))
    language.load_model()
    spent: dict[str, float] = {}

    def timed(key: str, call: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        started = time.process_time()
        out = call(*a, **kw)
        spent[key] = spent.get(key, 0.0) + time.process_time() - started
        return out

    options = {"include_comments": False, "include_tables": False}
    for _ in range(args.rounds):
        for page in pages:
            html, url = page.html(), page.url
            fallback.uninstall()  # trafilatura as the naive script runs it
            xpath_guards.uninstall()
            timed("naive: trafilatura.extract", trafilatura.extract, html, url=url, **options)
            tree = load_html(html)
            timed("  (trafilatura.bare_extraction(tree), readability always)",
                  trafilatura.bare_extraction, tree, url=url, **options)  # fmt: skip
            fallback.install()
            xpath_guards.install()
            timed("  (parse by trafilatura's load_html)", load_html, html)
            tree = timed("  parse (parse_page)", parse_page, html)
            timed("  canonical and date XPaths", _page_meta, tree, url)
            timed("  declared language XPath", tree.xpath, _LANG_XPATH)
            meta = timed("  title", _meta, tree)
            doc = timed("  trafilatura.bare_extraction(tree)", trafilatura.bare_extraction,
                        tree, url=url, **options)  # fmt: skip
            text = (doc.text if doc is not None else "") or ""
            lead = timed("  layout: standfirst", layout.standfirst, text, html, meta.description)
            if lead:
                text = f"{lead}\n{text}"
            text = timed("  layout: link lines", layout.drop_links, text, tree)[0]
            text = timed("  layout: boxes", layout.drop_boxes, text, tree)[0]
            text = timed("  layout: author note", layout.drop_author_note, text, meta.author)[0]
            timed("  boilerplate rules", boilerplate.clean, text)
            timed("extract_article", extract_article, html, url, find_date=False)
            item = ArticleData(source="s", url=url, title=page.title, published_at=LISTED)
            timed("analyse_article (the worker's call)", analyse_article, html, item, url, matcher)
            timed("  walls", walls.page_trouble, html, text)
            timed("  story signature", stories.signature, text)
            timed("  language", language.choose, text, None)
            fields = {"title": page.title, "text": text}
            timed("  matching", matcher.match, fields, source="s", lang=None)
    n = len(pages) * args.rounds
    print(f"{len(pages)} pages, {args.rounds} rounds; CPU ms a page:")
    for key, seconds in spent.items():
        print(f"{key:40} {1000 * seconds / n:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
