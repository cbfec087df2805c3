"""Evidence (issue 18): the pages of hit articles kept as served in WARC files, exported
byte for byte, shown raw and downloaded from the web view; re-checks that find an edit, a
deletion and a redirect to the homepage. Real crawls of the fixture site, both backends."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from monitor.demo.server import FixtureSite
from tests.helpers import db_query, feed, run_monitor, write_config

GZIPPED = "2026/11/20/drones-cross-the-caspian-a2001.html"


def served(site: FixtureSite, site_dir: Path, path: str) -> bytes:
    """The body the fixture server sends for a file (before any Content-Encoding)."""
    return (site_dir / path).read_bytes().replace(b"{{BASE}}", site.base.encode())


def crawl(tmp_path: Path, site: FixtureSite, extra: str = "") -> Path:
    sources = feed("rss", site.url("/feeds/rss2.xml")) + feed("atom", site.url("/feeds/atom.xml"))
    config = write_config(tmp_path, sources, extra=extra)
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    return config


def hits(config: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    result = run_monitor("hits", "-f", "json", *args, config=config)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def records(path: Path) -> dict[str, list]:  # type: ignore[type-arg]
    """Target URI -> [(payload as sent, http headers)] of the file's response records."""
    out: dict[str, list] = {}  # type: ignore[type-arg]
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type == "response":
                uri = rec.rec_headers.get_header("WARC-Target-URI")
                out.setdefault(uri, []).append((rec.raw_stream.read(), rec.http_headers))
    return out


def test_export_holds_each_hit_article_as_the_server_sent_it(
    tmp_path: Path, site_dir: Path, site: FixtureSite, db_url: str
) -> None:
    (site_dir / (GZIPPED + ".headers")).write_text("X-Fixture-Gzip: full\n")
    config = crawl(tmp_path, site)
    found = hits(config)
    assert found and all(h["lang"] == "en" for h in found)
    warc = tmp_path / "evidence.warc.gz"
    result = run_monitor("evidence", "export", "-o", str(warc), config=config)
    assert result.returncode == 0, result.stderr
    got = records(warc)
    articles = {h["article_id"] for h in found}
    # One record per hit article, at the URL it was fetched from.
    fetched = dict(db_query("SELECT article_id, url FROM snapshots"))
    assert set(fetched) == articles and set(got) == set(fetched.values())
    for uri, [(payload, headers)] in got.items():
        path = urlsplit(uri).path.lstrip("/")
        body = served(site, site_dir, path)
        if path == GZIPPED:  # kept as sent: still compressed, with its Content-Encoding
            assert headers.get_header("Content-Encoding") == "gzip"
            assert payload == gzip.compress(body, mtime=0)
        else:
            assert payload == body
        assert headers.get_statuscode() == "200"
        assert headers.get_header("Content-Type") == "text/html"
        assert headers.get_header("ETag")
    # Nothing but the hit articles: those without hits are not kept (no [archive] all).
    assert db_query("SELECT count(DISTINCT article_id) FROM snapshots") == [(len(articles),)]
    # `show --raw`: the page itself, decoded.
    gz_id = next(i for i, u in fetched.items() if GZIPPED in u)
    raw = run_monitor("show", str(gz_id), "--raw", config=config)
    assert raw.returncode == 0, raw.stderr
    assert raw.stdout.encode() == served(site, site_dir, GZIPPED)
