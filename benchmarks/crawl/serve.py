"""Serve the generated news web with nginx (Debian's `nginx-light` or `nginx`), not as the
system service: our own config, prefix, logs and pid file in the web's folder.

    python benchmarks/crawl/serve.py [--dir /tmp/newsweb]          # until Ctrl-C
    python benchmarks/crawl/serve.py --dir D --check               # start, measure, stop

One server block listens on every site's address (127.0.1.N:PORT) and serves
``www/$host``: static files with ETag and Last-Modified (nginx's defaults), so conditional
requests get 304. Two worker processes, sendfile, keep-alive. The access log has one line per
request, ``host status bytes uri``, which the runner counts per scenario.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CONF = """
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    types {{
        text/html html;
        application/rss+xml rss;
        application/atom+xml atom;
        text/plain txt;
        image/jpeg jpg;
    }}
    default_type {default_type};
{charset}    log_format bench '$host $status $body_bytes_sent $request_uri';
    access_log {dir}/access.log bench;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    open_file_cache max=50000 inactive=60s;
    open_file_cache_valid 1s;
    server {{
{listens}
        server_name _;
        root {dir}/www/$host;
        index index.html;
    }}
}}
"""


class Nginx:
    def __init__(
        self,
        root: Path,
        port: int | None = None,
        *,
        default_type: str = "application/octet-stream",
        charset: str | None = None,
    ) -> None:
        """``default_type``: the type of files whose extension nginx does not map (real
        article URLs often have none: benchmarks/realweb serves them as text/html);
        ``charset``: added to text types' Content-Type (nginx's ``charset``)."""
        self.root = root
        self.default_type = default_type
        self.charset = charset
        manifest = json.loads((root / "manifest.json").read_text("utf-8"))
        self.port = port or manifest["params"]["port"]
        self.hosts = [s["host"] for s in manifest["sites"]]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.root / "access.log"

    def start(self) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise SystemExit("nginx not found: apt-get install -y nginx-light")
        (self.root / "tmp").mkdir(exist_ok=True)
        listens = "\n".join(f"        listen {h}:{self.port};" for h in self.hosts)
        conf = self.root / "nginx.conf"
        charset = f"    charset {self.charset};\n" if self.charset else ""
        text = CONF.format(
            dir=self.root, listens=listens, default_type=self.default_type, charset=charset
        )
        conf.write_text(text, "utf-8")
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.root), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "nginx.out").open("wb"),
        )
        url = f"http://{self.hosts[0]}:{self.port}/robots.txt"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                time.sleep(0.3)
                if self.proc.poll() is not None:  # another server holds the addresses
                    raise SystemExit(f"nginx exited: see {self.root / 'nginx-error.log'}")
                return self
            except OSError:
                if self.proc.poll() is not None:
                    err = (self.root / "nginx.out").read_text() + (
                        self.root / "nginx-error.log"
                    ).read_text()
                    raise SystemExit(f"nginx failed: {err}") from None
                time.sleep(0.1)
        raise SystemExit("nginx did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown: no keep-alive waits
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_offset(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def requests_since(self, offset: int) -> dict[str, int]:
        """Requests logged after ``offset``, by status and by kind of URL."""
        counts: dict[str, int] = {}
        with self.log.open("rb") as f:
            f.seek(offset)
            for line in f:
                parts = line.decode("utf-8", "replace").split(" ", 3)
                if len(parts) < 4:
                    continue
                status, uri = parts[1], parts[3].strip()
                kind = (
                    "feed" if uri.startswith("/feeds/")
                    else "section" if uri.startswith("/sections/")
                    else "robots" if uri == "/robots.txt"
                    else "article" if re.match(r"/20\d\d/", uri)
                    else "other"
                )  # fmt: skip
                for key in (f"{kind}_{status}", f"all_{status}", kind, "all"):
                    counts[key] = counts.get(key, 0) + 1
        return counts


def check_speed(server: Nginx, seconds: float = 5.0) -> dict[str, float]:
    """Requests/s for one ~100 KB article page with ApacheBench, 16 connections, keep-alive
    (``ab`` from apache2-utils; skipped without it)."""
    ab = shutil.which("ab")
    if ab is None:
        return {}
    site = server.root / "www" / server.hosts[0]
    page = next(site.glob("20*/*/*/*.html"))
    url = f"http://{server.hosts[0]}:{server.port}/{page.relative_to(site)}"
    out = subprocess.run(
        [ab, "-q", "-k", "-c", "16", "-t", str(seconds), "-n", "1000000", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    mbps = float(re.search(r"Transfer rate:\s+([\d.]+)", out).group(1)) / 1024  # type: ignore[union-attr]
    return {"article_requests_per_s": rps, "mb_per_s": round(mbps, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--check", action="store_true", help="measure the server's speed and stop")
    args = p.parse_args()
    with Nginx(args.dir) as server:
        print(f"serving {len(server.hosts)} sites on port {server.port}", file=sys.stderr)
        if args.check:
            print(json.dumps(check_speed(server)))
            return
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
