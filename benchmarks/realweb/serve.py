"""Serve the real-page corpus (``corpus.py``) as a local news web, the way the crawl
benchmark serves its generated one: each publisher its own host on a loopback address,
with an RSS feed, a section page and its article pages, byte for byte as fundus stored them.

    python benchmarks/realweb/serve.py                      # build into /tmp/realweb/web, serve
    python benchmarks/realweb/serve.py --build-only         # write the files and configs only

The folder has the crawl benchmark's layout (``benchmarks/crawl/generate.py``), so its nginx
runner (``benchmarks/crawl/serve.py``, used here too) serves it, and its peers can be
pointed at it unchanged: ``benchmarks/crawl/naive.py --dir DIR`` (reads the feeds of the
manifest) and ``benchmarks/crawl/floor.py --dir DIR`` (reads the article files):

- ``manifest.json``: ``params.port``; ``sites``, one per publisher: ``index``, ``host``
  (127.0.60.N), ``publisher`` (fundus's ``country/Name``), ``origin`` (the original host),
  ``feeds`` (``[{path, kind, items}]``: one RSS feed), ``sections`` (``[{path, items}]``:
  one section page); ``articles``, by id: ``site``, ``path`` (the URL's path and query,
  as the original's), ``file`` (where it lies under ``www/HOST/``), ``url`` (the original),
  ``corpus_file`` (the corpus's file, the key of ``corpus.load()``), ``title``.
- ``feeds.txt``, ``sections.txt``: the feed and section URLs, one a line;
  ``articles.tsv``: URL, file, publisher, original URL of every article page.
- ``www/HOST/robots.txt`` (allow all), ``www/HOST/feeds/news.rss`` (RSS 2.0: link, title,
  pubDate and guid of each article; no description, so every hit comes from the page),
  ``www/HOST/sections/news/index.html`` (a navigation bar, the articles' links under their
  headlines, a footer), and the pages at their original paths (``index.html`` for a path
  that ends in ``/``; nginx ignores the query). nginx sends them as
  ``text/html; charset=utf-8`` (every corpus page is UTF-8).
- ``monitor-feed.toml``, ``monitor-section.toml`` (``--build-only`` or ``--config-dir``): the
  monitor's configuration with one feed source, or one section source, per publisher, and
  one watchlist per term of ``TERMS``.

Paths: a corpus page whose path another page of its publisher already has (fundus keeps two
versions of one taz article under one URL) is served under ``/dupN`` + its path.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.crawl.serve import Nginx  # noqa: E402
from benchmarks.realweb import corpus  # noqa: E402

PORT = 8492  # the crawl benchmark's is 8471, its hosts 127.0.1.N: both can run at once
HOST_PREFIX = "127.0.60."
FEED_PATH = "/feeds/news.rss"
SECTION_PATH = "/sections/news/"
# Publication times in the feeds: not the originals (the corpus does not keep them), one
# article every 7 minutes back from here; the monitor keeps every entry whatever its age.
BASE_DATE = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

# The watchlists, one per term: what a desk monitoring news in the corpus's languages
# (German above all, English, Spanish, French) would watch. Countries, capitals and leaders;
# organisations; the platforms every page links to in its share bar and footer (where
# boilerplate hits come from); German, Spanish and French words. The query is the term as a
# user writes it; "UN" is case-sensitive (`case:UN`) because plain "UN" also matches the
# French and Spanish article "un", which no one watching the United Nations means.
TERMS: tuple[tuple[str, str], ...] = (
    ("iran", "Iran"),
    ("russia", "Russia"),
    ("russland", "Russland"),
    ("ukraine", "Ukraine"),
    ("china", "China"),
    ("israel", "Israel"),
    ("gaza", "Gaza"),
    ("germany", "Germany"),
    ("deutschland", "Deutschland"),
    ("france", "France"),
    ("frankreich", "Frankreich"),
    ("united-states", '"United States"'),
    ("usa", "USA"),
    ("trump", "Trump"),
    ("putin", "Putin"),
    ("biden", "Biden"),
    ("macron", "Macron"),
    ("merz", "Merz"),
    ("washington", "Washington"),
    ("london", "London"),
    ("berlin", "Berlin"),
    ("moscow", "Moscow"),
    ("paris", "Paris"),
    ("madrid", "Madrid"),
    ("europe", "Europe"),
    ("europa", "Europa"),
    ("nato", "NATO"),
    ("eu", "EU"),
    ("un", "case:UN"),
    ("facebook", "Facebook"),
    ("twitter", "Twitter"),
    ("instagram", "Instagram"),
    ("youtube", "YouTube"),
    ("google", "Google"),
    ("apple", "Apple"),
    ("whatsapp", "WhatsApp"),
    ("tiktok", "TikTok"),
    ("polizei", "Polizei"),
    ("police", "police"),
    ("gobierno", "gobierno"),
    ("espana", "España"),
    ("africa", "Africa"),
)


@dataclass(frozen=True)
class SitePage:
    """One article page of a site: where it is linked and where its bytes lie."""

    key: str  # the corpus file (or a case's id): what the reports join on
    path: str  # the URL's path and query, as linked from the feed and the section page
    file: str  # under www/HOST/
    title: str  # the headline the feed and the section page show
    body: bytes
    original_url: str = ""


@dataclass
class Site:
    host: str
    name: str  # the publisher (or the case)
    origin: str = ""  # the original host
    pages: list[SitePage] = field(default_factory=list)


def file_for(path: str) -> str:
    """Where the page of a URL path lies: the decoded path, index.html for a directory."""
    file = unquote(path) or "/"
    return file + "index.html" if file.endswith("/") else file


def corpus_sites(pages: list[corpus.Page], copies: int = 1) -> list[Site]:
    """One site per publisher, on 127.0.60.N in the order of the corpus. ``copies`` > 1
    serves each page that many times, copy k under ``/copyK`` + its path (a bigger web of
    the same real pages for the speed benchmark: 250 pages are over in seconds)."""
    sites: dict[str, Site] = {}
    for copy, page in ((c, p) for c in range(1, copies + 1) for p in pages):
        site = sites.get(page.publisher)
        if site is None:
            n = len(sites) + 1
            if n > 254:
                raise SystemExit("more than 254 publishers: extend HOST_PREFIX to a /16")
            origin = urlsplit(page.url).hostname or ""
            site = sites[page.publisher] = Site(f"{HOST_PREFIX}{n}", page.publisher, origin)
        parts = urlsplit(page.url)
        prefix = f"/copy{copy}" if copy > 1 else ""
        path = prefix + (parts.path or "/")
        taken = {p.file for p in site.pages}
        dup = 1
        while _conflicts(file_for(path), taken):
            dup += 1
            path = f"{prefix}/dup{dup}" + (parts.path or "/")
        link = path + (f"?{parts.query}" if parts.query else "")
        key = str(page.file.relative_to(corpus.DATA)) + (f"#copy{copy}" if copy > 1 else "")
        site.pages.append(SitePage(key, link, file_for(path), page.title, page.html(), page.url))
    return list(sites.values())


def _conflicts(file: str, taken: set[str]) -> bool:
    """Whether ``file`` is taken, or is a folder of a taken file or the reverse."""
    if file in taken or file in ("/robots.txt", FEED_PATH, file_for(SECTION_PATH)):
        return True
    return any(t.startswith(file + "/") or file.startswith(t + "/") for t in taken)


def rss(site: Site, base: str) -> str:
    items = []
    for i, page in enumerate(site.pages):
        when = format_datetime(BASE_DATE - timedelta(minutes=7 * i))
        link = html.escape(base + page.path)
        items.append(
            f"<item><title>{html.escape(page.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid><pubDate>{when}</pubDate></item>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(site.name)}</title><link>{base}/</link>"
        f"<description>{html.escape(site.name)} news</description>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


def section_page(site: Site) -> str:
    links = "\n".join(
        f'<article class="teaser"><h2><a href="{html.escape(p.path)}">{html.escape(p.title)}'
        "</a></h2></article>"
        for p in site.pages
    )
    nav = "".join(
        f'<li><a href="/{w}/">{w.title()}</a></li>' for w in ("news", "politics", "sport")
    )
    name = html.escape(site.name)
    return (
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>News - {name}</title>'
        f'</head><body><header><nav><ul><li><a href="/">{name}</a></li>{nav}</ul></nav>'
        f"</header><main><h1>News</h1>\n{links}\n</main>"
        '<footer><a href="/about/">About</a> <a href="/privacy/">Privacy</a></footer>'
        "</body></html>\n"
    )


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def build_web(root: Path, sites: list[Site], port: int = PORT) -> dict[str, Any]:
    """Write the sites under ``root`` (replacing what was there) with the manifest and the
    URL lists; returns the manifest."""
    www = root / "www"
    if www.exists():
        shutil.rmtree(www)
    manifest_sites: list[dict[str, Any]] = []
    articles: dict[str, dict[str, Any]] = {}
    rows = []
    for index, site in enumerate(sites):
        base = f"http://{site.host}:{port}"
        folder = www / site.host
        ids = []
        for page in site.pages:
            aid = len(articles) + 1
            ids.append(aid)
            _write(folder / page.file.lstrip("/"), page.body)
            articles[str(aid)] = {
                "id": aid,
                "site": index,
                "path": page.path,
                "file": page.file,
                "url": page.original_url,
                "corpus_file": page.key,
                "title": page.title,
            }
            rows.append(f"{base}{page.path}\t{page.file}\t{site.name}\t{page.original_url}")
        _write(folder / "robots.txt", "User-agent: *\nAllow: /\n")
        _write(folder / FEED_PATH.lstrip("/"), rss(site, base))
        _write(folder / file_for(SECTION_PATH).lstrip("/"), section_page(site))
        manifest_sites.append(
            {
                "index": index,
                "host": site.host,
                "publisher": site.name,
                "origin": site.origin,
                "feeds": [{"path": FEED_PATH, "kind": "rss", "items": ids}],
                "sections": [{"path": SECTION_PATH, "items": ids}],
            }
        )
    manifest: dict[str, Any] = {
        "params": {"port": port, "sites": len(sites), "articles": len(articles)},
        "sites": manifest_sites,
        "articles": articles,
        "article_bytes": sum(len(p.body) for s in sites for p in s.pages),
    }
    _write(root / "manifest.json", json.dumps(manifest, ensure_ascii=False))
    _write(root / "feeds.txt", "".join(f"http://{s.host}:{port}{FEED_PATH}\n" for s in sites))
    _write(root / "sections.txt", "".join(f"http://{s.host}:{port}{SECTION_PATH}\n" for s in sites))
    _write(root / "articles.tsv", "url\tfile\tpublisher\toriginal_url\n" + "\n".join(rows) + "\n")
    return manifest


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def write_config(
    path: Path,
    manifest: dict[str, Any],
    *,
    kind: str,
    database: Path,
    terms: tuple[tuple[str, str], ...] = TERMS,
    workers: int = 2,
) -> Path:
    """The monitor's configuration: one ``kind`` ("feed" or "section") source per site,
    one watchlist per term, ``extract_workers``; every other option at its default (what a
    user would write). The database and the digest's outbox beside ``database``."""
    port = manifest["params"]["port"]
    parts = [
        f"[database]\nurl = {_toml('sqlite:///' + str(database))}\n",
        f"[crawl]\nextract_workers = {workers}\n",
        '[digest]\ntime = "07:00"\ntimezone = "UTC"\nrecipients = ["analyst@example.org"]\n'
        f'sender = "monitor@example.org"\noutbox = {_toml(str(database.parent / "outbox"))}\n',
    ]
    for name, query in terms:
        parts.append(f"[[watchlists]]\nname = {_toml(name)}\nquery = {_toml(query)}\n")
    for site in manifest["sites"]:
        n = site["index"] + 1
        if kind == "feed":
            url = f"http://{site['host']}:{port}{FEED_PATH}"
        else:
            url = f"http://{site['host']}:{port}{SECTION_PATH}"
        parts.append(
            f'[[sources]]\nname = "{kind[0]}{n:03d}"\n{kind} = {_toml(url)}\ninterval = "15m"\n'
            f"# {site['publisher']}\n"
        )
    _write(path, "\n".join(parts))
    return path


def serve(root: Path) -> Nginx:
    """nginx over the folder (not started): the crawl benchmark's runner, with pages
    without a known extension sent as HTML."""
    return Nginx(root, default_type="text/html", charset="utf-8")


def main() -> int:
    p = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join((__doc__ or "").split("\n\n")[1:]),
    )
    p.add_argument("--dir", type=Path, default=Path("/tmp/realweb/web"), help="the web's folder")
    p.add_argument("--port", type=int, default=PORT)
    p.add_argument("--build-only", action="store_true", help="write the files and stop")
    p.add_argument(
        "--config-dir",
        type=Path,
        help="write monitor-feed.toml and monitor-section.toml here (default: --dir)",
    )
    args = p.parse_args()
    pages = corpus.load()
    manifest = build_web(args.dir, corpus_sites(pages), args.port)
    cfg = args.config_dir or args.dir
    for kind in ("feed", "section"):
        write_config(cfg / f"monitor-{kind}.toml", manifest, kind=kind, database=cfg / "monitor.db")
    print(
        f"{len(pages)} pages of {len(manifest['sites'])} publishers "
        f"written to {args.dir}; configs in {cfg}",
        flush=True,
    )
    if args.build_only:
        return 0
    # SIGTERM as Ctrl-C: leaving the with-block stops nginx.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with serve(args.dir) as server:
        print(f"serving {len(server.hosts)} hosts on port {server.port}: see {args.dir}/feeds.txt")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
