"""A static news site on 127.0.0.1, for the demo and the tests.

Files are served from a folder; ``{{BASE}}`` in text files becomes the server's base URL, so
feeds can link to the site's own articles. ``name.ext.headers`` beside a file sets response
headers (one ``Name: value`` a line), to serve a lying charset or an odd content type;
``Status: 503`` changes the status and ``X-Fixture-Delay: 0.5`` answers half a second late.
Files get an ETag and a Last-Modified, and a matching If-None-Match gets a 304. Faults for
the tests: ``X-Fixture-Truncate: 100`` sends 100 bytes of a longer promised body and closes;
``X-Fixture-Gzip: truncated`` sends a gzip stream cut short (``full``: the whole of it);
``X-Fixture-Size: 52428800`` streams the file padded with spaces to that many bytes
(``X-Fixture-Length: off`` leaves out the Content-Length, so only the bytes received tell how
big it is); ``sent`` records how many bytes of each path actually went out, and ``peak``
the most requests it was answering at once (a client's politeness, seen from the site).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

_TEXT = (".xml", ".html", ".txt", ".rss", ".atom", ".rdf", ".json")


class _Handler(BaseHTTPRequestHandler):
    server_version = "fixture-site/1"

    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _file(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        root = self.server.root
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def do_GET(self) -> None:
        server = self.server
        with server.counting:
            server.in_flight += 1
            server.peak = max(server.peak, server.in_flight)
        try:
            self._get()
        finally:
            with server.counting:
                server.in_flight -= 1

    def _get(self) -> None:
        self.server.requests.append(self.path)
        self.server.arrivals.append(time.monotonic())
        self.server.user_agents.append(self.headers.get("User-Agent", ""))
        target = self._file()
        if target is None:
            self.send_error(404, "Not Found")
            return
        body = target.read_bytes()
        if target.suffix in _TEXT:
            body = body.replace(b"{{BASE}}", self.server.base.encode())
        headers = {
            "Content-Type": mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        }
        if target.suffix == ".xml":
            headers["Content-Type"] = "application/xml"
        sidecar = target.with_name(target.name + ".headers")
        if sidecar.is_file():
            for line in sidecar.read_text("utf-8").splitlines():
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip()] = value.strip()
        status = int(headers.pop("Status", "200"))
        delay = float(headers.pop("X-Fixture-Delay", "0"))  # a slow server, for tests
        if delay:
            time.sleep(delay)
        # Validators, as real servers send them; "X-Fixture-Validators: off" drops them.
        if headers.pop("X-Fixture-Validators", "on") != "off" and status == 200:
            headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers["Last-Modified"] = formatdate(target.stat().st_mtime, usegmt=True)
            if self.headers.get("If-None-Match") == headers["ETag"]:
                status, body = 304, b""
        length = len(body)
        gz = headers.pop("X-Fixture-Gzip", "")
        if gz:  # "full", or "truncated": a gzip stream cut short
            body = gzip.compress(body, mtime=0)  # the same bytes each time: tests compare them
            body = body[: max(10, length // 4)] if gz == "truncated" else body
            headers["Content-Encoding"] = "gzip"
            length = len(body)
        cut = headers.pop("X-Fixture-Truncate", "")  # promise more than is sent, then close
        if cut:
            body = body[: int(cut)]
            self.close_connection = True
        size = int(headers.pop("X-Fixture-Size", "0"))
        if size:
            length = max(size, length)
        with_length = headers.pop("X-Fixture-Length", "on") != "off"
        self.server.responses.append((self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if with_length:
            self.send_header("Content-Length", str(length))
        else:
            self.close_connection = True  # HTTP/1.0: the end of the body is the close
        self.end_headers()
        self._send(body, length if size else len(body))

    def _send(self, body: bytes, total: int) -> None:
        """Write the body (padded to ``total`` bytes) in chunks, counting what went out: a
        client that aborts a download closes the socket, and the rest is never sent."""
        sent, pad = 0, b" " * 65536
        try:
            while sent < total:
                chunk = body[sent : sent + 65536] if sent < len(body) else pad
                chunk = chunk[: total - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self.server.sent[self.path] = self.server.sent.get(self.path, 0) + sent


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    base: str
    requests: list[str]
    arrivals: list[float]
    user_agents: list[str]
    responses: list[tuple[str, int]]
    sent: dict[str, int]
    counting: threading.Lock
    in_flight: int
    peak: int


class FixtureSite:
    """``with FixtureSite(folder) as site: site.url("/rss.xml")``"""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = root.resolve()
        self._server = _Server((host, port), _Handler)
        self.port = int(self._server.server_address[1])
        self.base = f"http://{host}:{self.port}"
        self._server.root, self._server.base = self.root, self.base
        self._server.requests = []
        self._server.arrivals = []
        self._server.user_agents = []
        self._server.responses = []
        self._server.sent = {}
        self._server.counting = threading.Lock()
        self._server.in_flight = self._server.peak = 0
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def responses(self) -> list[tuple[str, int]]:
        """(path, status) of the files served, 304s included."""
        return self._server.responses

    @property
    def requests(self) -> list[str]:
        """Paths requested so far, in order: tests check what was (not) fetched."""
        return self._server.requests

    @property
    def arrivals(self) -> list[float]:
        """When each request of ``requests`` was read (``time.monotonic``)."""
        return self._server.arrivals

    @property
    def user_agents(self) -> list[str]:
        """The User-Agent of each request, in the order of ``requests``."""
        return self._server.user_agents

    @property
    def sent(self) -> dict[str, int]:
        """Bytes of the body written per path (less than promised when the client hung up)."""
        return self._server.sent

    @property
    def peak(self) -> int:
        """The most requests being answered at once so far (from the request line read to
        the response written, a slow answer's delay included)."""
        return self._server.peak

    def url(self, path: str = "/") -> str:
        return self.base + path

    def start(self) -> FixtureSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FixtureSite:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
