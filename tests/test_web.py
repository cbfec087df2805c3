"""The web view over real HTTP: filters, pages, feeds, hostile text, and that it never
writes (a real `monitor web` process on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest

from tests.archive import HOSTILE_TITLE, Archive, build_archive
from tests.helpers import db_query
from tests.webserver import get, web_server

pytestmark = pytest.mark.slow


@pytest.fixture
def archive(tmp_path: Path, db_url: str) -> Archive:
    return build_archive(tmp_path, db_url)


@pytest.fixture
def base(archive: Archive) -> Iterator[str]:
    with web_server(archive.config) as url:
        yield url


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="title" href="/articles/\d+">([^<]*)</a>', html)


def test_hit_list_filters_and_search(base: str, archive: Archive) -> None:
    status, html, headers = get(base + "/")
    assert status == 200 and len(titles(html)) == 50 and 'id="next"' in html
    assert "script-src" not in headers["content-security-policy"]  # no scripts at all
    assert "default-src 'none'" in headers["content-security-policy"]
    _, html, _ = get(base + "/?q=convoy+drones")
    assert set(titles(html)) == {
        "Drones strike convoy near border",
        "Convoy hit by drones, Tehran says",
    }
    _, html, _ = get(base + "/?q=convoy&per=story")
    assert titles(html) == ["Drones strike convoy near border"] * 2 and "+1 other outlets" in html
    _, html, _ = get(base + "/?watchlist=russia&source=wire")
    assert titles(html) == ["Russia cuts budget"] and "(updated)" in html
    _, html, _ = get(base + "/?since=3d&until=2d&term=tehran")
    assert len(titles(html)) == 12
    _, html, _ = get(base + "/?watchlist=nothing")
    assert 'id="empty"' in html
    status, html, _ = get(base + "/?since=yesterday")
    assert status == 400 and "give a duration like 2d" in html


def test_pages_follow_with_a_cursor(base: str) -> None:
    seen: list[tuple[str, str]] = []
    url = base + "/"
    for _ in range(10):
        _, html, _ = get(url)
        seen += re.findall(
            r'">([\w-]+)</a></td>\s*<td class="src">.*?href="/articles/(\d+)"', html, re.S
        )
        more = re.search(r'<a id="next" href="([^"]+)"', html)
        if not more:
            break
        url = base + "/" + more.group(1).replace("&amp;", "&")
    assert len(seen) == len(set(seen)) == 58  # two pages, no row twice


def test_article_page_shows_hits_revisions_copies(base: str, archive: Archive) -> None:
    status, html, _ = get(base + f"/articles/{archive.ids['wire']}")
    assert status == 200 and "Drones strike convoy near border" in html
    assert "<mark>Iran</mark>" in html and 'id="copies"' in html and "daily" in html
    _, html, _ = get(base + f"/articles/{archive.ids['revised']}")
    assert "Russia drafts budget" in html and "Russia cuts budget" in html
    assert get(base + "/articles/99999")[0] == 404


def test_hostile_text_is_escaped_and_never_a_link(base: str, archive: Archive) -> None:
    pages = [
        get(base + "/")[1],
        get(base + f"/articles/{archive.ids['hostile']}")[1],
        get(base + "/?q=bold")[1],
    ]
    for html in pages:
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert not re.search(r"href=\"\s*javascript:", html, re.IGNORECASE)
        assert "&lt;script&gt;" in html
    article = pages[1]
    assert "(not a web link)" in article and 'id="original"' not in article


def test_feeds_are_valid_atom(base: str, archive: Archive) -> None:
    for name in ("all", "iran", "drones"):
        status, body, headers = get(base + f"/feeds/{name}.atom")
        assert status == 200 and headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(body.encode())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert parsed.version == "atom10" and parsed.entries
    parsed = feedparser.parse(get(base + "/feeds/iran.atom")[1].encode())
    hostile = [e for e in parsed.entries if e.title == HOSTILE_TITLE]
    assert hostile and hostile[0].get("links", []) == []  # the javascript: URL is no link
    hrefs = [link.href for e in parsed.entries for link in e.get("links", [])]
    assert hrefs and all(h.startswith("http://") for h in hrefs)
    everything = feedparser.parse(get(base + "/feeds/all.atom")[1].encode())
    wire = [e for e in everything.entries if e.title == "Drones strike convoy near border"]
    assert len(wire) == 1 and {t.term for t in wire[0].tags} == {"iran", "drones"}
    assert get(base + "/feeds/nothing.atom")[0] == 404


def test_trends_and_sources(base: str) -> None:
    _, html, _ = get(base + "/trends")
    assert html.count('<svg class="chart"') == 3 and 'class="bar spike"' in html
    _, html, _ = get(base + "/sources")
    assert all(name in html for name in ("wire", "daily", "hostile"))


def _fingerprint(archive: Archive) -> str:
    if archive.url.startswith("sqlite"):
        path = Path(archive.url.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]
        # A reader may create an empty -wal beside the file (SQLite's WAL needs one to
        # read); any content in it, or a changed file, would be a write.
        return "".join(
            hashlib.sha256(f.read_bytes()).hexdigest()
            for f in files
            if f.exists() and f.stat().st_size
        )
    rows = db_query(
        "SELECT (SELECT count(*) FROM hits), (SELECT max(id) FROM hits), "
        "(SELECT count(*) FROM articles), (SELECT count(*) FROM sources), "
        "(SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables)"
    )
    return repr(rows)


def test_it_never_writes(archive: Archive) -> None:
    before = _fingerprint(archive)
    with web_server(archive.config) as base:
        for path in ("/", "/?q=iran", f"/articles/{archive.ids['wire']}", "/trends", "/sources"):
            assert get(base + path)[0] == 200
        for path in ("/", f"/articles/{archive.ids['wire']}", "/feeds/all.atom"):
            for method in ("POST", "PUT", "DELETE"):
                assert get(base + path, method=method)[0] == 405
        # Loopback only answers loopback names (DNS rebinding).
        assert get(base + "/", headers={"Host": "evil.example"})[0] == 400
        assert get(base + "/" + quote("<script>"))[0] == 404
    assert _fingerprint(archive) == before
