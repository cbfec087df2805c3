from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from monitor.config import Config, load_config
from monitor.crawl.items import ArticleData
from monitor.digest.build import build_digest
from monitor.digest.job import DigestOutcome, run_digest
from monitor.digest.render import build_message, render_html, render_text
from monitor.matching import Matcher
from monitor.store.deliveries import recipient_state
from monitor.store.engine import transaction
from monitor.store.models import Digest
from monitor.store.open import open_store
from monitor.store.queries import HitRow, due_hits
from monitor.store.repo import store_article
from tests.conftest import SmtpRecorder, feed, write_config

ZONE = __import__("zoneinfo").ZoneInfo("Europe/Moscow")
HOSTILE = '<script>alert(1)</script> Iran "quoted" & <b>bold</b>\r\nBcc: victim@example.org'


def row(
    i: int,
    watchlist: str,
    title: str,
    url: str | None = None,
    snippet: str = "Iran said",
    highlights: list[list[int]] | None = None,
) -> HitRow:
    return HitRow(
        id=i,
        watchlist=watchlist,
        matched=["Iran"],
        url=url or f"https://news.test/{i}",
        title=title,
        source="wire",
        published=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
        first_seen=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        snippet=snippet,
        highlights=highlights if highlights is not None else [[0, 4]],
        sent_at=None,
    )


def test_grouped_by_watchlist_in_config_order() -> None:
    d = build_digest(
        [row(1, "russia", "R"), row(2, "iran", "I1"), row(3, "iran", "I2")],
        ["iran", "russia"],
        datetime(2026, 11, 27, tzinfo=UTC),
    )
    assert [(g.watchlist, len(g.entries)) for g in d.groups] == [("iran", 2), ("russia", 1)]
    assert d.hit_ids == [2, 3, 1]
    assert d.subject() == "News monitor: 3 new hits (iran 2, russia 1)"


def test_text_and_html_show_title_source_time_snippet_link() -> None:
    d = build_digest([row(1, "iran", "Tehran Talks")], ["iran"], datetime(2026, 11, 27, tzinfo=UTC))
    text = render_text(d, ZONE)
    assert "== iran (1) ==" in text and "* Tehran Talks" in text
    assert "wire | 2026-11-20 10:00 MSK | matched: Iran" in text  # the reader's zone
    assert "*Iran* said" in text and "https://news.test/1" in text
    html = render_html(d, ZONE)
    assert '<a href="https://news.test/1"' in html
    assert "<mark" in html and ">Iran</mark> said" in html
    assert "<script" not in html and "<img" not in html


def test_hostile_feed_text_is_escaped_and_kept_out_of_headers() -> None:
    d = build_digest(
        [
            row(1, "iran", HOSTILE, snippet=HOSTILE, highlights=[[26, 30]]),
            row(2, "iran", "js link", url="javascript:alert(document.cookie)"),
        ],
        ["iran"],
        datetime(2026, 11, 27, tzinfo=UTC),
    )
    html = render_html(d, ZONE)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html
    assert 'href="javascript:' not in html  # shown as text, never as a link
    assert "javascript:alert(document.cookie)" in html
    msg = build_message(d, sender="monitor@example.org", recipients=["a@example.org"], zone=ZONE)
    raw = msg.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and "victim" not in str(parsed["Subject"])
    assert parsed["Subject"] == "News monitor: 2 new hits (iran 2)"
    assert parsed["Message-ID"] and parsed["Date"]
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None


def send(config: Config, engine: Engine, name: str = "default", **kw: bool) -> DigestOutcome:
    return run_digest(config, engine, config.recipient(name), **kw)


def pending(s: Session, name: str = "default") -> list[HitRow]:
    """Hits due to the recipient: not delivered in their current version."""
    return due_hits(s, recipient_state(s, name), ["iran", "russia"])


@pytest.fixture
def with_hits(tmp_path: Path, db_url: str) -> tuple[Path, Engine]:
    config_path = write_config(tmp_path, feed("wire", "http://news.test/rss"))
    config = load_config(config_path)
    engine = open_store(config)
    matcher = Matcher({"iran": "Iran", "russia": "Russia"})
    for i, title in enumerate(["Iran and Russia sign a deal", "Iran talks", "Russia budget"]):
        data = ArticleData(
            source="wire",
            url=f"http://news.test/2026/11/2{i}/story-{i}",
            title=title,
            text=f"{title}. More text.",
        )
        with transaction(engine) as s:
            store_article(s, data, matcher.match(data.fields()))
    return config_path, engine


def smtp_config(config_path: Path, port: int, extra: str = "") -> Config:
    config_path.write_text(
        config_path.read_text()
        + f"""
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = "5s"
{extra}
"""
    )
    return load_config(config_path)


def received(recorder: SmtpRecorder) -> list[EmailMessage]:
    return [
        email.message_from_bytes(e.content, policy=email.policy.default)  # type: ignore[misc]
        for e in recorder.messages
    ]


def test_smtp_delivery_marks_hits_sent(
    with_hits: tuple[Path, Engine], smtp: tuple[SmtpRecorder, int]
) -> None:
    config_path, engine = with_hits
    recorder, port = smtp
    config = smtp_config(config_path, port)
    outcome = send(config, engine)
    assert outcome.status == "sent" and outcome.hits == 4
    [msg] = received(recorder)
    assert msg["Subject"] == "News monitor: 4 new hits (iran 2, russia 2)"
    assert recorder.messages[0].rcpt_tos == ["analyst@example.org"]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert html.count("<mark") == 4 and "Iran talks" in html
    with transaction(engine) as s:
        assert pending(s) == []
    # Nothing new: the next run sends nothing.
    assert send(config, engine).status == "empty"
    assert len(recorder.messages) == 1


def test_refused_mail_keeps_hits_for_the_next_digest(
    with_hits: tuple[Path, Engine], smtp: tuple[SmtpRecorder, int]
) -> None:
    config_path, engine = with_hits
    recorder, port = smtp
    config = smtp_config(config_path, port)
    recorder.refuse_data = "554 5.7.1 Message rejected by policy"
    failed = send(config, engine)
    assert failed.status == "failed" and failed.error is not None
    assert "554 5.7.1 Message rejected by policy" in failed.error
    with transaction(engine) as s:
        assert len(pending(s)) == 4
        assert s.scalars(select(Digest.status)).all() == ["failed"]
    recorder.refuse_data = None
    sent = send(config, engine)
    assert sent.status == "sent" and sent.hits == 4  # all of them, once
    assert len(recorder.messages) == 1


def test_server_down_keeps_hits(with_hits: tuple[Path, Engine]) -> None:
    from tests.conftest import free_port

    config_path, engine = with_hits
    config = smtp_config(config_path, free_port())
    outcome = send(config, engine)
    assert outcome.status == "failed" and "ConnectionRefusedError" in (outcome.error or "")
    with transaction(engine) as s:
        assert len(pending(s)) == 4


def test_username_without_password_is_a_clear_error(
    with_hits: tuple[Path, Engine], smtp: tuple[SmtpRecorder, int]
) -> None:
    config_path, engine = with_hits
    config = smtp_config(config_path, smtp[1], 'username = "monitor"')
    outcome = send(config, engine)
    assert outcome.status == "failed"
    assert "$MONITOR_SMTP_PASSWORD is empty" in (outcome.error or "")


def test_one_refused_recipient_does_not_block_the_others(
    with_hits: tuple[Path, Engine], smtp: tuple[SmtpRecorder, int]
) -> None:
    config_path, engine = with_hits
    recorder, port = smtp
    config_path.write_text(
        config_path.read_text().replace(
            'recipients = ["analyst@example.org"]',
            'recipients = ["analyst@example.org", "gone@example.org"]',
        )
    )
    recorder.refuse_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    outcome = send(smtp_config(config_path, port), engine)
    assert outcome.status == "sent"
    assert recorder.messages[0].rcpt_tos == ["analyst@example.org"]
    with transaction(engine) as s:
        assert "gone@example.org" in (s.scalars(select(Digest.error)).one() or "")


def test_outbox_when_no_smtp(with_hits: tuple[Path, Engine], tmp_path: Path) -> None:
    config_path, engine = with_hits
    outcome = send(load_config(config_path), engine)
    assert outcome.status == "sent"
    [eml] = (tmp_path / "outbox").glob("*.eml")
    assert str(eml) == outcome.destination
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert "Iran talks" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert not list((tmp_path / "outbox").glob(".digest-*"))  # no temporary file left


def test_unwritable_outbox_keeps_hits(with_hits: tuple[Path, Engine], tmp_path: Path) -> None:
    config_path, engine = with_hits
    (tmp_path / "outbox").write_text("a file where the folder should be")
    outcome = send(load_config(config_path), engine)
    assert outcome.status == "failed" and "cannot write the digest" in (outcome.error or "")
    with transaction(engine) as s:
        assert len(pending(s)) == 4


def test_dry_run_marks_nothing(with_hits: tuple[Path, Engine], tmp_path: Path) -> None:
    config_path, engine = with_hits
    outcome = send(load_config(config_path), engine, dry_run=True)
    assert outcome.status == "dry-run" and outcome.message is not None
    assert not (tmp_path / "outbox").exists()
    with transaction(engine) as s:
        assert len(pending(s)) == 4
        assert s.scalars(select(Digest)).all() == []


def test_sources_needing_attention_are_listed_and_escaped(
    with_hits: tuple[Path, Engine], tmp_path: Path
) -> None:
    from monitor.store.repo import record_source_result

    config_path, engine = with_hits
    with transaction(engine) as s:
        record_source_result(s, "wire", error="HttpError: <script>x</script> 503", entries=None)
    outcome = send(load_config(config_path), engine)
    assert outcome.message is not None
    text = outcome.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "== sources needing attention ==" in text
    assert "* wire: failing since" in text
    html = outcome.message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Sources needing attention" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
