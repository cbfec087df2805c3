"""Real components: a fixture news site on 127.0.0.1, real SQLite files migrated by Alembic,
a real SMTP server (aiosmtpd), and the `monitor` command run as a real process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.demo.server import FixtureSite
from monitor.store.engine import make_engine
from monitor.store.migrate import upgrade

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the developer's config or write to their data directory."""
    for var in ("MONITOR_CONFIG", "MONITOR_DATABASE_URL", "MONITOR_SMTP_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "data-dir"))


#: The server the PostgreSQL runs use; each test gets a database of its own on it.
POSTGRES = os.environ.get(
    "MONITOR_TEST_POSTGRES", "postgresql+psycopg://monitor:monitor@127.0.0.1:5432/postgres"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The store every part of a test uses (config loading and `monitor` child processes
    read $MONITOR_DATABASE_URL): a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'monitor.db'}"
        monkeypatch.setenv("MONITOR_DATABASE_URL", url)
        yield url
        return
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"monitor_test_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        reason = (
            f"PostgreSQL is not available at {POSTGRES} ({type(exc).__name__}); "
            "start one or set MONITOR_TEST_POSTGRES"
        )
        if os.environ.get("MONITOR_TEST_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    url = POSTGRES.rsplit("/", 1)[0] + "/" + name
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    try:
        yield url
    finally:
        _dispose_all()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_engines: dict[str, Engine] = {}


def _dispose_all() -> None:
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


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture site that a test may change."""
    target = tmp_path / "site"
    shutil.copytree(DATA / "site", target)
    return target


@pytest.fixture
def site(site_dir: Path) -> Iterator[FixtureSite]:
    with FixtureSite(site_dir) as s:
        yield s


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = make_engine(db_url)
    upgrade(e)
    yield e
    e.dispose()


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


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpRecorder, int]]:
    from aiosmtpd.controller import Controller

    recorder = SmtpRecorder()
    port = free_port()  # aiosmtpd's start-up check fails with port 0
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@dataclass
class TlsSmtp:
    recorder: SmtpRecorder
    port: int
    ca_file: Path
    user: str = "monitor"
    password: str = "s3cret pass"


def _tls_smtp(tmp_path: Path, implicit: bool) -> Iterator[TlsSmtp]:
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


@pytest.fixture
def smtp_starttls(tmp_path: Path) -> Iterator[TlsSmtp]:
    yield from _tls_smtp(tmp_path, implicit=False)


@pytest.fixture
def smtp_ssl(tmp_path: Path) -> Iterator[TlsSmtp]:
    yield from _tls_smtp(tmp_path, implicit=True)


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
