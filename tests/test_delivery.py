"""Delivery per recipient, through real servers: SMTP (plain, STARTTLS, SSL, with AUTH and
injected faults) and apprise to a local webhook. Exactly once: a hit is marked for a
recipient only when that recipient's message was accepted."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from monitor.config import Config, load_config
from monitor.digest.job import run_digest, run_now
from monitor.domain.articles import ArticleData
from monitor.matching import Matcher
from monitor.store.articles import store_article
from monitor.store.digests import due_hits, recipient_state
from monitor.store.engine import transaction
from monitor.store.models import Digest, RecipientState
from monitor.storeconfig import open_store
from tests.helpers import SmtpRecorder, TlsSmtp, feed, free_port, run_monitor, write_config

RECIPIENTS = """
[[recipients]]
name = "desk"
to = "desk@example.org"
watchlists = ["iran"]

[[recipients]]
name = "editor"
to = ["editor@example.org", "deputy@example.org"]
watchlists = ["iran", "russia"]
"""


def store(engine: Engine, n: int, title: str, text: str = "More text.") -> None:
    matcher = Matcher({"iran": "Iran", "russia": "Russia"})
    data = ArticleData(
        source="wire", url=f"http://news.test/2026/11/2{n}/story-{n}", title=title, text=text
    )
    with transaction(engine) as s:
        store_article(s, data, matcher.match(data.fields()))


@pytest.fixture
def setup(tmp_path: Path, db_url: str) -> tuple[Path, Engine]:
    """Two recipients with different watchlists, three stories (iran 2, russia 2)."""
    path = write_config(tmp_path, feed("wire", "http://news.test/rss"), extra=RECIPIENTS)
    path.write_text(path.read_text().replace('recipients = ["analyst@example.org"]\n', ""))
    engine = open_store(load_config(path))
    store(engine, 0, "Iran and Russia sign a deal")
    store(engine, 1, "Iran talks resume")
    store(engine, 2, "Russia budget grows")
    return path, engine


def with_smtp(path: Path, port: int, extra: str = "") -> Config:
    path.write_text(
        path.read_text()
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        + f'timeout = "5s"\n{extra}\n'
    )
    return load_config(path)


def parsed(recorder: SmtpRecorder) -> list[EmailMessage]:
    return [
        email.message_from_bytes(e.content, policy=email.policy.default)  # type: ignore[misc]
        for e in recorder.messages
    ]


def due(engine: Engine, name: str, watchlists: tuple[str, ...] = ("iran", "russia")) -> list[str]:
    with transaction(engine) as s:
        return sorted(h.title or "" for h in due_hits(s, recipient_state(s, name), watchlists))


def test_each_recipient_gets_its_watchlists_once(
    setup: tuple[Path, Engine], smtp: tuple[SmtpRecorder, int]
) -> None:
    path, engine = setup
    recorder, port = smtp
    config = with_smtp(path, port)
    outcomes = {o.recipient: o for o in run_now(config, engine)}
    assert {k: (o.status, o.hits) for k, o in outcomes.items()} == {
        "desk": ("sent", 2),
        "editor": ("sent", 4),
    }
    desk, editor = parsed(recorder)
    assert recorder.messages[0].rcpt_tos == ["desk@example.org"]
    assert recorder.messages[1].rcpt_tos == ["editor@example.org", "deputy@example.org"]
    assert desk["Subject"] == "News monitor: 2 new hits (iran 2)"
    assert editor["Subject"] == "News monitor: 4 new hits (iran 2, russia 2)"
    for msg in (desk, editor):
        assert msg["Message-ID"] and msg["Date"] and msg["From"] == "monitor@example.org"
        assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    assert "Russia budget" not in desk.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # Nothing new: no second mail to anyone.
    assert [o.status for o in run_now(config, engine)] == ["empty", "empty"]
    assert len(recorder.messages) == 2
    # A new story goes to whoever watches it, once.
    store(engine, 3, "Russia and Iran hold drills")
    assert [(o.recipient, o.hits) for o in run_now(config, engine)] == [
        ("desk", 1),
        ("editor", 2),
    ]
    assert len(recorder.messages) == 4


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("451 4.3.0 Mailbox busy, try again later", "answered 451 4.3.0 Mailbox busy"),
        ("554 5.7.1 Message rejected by policy", "answered 554 5.7.1 Message rejected"),
        ("drop", "SMTPServerDisconnected"),
    ],
)
def test_a_failed_send_marks_nothing_and_the_retry_sends_once(
    setup: tuple[Path, Engine], smtp: tuple[SmtpRecorder, int], fault: str, expected: str
) -> None:
    path, engine = setup
    recorder, port = smtp
    config = with_smtp(path, port)
    if fault == "drop":
        recorder.drop_data = True  # the connection breaks in the middle of DATA
    else:
        recorder.refuse_data = fault
    failed = run_digest(config, engine, config.recipient("editor"))
    assert failed.status == "failed" and expected in (failed.error or ""), failed.error
    assert failed.retry_at is not None
    assert len(due(engine, "editor")) == 4 and recorder.messages == []
    with transaction(engine) as s:
        state = s.scalars(select(RecipientState).where(RecipientState.name == "editor")).one()
        assert state.consecutive_failures == 1 and state.last_error == failed.error
    status = run_monitor("status", config=path)
    assert "FAILING (1x)" in status.stdout and expected in status.stdout
    recorder.drop_data, recorder.refuse_data = False, None
    sent = run_digest(config, engine, config.recipient("editor"))
    assert (sent.status, sent.hits) == ("sent", 4)
    assert len(recorder.messages) == 1 and due(engine, "editor") == []


def test_one_bad_recipient_among_several_does_not_hold_back_the_others(
    setup: tuple[Path, Engine], smtp: tuple[SmtpRecorder, int]
) -> None:
    path, engine = setup
    recorder, port = smtp
    recorder.refuse_rcpt["desk@example.org"] = "550 5.1.1 No such user"
    config = with_smtp(path, port)
    outcomes = {o.recipient: o for o in run_now(config, engine)}
    assert outcomes["desk"].status == "failed"
    assert "550 5.1.1 No such user" in (outcomes["desk"].error or "")
    assert outcomes["editor"].status == "sent"
    assert len(due(engine, "desk", ("iran",))) == 2 and due(engine, "editor") == []


def test_server_refusing_connections_keeps_every_hit(setup: tuple[Path, Engine]) -> None:
    path, engine = setup
    config = with_smtp(path, free_port())
    outcomes = run_now(config, engine)
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "ConnectionRefusedError" in (outcomes[0].error or "")
    assert len(due(engine, "desk", ("iran",))) == 2 and len(due(engine, "editor")) == 4


def tls_config(path: Path, server: TlsSmtp, security: str, ca: bool = True) -> Config:
    extra = f'username = "{server.user}"\n' + (f'ca_file = "{server.ca_file}"\n' if ca else "")
    with_smtp(path, server.port, extra)
    path.write_text(path.read_text().replace('security = "none"', f'security = "{security}"'))
    return load_config(path)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(
    setup: tuple[Path, Engine],
    security: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, engine = setup
    server: TlsSmtp = request.getfixturevalue(f"smtp_{security}")
    config = tls_config(path, server, security)
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "wrong")
    bad = run_digest(config, engine, config.recipient("desk"))
    assert bad.status == "failed" and "535" in (bad.error or ""), bad.error
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", server.password)
    good = run_digest(config, engine, config.recipient("desk"))
    assert good.status == "sent", good.error
    assert [m for m, _ in server.recorder.logins] and server.recorder.logins[0][1] == "monitor"
    [msg] = parsed(server.recorder)
    assert msg["Subject"] == "News monitor: 2 new hits (iran 2)"


def test_untrusted_certificate_is_refused(
    setup: tuple[Path, Engine], smtp_starttls: TlsSmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, engine = setup
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", smtp_starttls.password)
    config = tls_config(path, smtp_starttls, "starttls", ca=False)  # system CAs only
    outcome = run_digest(config, engine, config.recipient("desk"))
    assert outcome.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in (outcome.error or "")
    assert smtp_starttls.recorder.messages == []


class _Webhook(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append((self.path, json.loads(body)))
        status = self.server.status
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def webhook() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    server.received, server.status = [], 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_apprise_recipient_gets_a_notification(
    setup: tuple[Path, Engine], webhook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, engine = setup
    port = webhook.server_address[1]
    monkeypatch.setenv("HOOK_TOKEN", "t0ken")
    path.write_text(
        path.read_text()
        + f'\n[[recipients]]\nname = "chat"\nto = "json://127.0.0.1:{port}/hook/${{HOOK_TOKEN}}"\n'
        + 'schedule = "immediate"\nwatchlists = ["russia"]\n'
    )
    config = load_config(path)
    webhook.status = 500
    failed = run_digest(config, engine, config.recipient("chat"))
    assert failed.status == "failed" and "did not accept" in (failed.error or "")
    assert "t0ken" not in (failed.error or "")  # the URL's secret is never shown
    assert len(due(engine, "chat", ("russia",))) == 2
    webhook.status = 200
    sent = run_digest(config, engine, config.recipient("chat"))
    assert sent.status == "sent" and sent.destination and "t0ken" not in sent.destination
    path_, payload = webhook.received[-1]
    assert path_ == "/hook/t0ken"
    assert payload["title"] == "News monitor alert: 2 new hits (russia 2)"
    assert "Russia budget grows" in payload["message"]
    assert due(engine, "chat", ("russia",)) == []
    with transaction(engine) as s:
        assert s.scalars(select(Digest.status).where(Digest.recipient == "chat")).all() == [
            "failed",
            "sent",
        ]
