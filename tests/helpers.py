"""What the tests share (imported by the tests, not by conftest magic): the fixture site's
data, real processes of `monitor`, configs for them, plain SQL on the test's store, a
PostgreSQL server of a test's own, and mail servers (aiosmtpd) to receive digests."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
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


class NoPostgresServer(Exception):
    """No PostgreSQL server programs here to start one with (the reason is the message)."""


def postgres_bindir() -> Path:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl, postgres): pg_config's,
    else Debian's /usr/lib/postgresql/<version>/bin (the newest), else the PATH's."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0,
        reverse=True,
    )
    candidates.append(os.path.dirname(shutil.which("pg_ctl") or ""))
    for folder in filter(None, candidates):
        if all(os.access(Path(folder, p), os.X_OK) for p in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    raise NoPostgresServer(
        "no PostgreSQL server programs (initdb, pg_ctl, postgres) found by pg_config, in "
        "/usr/lib/postgresql/*/bin or on the PATH: install PostgreSQL's server package"
    )


@dataclass
class OwnPostgres:
    """A PostgreSQL server of a test's own, on 127.0.0.1:``port``, that the test may stop
    and start without troubling the tests on the shared one (MONITOR_TEST_POSTGRES)."""

    bindir: Path
    folder: Path  # the data directory (``data``), its log and socket
    port: int
    run_as: list[str]  # root may not run PostgreSQL: runuser -u postgres --

    USER = "monitor"
    PASSWORD = "monitor"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), *args)

    def _run(self, program: str, *args: str) -> None:
        r = subprocess.run(
            [*self.run_as, str(self.bindir / program), *args],
            cwd=self.folder,  # readable by the server's user, unlike root's
            capture_output=True,
            text=True,
            timeout=120,
        )
        if r.returncode:
            log = self.folder / "log"
            tail = log.read_text("utf-8", "replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)}: {r.stdout}{r.stderr}{tail}")

    def init(self) -> None:
        (self.folder / "password").write_text(self.PASSWORD + "\n")
        self._run(
            "initdb",
            "-D",
            str(self.folder / "data"),
            f"--username={self.USER}",  # the superuser the tests connect as
            f"--pwfile={self.folder / 'password'}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",  # thrown away after the test
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        log = f"--log={self.folder / 'log'}"
        self._pg_ctl("start", "--wait", "--timeout=60", log, "-o", options)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "--wait", "--timeout=60", f"--mode={mode}")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A new PostgreSQL server, started, with an empty database ``monitor``; stopped and
    deleted at the end whatever happened. Raises NoPostgresServer without the programs."""
    bindir = postgres_bindir()
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="monitor-test-pg-"))
    try:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise NoPostgresServer("running as root without a `postgres` user") from None
            os.chown(folder, user.pw_uid, user.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"]
        server = OwnPostgres(bindir, folder, free_port(), run_as)
        server.init()
        try:
            server.start()
            admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text("CREATE DATABASE monitor"))
            admin.dispose()
            yield server
        finally:
            dispose_engines()  # db_query's, before the server goes
            try:
                server.stop("immediate")
            except RuntimeError:
                pass  # not running (it failed to start, or the test failed while it was down)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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


def run_scrapy(spider: str, *args: str, config: Path) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl SPIDER ARGS` from the repository root, in a real process, with the
    configuration ``config`` (MONITOR_CONFIG): Scrapy's own command line."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", spider, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MONITOR_CONFIG": str(config)},
        cwd=ROOT,
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
