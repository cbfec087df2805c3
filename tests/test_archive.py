"""The WARC archive (issue 18): records written and read back with warcio, each a byte
range that is a WARC file by itself, safe against a crawl killed mid-record; retention by
age and by size, oldest first, leaving the store saying which snapshots are gone; the
language backfill of migration 0009."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from warcio.archiveiterator import ArchiveIterator

from monitor.archive.evidence import SnapshotGone, latest_page
from monitor.archive.retention import apply_retention, archive_files, to_delete
from monitor.archive.warc import ArchiveWriter, RecordRef, parse_record, read_raw
from monitor.domain.articles import ArticleData, Snapshot
from monitor.domain.sources import SourceSpec
from monitor.matching import Matcher
from monitor.store.articles import store_article
from monitor.store.engine import make_engine, transaction
from monitor.store.migrate import upgrade
from monitor.store.models import Article
from monitor.store.snapshots import add_snapshots, snapshots_of
from monitor.store.sources import sync_sources

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
PAGE = b"<html lang='en'><body><p>Iran and Russia</p></body></html>"


def snap(url: str, body: bytes = PAGE, when: datetime = NOW, **headers: str) -> Snapshot:
    return Snapshot(
        url=url,
        status=200,
        reason="",
        protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html"), *headers.items()],
        body=body,
        fetched_at=when,
    )


def test_records_read_back_with_warcio_each_range_a_warc_file(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, lambda: NOW)
    zipped = gzip.compress(PAGE, mtime=0)
    refs = writer.write(
        [snap("http://a.test/1"), snap("http://a.test/2", zipped, **{"Content-Encoding": "gzip"})]
    )
    writer.close()
    [name] = [f.name for f in archive_files(tmp_path)]
    assert refs[0].file == name and refs[0].offset > 0  # a warcinfo record comes first
    with open(tmp_path / name, "rb") as f:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.raw_stream.read())
            for r in ArchiveIterator(f)
        ]
    assert records[1:] == [
        ("response", "http://a.test/1", PAGE),
        ("response", "http://a.test/2", zipped),
    ]
    page = parse_record(read_raw(tmp_path, refs[1]))
    assert page.raw_body == zipped and page.body == PAGE  # decoded for `show --raw`
    assert page.status_line == "200 OK" and page.date == "2026-12-04T12:00:00Z"
    assert ("Content-Encoding", "gzip") in page.headers


def test_a_record_torn_by_kill_leaves_the_earlier_ones_readable(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, lambda: NOW)
    [ref] = writer.write([snap("http://a.test/1")])
    assert writer._file is not None
    writer._file.write(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n")[:20])  # cut short
    writer._file.flush()
    writer.close()
    assert parse_record(read_raw(tmp_path, ref)).body == PAGE
    # A new process never appends to that file: it starts its own.
    other = ArchiveWriter(tmp_path, lambda: NOW + timedelta(seconds=1))
    [ref2] = other.write([snap("http://a.test/2")])
    other.close()
    assert ref2.file != ref.file


def _article(engine: Engine, url: str) -> int:
    with transaction(engine) as s:
        sync_sources(s, [SourceSpec("wire", "feed", "http://wire.test/rss", timedelta(hours=1))])
        data = ArticleData(source="wire", url=url, title="Iran", text="Iran and Russia")
        return store_article(s, data, Matcher({"iran": "Iran"}).match(data.fields())).article_id


def _keep(engine: Engine, folder: Path, article_id: int, when: datetime) -> RecordRef:
    writer = ArchiveWriter(folder, lambda: when)
    [ref] = writer.write([snap(f"http://wire.test/{article_id}", when=when)])
    writer.close()
    with transaction(engine) as s:
        row = {"article_id": article_id, "url": "u", "status": 200, "fetched_at": when}
        add_snapshots(s, [{**row, "file": ref.file, "offset": ref.offset, "length": ref.length}])
    return ref


def test_retention_by_age_then_size_oldest_first_and_hits_say_so(
    engine: Engine, tmp_path: Path
) -> None:
    old, middle, new, never = (_article(engine, f"http://wire.test/{n}") for n in "abcd")
    _keep(engine, tmp_path, old, NOW - timedelta(days=400))
    _keep(engine, tmp_path, middle, NOW - timedelta(days=10))
    _keep(engine, tmp_path, new, NOW - timedelta(days=1))
    sizes = [f.size for f in archive_files(tmp_path)]
    # By age: only the file older than a year.
    pruned = apply_retention(engine, tmp_path, NOW, timedelta(days=365), 10**9)
    assert (pruned.files, pruned.snapshots) == (1, 1)
    assert pruned.bytes == sizes[0]
    with transaction(engine) as s:
        with pytest.raises(SnapshotGone, match="deleted by retention on 2026-12-04"):
            latest_page(s, tmp_path, old)
        assert latest_page(s, tmp_path, middle)[1].body == PAGE
        assert snapshots_of(s, [old])[old][0].pruned_at == NOW
    # By size: the oldest of the rest goes until they fit.
    pruned = apply_retention(engine, tmp_path, NOW, timedelta(days=365), sizes[2])
    assert pruned.files == 1
    assert [f.started.date() for f in archive_files(tmp_path)] == [(NOW - timedelta(1)).date()]
    with transaction(engine) as s:
        with pytest.raises(SnapshotGone):
            latest_page(s, tmp_path, middle)
        assert latest_page(s, tmp_path, new)[1].body == PAGE
        with pytest.raises(SnapshotGone, match="no snapshot of this article was kept"):
            latest_page(s, tmp_path, never)
    # Nothing left to do: nothing deleted, nothing marked.
    assert apply_retention(engine, tmp_path, NOW, timedelta(days=365), sizes[2]).files == 0


def test_size_limit_keeps_the_newest_files_that_fit(tmp_path: Path) -> None:
    from monitor.archive.retention import ArchiveFile

    files = [ArchiveFile(f"f{i}", NOW - timedelta(days=5 - i), 100) for i in range(5)]
    assert [f.name for f in to_delete(files, NOW, timedelta(days=365), 250)] == ["f0", "f1", "f2"]
    assert [f.name for f in to_delete(files, NOW, timedelta(days=3), 10**6)] == ["f0", "f1"]


def test_migration_backfills_languages_in_batches(db_url: str) -> None:
    e = make_engine(db_url)
    upgrade(e, "0007")
    texts = {
        "de": "Die Bundesregierung hat am Mittwoch ein neues Klimapaket beschlossen, "
        "nachdem die Verhandlungen monatelang gedauert hatten.",
        "fr": "Le gouvernement a présenté mercredi un projet de budget qui prévoit une "
        "hausse des dépenses de défense.",
        None: "",
    }
    with e.begin() as c:
        c.execute(
            text(
                "INSERT INTO sources (id, name, kind, url, interval_seconds, consecutive_failures,"
                " checks, not_modified, gone) VALUES (1, 'wire', 'feed', 'http://w/', 60, 0, 0, 0,"
                " false)"
            )
        )
        for i, (_, body) in enumerate(texts.items(), start=1):
            c.execute(
                text(
                    "INSERT INTO articles (id, url_key, url, source_id, text, first_seen_at,"
                    " content_hash, fetch_attempts) VALUES (:i, :k, :u, 1, :t, :now, 'h', 1)"
                ),
                {"i": i, "k": f"k{i}", "u": f"http://w/{i}", "t": body or None, "now": NOW},
            )
    upgrade(e)
    with transaction(e) as s:
        got = dict(s.execute(select(Article.id, Article.lang)).all())
    assert got == {1: "de", 2: "fr", 3: None}
    e.dispose()
