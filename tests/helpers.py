"""What the tests share (imported by the tests, not by conftest magic): the fixture site's
data, real processes of `monitor`, configs for them, plain SQL on the test's store, and mail
servers (aiosmtpd) to receive digests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

DATA = Path(__file__).parent / "data"


ROOT = Path(__file__).parent.parent


#: The server the PostgreSQL runs use; each test gets a database of its own on it.
POSTGRES = os.environ.get(
    "MONITOR_TEST_POSTGRES", "postgresql+psycopg://monitor:monitor@127.0.0.1:5432/postgres"
)


_engines: dict[str, Engine] = {}


def dispose_engines() -> None:
    for e in _engines.values():
        e.dispose()
    _engines.clear()


def db_query(sql: str) -> list[tuple[Any, ...]]:
    """Rows of a plain SQL query on the test's store ([] while it has no tables yet)."""
    url = os.environ["MONITOR_DATABASE_URL"]
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = create_engine(url)
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(text(sql))]
    except SQLAlchemyError as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc):
            return []
        raise


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WATCHLISTS = """
[[watchlists]]
name = "iran"
query = "Iran"

[[watchlists]]
name = "russia"
query = "Russia"

[[watchlists]]
name = "iran-ru"
query = "Иран"

[[watchlists]]
name = "drone-strike"
query = '"drone strike"'
"""


def write_config(
    folder: Path, sources: str, *, extra: str = "", watchlists: str = WATCHLISTS
) -> Path:
    """A config for tests: local site, inline extraction, no throttling, outbox in folder."""
    path = folder / "monitor.toml"
    path.write_text(
        textwrap.dedent("""
        [database]
        url = "sqlite:///monitor.db"
        {sources}
        {watchlists}
        [digest]
        time = "07:00"
        timezone = "Europe/Moscow"
        recipients = ["analyst@example.org"]
        sender = "monitor@example.org"
        outbox = "outbox"

        [crawl]
        extract_workers = 0
        autothrottle = false
        download_timeout = "5s"
        {extra}
    """).format(sources=sources, watchlists=watchlists, extra=extra),
        "utf-8",
    )
    return path


def feed(name: str, url: str, interval: str = "15m") -> str:
    return f'\n[[sources]]\nname = "{name}"\nfeed = "{url}"\ninterval = "{interval}"\n'


def section(name: str, url: str, **options: str) -> str:
    opts = "".join(f"{k} = '{v}'\n" for k, v in options.items())
    return f'\n[[sources]]\nname = "{name}"\nsection = "{url}"\n{opts}'


def run_monitor(
    *args: str,
    config: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real command line, in a real process (a Twisted reactor runs once per process)."""
    cmd = [sys.executable, "-m", "monitor"]
    if config is not None:
        cmd += ["--config", str(config)]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*cmd, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd or ROOT,
    )


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler that keeps what it received and can be told to refuse."""

    messages: list[Any] = field(default_factory=list)
    refuse_data: str | None = None  # e.g. "554 5.7.1 rejected"
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    drop_data: bool = False  # hang up in the middle of the message
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_data:
            server.transport.close()
            return "421 closing"
        if self.refuse_data:
            return self.refuse_data
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class TlsSmtp:
    recorder: SmtpRecorder
    port: int
    ca_file: Path
    user: str = "monitor"
    password: str = "s3cret pass"


def tls_smtp(tmp_path: Path, implicit: bool) -> Iterator[TlsSmtp]:
    """A mail server with a certificate from a throwaway CA that requires a login: over
    STARTTLS, or (``implicit``) TLS from the first byte as on port 465."""
    import ssl

    import trustme
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = TlsSmtp(SmtpRecorder(), free_port(), ca_file)

    def authenticate(srv: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (
            data.login.decode(),
            data.password.decode(),
        ) == (server.user, server.password)
        if ok:
            server.recorder.logins.append((mechanism, data.login.decode()))
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself

    kwargs: dict[str, Any] = {"authenticator": authenticate, "auth_require_tls": True}
    if implicit:
        controller = Controller(
            server.recorder,
            hostname="127.0.0.1",
            port=server.port,
            ssl_context=server_ctx,
            authenticator=authenticate,
            # aiosmtpd does not count TLS from the first byte as TLS for AUTH.
            auth_require_tls=False,
        )
    else:
        controller = Controller(
            server.recorder,
            hostname="127.0.0.1",
            port=server.port,
            tls_context=server_ctx,
            require_starttls=True,
            **kwargs,
        )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def publish_kremlin_story(site_dir: Path) -> None:
    """The fixture RSS feed gains an item: story a2002, which it did not list before."""
    rss = site_dir / "feeds" / "rss2.xml"
    rss.write_text(
        rss.read_text().replace(
            "<item><title>Harvest",
            "<item><title>Kremlin Unveils Next Year's Budget</title>"
            "<link>{{BASE}}/2026/11/21/kremlin-unveils-budget-a2002.html</link></item>"
            "<item><title>Harvest",
        )
    )
