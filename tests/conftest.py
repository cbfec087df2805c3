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
from sqlalchemy import Engine

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
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
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

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
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
