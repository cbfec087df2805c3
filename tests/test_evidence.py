"""Evidence (issue 18): the pages of hit articles kept as served in WARC files, exported
byte for byte, shown raw and downloaded from the web view; re-checks that find an edit, a
deletion and a redirect to the homepage. Real crawls of the fixture site, both backends."""

from __future__ import annotations

import gzip
import json
import os
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from monitor.demo.server import FixtureSite
from tests.helpers import WATCHLISTS, db_query, feed, run_monitor, write_config
from tests.webserver import get, web_server


def as_datetime(value: object) -> datetime:
    d = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def db_query_write(sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["MONITOR_DATABASE_URL"])
    with engine.begin() as c:
        c.execute(text(sql))
    engine.dispose()


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
    # --lang filters the hits (and the exports: the same filter).
    assert len(hits(config, "--lang", "en")) == len(found)
    assert hits(config, "--lang", "de") == []
    # The web view links the snapshot, served as a download, never as a page.
    with web_server(config) as base:
        _, html, _ = get(f"{base}/articles/{gz_id}")
        link = re.search(r'href="(/articles/\d+/snapshots/\d+\.warc\.gz)"', html)
        assert link is not None and "language: en" in html
        with urllib.request.urlopen(base + link.group(1), timeout=30) as r:
            assert r.headers["Content-Disposition"].startswith("attachment;")
            assert r.headers["Content-Type"] == "application/warc"
            download = tmp_path / "download.warc.gz"
            download.write_bytes(r.read())
        [(payload, headers)] = next(iter(records(download).values()))
        assert payload == gzip.compress(served(site, site_dir, GZIPPED), mtime=0)
        _, html, _ = get(f"{base}/?lang=de")
        assert 'id="empty"' in html


def test_with_archive_all_every_fetched_article_is_kept(
    tmp_path: Path, site: FixtureSite, db_url: str
) -> None:
    crawl(tmp_path, site, extra="[archive]\nall = true\n")
    fetched = db_query("SELECT count(*) FROM articles WHERE text IS NOT NULL")
    with_hits = db_query("SELECT count(DISTINCT article_id) FROM hits")
    assert db_query("SELECT count(DISTINCT article_id) FROM snapshots") == fetched
    assert fetched[0][0] > with_hits[0][0]


EDITED = "2026/11/20/drones-cross-the-caspian-a2001.html"
DELETED = "2026/11/21/kremlin-unveils-budget-a2002.html"
SENT_HOME = "2026/11/21/harvest-beats-forecasts-a2003.html"
UNCHANGED = "2026/11/22/tehran-metro-extension-opens-a2004.html"
MORE_WATCHLISTS = (
    WATCHLISTS
    + """
[[watchlists]]
name = "harvest"
query = "grain"

[[watchlists]]
name = "metro"
query = "metro"
"""
)


def article_of(path: str) -> int:
    [(article_id,)] = db_query(f"SELECT article_id FROM snapshots WHERE url LIKE '%{path}%'")  # noqa: S608
    return int(article_id)


def test_rechecks_find_an_edit_a_deletion_and_a_redirect_home(
    tmp_path: Path, site_dir: Path, site: FixtureSite, db_url: str
) -> None:
    sources = "".join(feed(n, site.url(f"/feeds/{n}.xml")) for n in ("rss2", "atom", "rdf"))
    config = write_config(tmp_path, sources, watchlists=MORE_WATCHLISTS)
    assert run_monitor("crawl", config=config).returncode == 0
    ids = {p: article_of(p) for p in (EDITED, DELETED, SENT_HOME, UNCHANGED)}
    # The first re-check is due an hour after the article was first seen.
    listed = ",".join(map(str, ids.values()))
    sql = f"SELECT first_seen_at, recheck_at FROM articles WHERE id IN ({listed})"  # noqa: S608
    for first_seen, due in db_query(sql):
        assert as_datetime(due) - as_datetime(first_seen) == timedelta(hours=1)
    # An hour passes (the schedule moved back, not the clock), and the publisher acts.
    db_query_write("UPDATE articles SET recheck_at = first_seen_at WHERE recheck_at IS NOT NULL")
    page = site_dir / EDITED
    page.write_text(page.read_text().replace("last month", "in early October, a correction says"))
    (site_dir / DELETED).unlink()
    (site_dir / (SENT_HOME + ".headers")).write_text("Status: 301\nLocation: /\n")
    (site_dir / "index.html").write_text("<html><body><h1>Test Gazette</h1></body></html>")
    before = len(site.responses)
    result = run_monitor("crawl", config=config)
    assert result.returncode == 0, result.stderr
    answered = dict(site.responses[before:])
    assert answered["/" + UNCHANGED] == 304  # conditional GET
    rows = {
        r[0]: r[1:]
        for r in db_query(
            "SELECT id, rechecks, recheck_at, removed_at, first_seen_at FROM articles"
        )
    }
    # The edit: a revision, its new page kept beside the first, the next re-check in a day.
    edited = ids[EDITED]
    assert db_query(f"SELECT count(*) FROM article_revisions WHERE article_id = {edited}") == [(1,)]  # noqa: S608
    assert db_query(f"SELECT count(*) FROM snapshots WHERE article_id = {edited}") == [(2,)]  # noqa: S608
    rechecks, due, removed, first_seen = rows[edited]
    assert rechecks == 1 and removed is None
    assert as_datetime(due) - as_datetime(first_seen) >= timedelta(days=1)
    assert rows[ids[UNCHANGED]][0] == 1 and rows[ids[UNCHANGED]][2] is None
    # The deletion (404) and the redirect home: removed, and no more re-checks.
    for path in (DELETED, SENT_HOME):
        _, due, removed, _ = rows[ids[path]]
        assert removed is not None and due is None
    gone = hits(config, "--removed")
    assert {h["article_id"] for h in gone} == {ids[DELETED], ids[SENT_HOME]}
    assert all(h["removed"] for h in gone)
    updated = hits(config, "--updated")
    assert {h["article_id"] for h in updated} == {edited}
    table = run_monitor("hits", "--removed", config=config)
    assert "removed by the publisher" in " ".join(table.stdout.split())
    shown = run_monitor("show", str(edited), config=config)
    assert shown.stdout.count("HTTP 200  kept") == 2 and "language en" in shown.stdout
    # The digest says it too.
    digest = run_monitor("digest", "--dry-run", config=config)
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout.count("[removed by the publisher]") == 2
