"""`monitor run` as a real long-lived process: cycles, digest catch-up, clean stop."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.demo.server import FixtureSite
from monitor.store.engine import describe
from tests.helpers import ROOT, db_query, feed, publish_kremlin_story, run_monitor, write_config

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("db_url")]


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.3)


@pytest.fixture
def start_daemon() -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(config: Path) -> subprocess.Popen[str]:
        p = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def stop(p: subprocess.Popen[str]) -> tuple[float, str, str]:
    started = time.monotonic()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    return time.monotonic() - started, out, err


def test_two_cycles_in_one_process_then_sigterm(
    db_url: str, tmp_path: Path, site: FixtureSite, site_dir: Path, start_daemon
) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        feed("rss", site.url("/feeds/rss2.xml"), interval="2s"),
        extra='[daemon]\ntick = "1s"\n',
    )
    daemon = start_daemon(config)
    wait_for(lambda: db_query("SELECT count(*) FROM crawl_runs WHERE status = 'ok'") >= [(1,)])
    assert db_query("SELECT count(*) FROM hits") == [(3,)]
    # A new story appears; the next cycle of the same daemon process stores it.
    publish_kremlin_story(site_dir)
    wait_for(lambda: db_query("SELECT count(*) FROM hits") == [(4,)])
    wait_for(lambda: db_query("SELECT count(*) FROM crawl_runs WHERE status = 'ok'") >= [(3,)])
    assert daemon.poll() is None  # still running after several cycles
    seconds, out, err = stop(daemon)
    assert daemon.returncode == 0, err
    assert seconds < 15
    assert f"database: {describe(db_url)}" in out  # without a password
    assert f"written to the outbox {tmp_path / 'outbox'}" in out
    assert "cycle finished" in err and "daemon stopped" in err
    # Nothing was duplicated by the repeated cycles.
    assert db_query("SELECT count(*) FROM articles") == [(3,)]
    assert db_query("SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]


def test_missed_digest_is_sent_once_at_start_up(
    tmp_path: Path, site: FixtureSite, start_daemon
) -> None:  # type: ignore[no-untyped-def]
    earlier = (datetime.now(UTC) - timedelta(minutes=10)).strftime("%H:%M")
    config = write_config(
        tmp_path,
        feed("rss", site.url("/feeds/rss2.xml"), interval="1d"),
        extra='[daemon]\ntick = "1s"\n',
    )
    config.write_text(
        config.read_text()
        .replace('time = "07:00"', f'time = "{earlier}"')
        .replace('timezone = "Europe/Moscow"', 'timezone = "UTC"')
    )
    assert run_monitor("crawl", config=config).returncode == 0  # hits while "down"
    daemon = start_daemon(config)
    outbox = tmp_path / "outbox"
    wait_for(lambda: len(list(outbox.glob("*.eml"))) == 1, timeout=30)
    time.sleep(2.5)  # more ticks: still one digest
    assert len(list(outbox.glob("*.eml"))) == 1
    assert db_query("SELECT count(*) FROM hits WHERE digest_id IS NULL") == [(0,)]
    stop(daemon)
    # A restart does not send the same slot again.
    again = start_daemon(config)
    time.sleep(4)
    stop(again)
    assert len(list(outbox.glob("*.eml"))) == 1
    assert db_query("SELECT status, count(*) FROM digests GROUP BY status") == [("sent", 1)]


def test_without_network_it_keeps_running_and_reports(tmp_path: Path, start_daemon) -> None:  # type: ignore[no-untyped-def]
    # A host name that cannot resolve stands in for "no network access".
    config = write_config(
        tmp_path,
        feed("offline", "http://news.invalid/rss.xml", interval="1s"),
        extra='[daemon]\ntick = "1s"\n',
    )
    daemon = start_daemon(config)
    wait_for(lambda: db_query("SELECT consecutive_failures FROM sources") >= [(2,)])
    assert daemon.poll() is None
    [(error,)] = db_query("SELECT last_error FROM sources")
    assert error.startswith("DNSLookupError: cannot resolve news.invalid")
    _, _, err = stop(daemon)
    assert daemon.returncode == 0
    assert "source failed source=offline error=DNSLookupError" in err


def test_one_daemon_per_store(tmp_path: Path, start_daemon) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        feed("offline", "http://news.invalid/rss.xml", "1d"),
        extra='[daemon]\ntick = "1s"\n',
    )
    first = start_daemon(config)
    wait_for(lambda: db_query("SELECT count(*) FROM crawl_runs") >= [(1,)])
    second = start_daemon(config)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 1
    assert "error: another monitor daemon" in err and "is running on" in err
    assert first.poll() is None  # the first one carries on
    first.send_signal(signal.SIGKILL)  # no clean-up at all
    first.wait()
    third = start_daemon(config)  # the lock went with the process
    time.sleep(3)
    assert third.poll() is None
    stop(third)


def test_immediate_recipient_gets_an_alert_and_no_more_than_one_per_period(
    tmp_path: Path, site: FixtureSite, start_daemon
) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        feed("rss", site.url("/feeds/rss2.xml"), interval="1d"),
        extra='[daemon]\ntick = "1s"\n\n[[recipients]]\nname = "pager"\n'
        'to = "pager@example.org"\nschedule = "immediate"\nevery = "1h"\n',
    )
    config.write_text(config.read_text().replace('recipients = ["analyst@example.org"]\n', ""))
    daemon = start_daemon(config)
    outbox = tmp_path / "outbox"
    wait_for(lambda: len(list(outbox.glob("*.eml"))) == 1, timeout=60)
    wait_for(lambda: db_query("SELECT count(*) FROM crawl_runs WHERE status = 'ok'") == [(1,)])
    time.sleep(3)  # more digest checks: the hits found after the alert wait for the next hour
    stop(daemon)
    [eml] = outbox.glob("*.eml")
    assert b"Subject: News monitor alert: " in eml.read_bytes()
    assert db_query("SELECT recipient, status FROM digests") == [("pager", "sent")]


def test_the_daemons_statistics_job_gathers_them_and_outlives_a_failure(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The daily job that keeps the planner's statistics fresh (SQLite gathers none by
    itself); a failure is logged and the daemon carries on."""
    import monitor.daemon
    from monitor.config import load_config

    daemon = monitor.daemon.Daemon(load_config(write_config(tmp_path, feed("wire", "http://w/"))))
    if db_url.startswith("sqlite"):
        gathered = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
    else:
        gathered = "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
    assert db_query(gathered) == [(0,)]
    daemon.refresh_statistics()
    wait_for(lambda: db_query(gathered)[0][0] > 0, timeout=10)

    def broken(engine: object) -> float:
        raise RuntimeError("disk full")

    import monitor.store.maintenance  # the daily chores are monitor.app.daily_maintenance

    monkeypatch.setattr(monitor.store.maintenance, "refresh_statistics", broken)
    daemon.refresh_statistics()  # logged, not raised
    assert "cannot refresh the planner's statistics" in caplog.text
    daemon.engine.dispose()
