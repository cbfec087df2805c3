"""Refuse compressed bodies that were cut short, instead of parsing what survived.

Scrapy's gzip decoder returns whatever it could decompress from a truncated stream without a
word, so a connection dropped mid-feed would look like a feed with fewer items and a new
body hash. This middleware sits just outside HttpCompressionMiddleware (it sees the raw
body first) and turns such a response into an error the source's record shows.
"""

from __future__ import annotations

import zlib

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

#: Output is decompressed in slices of this size and thrown away: only the end matters.
_SLICE = 1 << 20


class TruncatedResponse(IgnoreRequest):
    """A compressed body that ends before its stream does."""


def gzip_complete(body: bytes) -> bool:
    """True when every gzip member in ``body`` reaches its end marker and checksum."""
    data = body
    while True:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while not d.eof:
                d.decompress(data, _SLICE)
                data = d.unconsumed_tail
                if not data and not d.eof:
                    return False
        except zlib.error:
            return False
        data = d.unused_data
        if not data.strip(b"\0"):  # some servers pad; nothing else may follow
            return True


class TruncatedBodyMiddleware:
    def process_response(self, request: Request, response: Response) -> Response:
        encodings = [e.strip().lower() for e in response.headers.getlist("Content-Encoding")]
        if request.method != "HEAD" and encodings in ([b"gzip"], [b"x-gzip"]):
            if response.body and not gzip_complete(response.body):
                raise TruncatedResponse(
                    f"the gzip body from {response.url} ends early "
                    f"({len(response.body)} bytes received): the connection broke or the "
                    "server sent a damaged file"
                )
        return response
