"""Writing and reading the archive's WARC files with warcio.

Each crawl process appends to a file of its own (``monitor-<UTC time>-<pid>.warc.gz``), one
gzip member per record, so a record is a byte range (offset, length) that is a WARC file by
itself: an export concatenates ranges. The writer flushes and fsyncs before it hands out a
record's range, and the store records the range only after that (monitor.crawl.pipelines):
a crawl killed mid-record leaves a torn last member that no row points to.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from monitor.domain.articles import Snapshot

SUFFIX = ".warc.gz"
#: gzip level of a record, for ISA-L (python-isal's ``isal_zlib``: levels 0-3, 2 its default).
#: The crawl is CPU-bound and a record is a whole page (330 KB of HTML a page on the
#: real-page corpus): zlib's level 3 spent 2.5 ms of the crawl process's CPU a page, ISA-L's
#: level 2 0.46 ms for 3% more bytes (70 against 68 KB a page), the same gzip format
#: (benchmarks/README.md, "Real pages, session 11"). warcio's own writer uses zlib at 9.
LEVEL = 2
#: A crawl starts a new file beyond this size: retention deletes whole files, oldest first.
ROTATE_AT = 256 * 1024 * 1024
_SOFTWARE = "news-monitor (warcio)"


@dataclass(frozen=True)
class RecordRef:
    """Where a record is: a file relative to the archive folder, its byte range."""

    file: str
    offset: int
    length: int


def file_name(created: datetime, pid: int, serial: int = 0) -> str:
    """Files sort by the time they were started (retention reads it back: ``file_time``)."""
    stamp = created.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"monitor-{stamp}-{pid}-{serial}{SUFFIX}"


def file_time(name: str) -> datetime | None:
    """When a file named by ``file_name`` was started; None for other files."""
    parts = Path(name).name.split("-")
    if len(parts) < 4 or parts[0] != "monitor" or not name.endswith(SUFFIX):
        return None
    try:
        return datetime.strptime(parts[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class ArchiveWriter:
    """Appends response records to this process's current file in ``folder``."""

    def __init__(
        self, folder: Path, clock: Callable[[], datetime], rotate_at: int = ROTATE_AT
    ) -> None:
        self.folder = folder
        self.clock = clock
        self.rotate_at = rotate_at
        self._file: BinaryIO | None = None
        self._name = ""
        self._serial = 0

    def _current(self) -> tuple[BinaryIO, str]:
        if self._file is not None and self._file.tell() >= self.rotate_at:
            self.close()
        if self._file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._name = file_name(self.clock(), os.getpid(), self._serial)
            self._serial += 1
            # "xb": never append to another process's file.
            self._file = open(self.folder / self._name, "xb")
            writer = WARCWriter(self._file, gzip=True)
            writer.write_record(writer.create_warcinfo_record(self._name, {"software": _SOFTWARE}))
        return self._file, self._name

    def write(self, snapshots: Sequence[Snapshot]) -> list[RecordRef]:
        """One response record each, on disk (flushed, fsynced) before this returns."""
        if not snapshots:
            return []
        f, name = self._current()
        refs = []
        for snap in snapshots:
            start = f.tell()
            encoded = any(k.lower() == "content-encoding" for k, _ in snap.headers)
            f.write(_member(response_record(_WRITER, snap), stored=encoded))
            refs.append(RecordRef(name, start, f.tell() - start))
        f.flush()
        os.fsync(f.fileno())
        return refs

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


#: Builds records only (serialized by ``_member``), so it writes nowhere.
_WRITER = WARCWriter(io.BytesIO(), gzip=False)


class _Compressed:
    """What warcio writes a record to: each chunk goes straight to the compressor (a
    buffer of the whole record first cost a copy of the page, and its growth)."""

    def __init__(self, stored: bool) -> None:
        self._c: zlib._Compress | isal_zlib.Compress
        if stored:
            self._c = zlib.compressobj(0, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        else:
            self._c = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(self._c.compress(data))
        return len(data)

    def flush(self) -> None:
        pass  # warcio flushes after each record; the member ends in ``_member``

    def member(self) -> bytes:
        self.parts.append(self._c.flush())
        return b"".join(self.parts)


def _member(record, *, stored: bool = False) -> bytes:  # type: ignore[no-untyped-def]
    """A record serialized by warcio, as one gzip member of its own (what warcio's gzip
    writer makes). ``stored``: not compressed (zlib's level 0), for a body the server
    already compressed (Content-Encoding), where gzip finds nothing more."""
    out = _Compressed(stored)
    WARCWriter(out, gzip=False).write_record(record)
    return out.member()


def response_record(writer: WARCWriter, snap: Snapshot):  # type: ignore[no-untyped-def]
    """The WARC response record of a snapshot: its status line, headers and body as received
    (the body still in its Content-Encoding, so the payload is what the server sent)."""
    status = f"{snap.status} {snap.reason or reason(snap.status)}".strip()
    http = StatusAndHeaders(status, list(snap.headers), protocol=snap.protocol or "HTTP/1.1")
    return writer.create_warc_record(
        snap.url,
        "response",
        payload=io.BytesIO(snap.body),
        length=len(snap.body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": _warc_date(snap.fetched_at)},
    )


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_raw(folder: Path, ref: RecordRef) -> bytes:
    """The record's bytes as stored: one gzip member, a WARC file by itself.
    FileNotFoundError when retention deleted the file."""
    with open(folder / ref.file, "rb") as f:
        f.seek(ref.offset)
        data = f.read(ref.length)
    if len(data) != ref.length:
        raise FileNotFoundError(f"{ref.file}: the record at {ref.offset} is cut short")
    return data


@dataclass(frozen=True)
class Served:
    """A record read back: the page as served."""

    url: str
    date: str
    status_line: str
    headers: list[tuple[str, str]]
    body: bytes  # the payload with its Content-Encoding undone (the HTML)
    raw_body: bytes  # the payload as the server sent it


def parse_record(raw: bytes) -> Served:
    for record in ArchiveIterator(io.BytesIO(raw)):
        if record.rec_type != "response":
            continue
        raw_body = record.raw_stream.read()
        body = _decoded(raw_body, record.http_headers.get_header("Content-Encoding"))
        return Served(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            date=record.rec_headers.get_header("WARC-Date"),
            status_line=record.http_headers.statusline,
            headers=list(record.http_headers.headers),
            body=body,
            raw_body=raw_body,
        )
    raise ValueError("no response record")


def _decoded(body: bytes, encoding: str | None) -> bytes:
    enc = (encoding or "").strip().lower()
    try:
        if enc in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if enc == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if enc == "br":
            import brotli  # Scrapy's own optional decoder

            return bytes(brotli.decompress(body))
    except Exception:  # a damaged or unknown encoding: the bytes as they are
        return body
    return body
