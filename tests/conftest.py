"""Fixtures: a fixture news site on 127.0.0.1, real SQLite files and PostgreSQL databases
migrated by Alembic, real SMTP servers. Shared helpers live in tests/helpers.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.demo.server import FixtureSite
from monitor.store.engine import make_engine
from monitor.store.migrate import upgrade
from tests.helpers import (
    DATA,
    POSTGRES,
    SmtpRecorder,
    TlsSmtp,
    dispose_engines,
    free_port,
    tls_smtp,
)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's cache folder (the language model, monitor.crawl.langcache) is one for the
    session, not the developer's: made once, by the first crawl that starts workers."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the developer's config or write to their data directory."""
    for var in ("MONITOR_CONFIG", "MONITOR_DATABASE_URL", "MONITOR_SMTP_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "data-dir"))


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
        dispose_engines()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


@pytest.fixture
def smtp_starttls(tmp_path: Path) -> Iterator[TlsSmtp]:
    yield from tls_smtp(tmp_path, implicit=False)


@pytest.fixture
def smtp_ssl(tmp_path: Path) -> Iterator[TlsSmtp]:
    yield from tls_smtp(tmp_path, implicit=True)
