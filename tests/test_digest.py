from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from monitor.config import Config, load_config
from monitor.digest.build import build_digest
from monitor.digest.job import DigestOutcome, run_digest
from monitor.digest.render import build_message, render_html, render_text
from monitor.domain.articles import ArticleData
from monitor.matching import Matcher
from monitor.store.articles import store_article
from monitor.store.digests import due_for_digest, due_hits, recipient_state, record_sent
from monitor.store.engine import transaction
from monitor.store.hits import HitRow
from monitor.store.models import Digest, Hit, utcnow
from monitor.storeconfig import open_store
from tests.helpers import SmtpRecorder, feed, write_config

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
    counted = build_digest([row(1, "iran", "I")], ["iran"], d.generated_at, more={"iran": 1234})
    assert counted.subject() == "News monitor: 1,235 new hits (iran 1,235)"


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
    from tests.helpers import free_port

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
    from monitor.store.sources import record_source_result

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


def test_hostile_titles_never_reach_a_header_and_huge_ones_are_cut() -> None:
    encoded = "=?utf-8?q?Bcc=3A_victim=40example=2Eorg?= Iran"
    huge = "Iran " + "x" * 100_000
    d = build_digest(
        [
            row(1, "iran", encoded),
            row(2, "iran", "Iran\r\nBcc: victim@example.org"),
            row(3, "iran", huge),
        ],
        ["iran"],
        datetime(2026, 11, 27, tzinfo=UTC),
    )
    msg = build_message(d, sender="monitor@example.org", recipients=["a@example.org"], zone=ZONE)
    raw = msg.as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"victim" not in head and b"=?utf-8?q?Bcc" not in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["To"] == "a@example.org"
    assert parsed["Subject"] == "News monitor: 3 new hits (iran 3)"
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "x" * 299 not in html and "x" * 200 in html  # cut to 300 characters
    assert len(raw) < 60_000
    assert "=?utf-8?q?Bcc=3A_victim=40example=2Eorg?= Iran" in html  # shown as text


def test_summary_shows_trends_and_busiest_sources() -> None:
    hits = [row(i, "iran", f"Story {i}") for i in range(1, 8)] + [row(9, "russia", "R")]
    d = build_digest(
        hits,
        ["iran", "russia"],
        datetime(2026, 11, 27, tzinfo=UTC),
        usual={"iran": 2.2, "russia": 1},
    )
    assert [t.text() for t in d.trends] == ["iran: 7 hits, usual is 2", "russia: 1 hit, usual is 1"]
    assert [t.rising for t in d.trends] == [True, False]
    assert d.busiest == (("wire", 8),)
    text = render_text(d, ZONE)
    assert "iran: 7 hits, usual is 2  ^ rising" in text and "busiest sources: wire (8)" in text
    assert "&#9650; rising" in render_html(d, ZONE)


def test_user_templates_replace_ours_and_a_broken_one_keeps_the_hits(
    with_hits: tuple[Path, Engine], tmp_path: Path
) -> None:
    config_path, engine = with_hits
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "digest.txt").write_text(
        "OUR HOUSE DIGEST\n"
        "{% for g in d.groups %}{{ g.watchlist }}={{ g.entries|length }}\n{% endfor %}"
    )
    (mine / "digest.html").write_text("<p>{{ d.groups[0].entries[0].title }}</p>")
    config_path.write_text(
        config_path.read_text().replace(
            'outbox = "outbox"', 'outbox = "outbox"\ntemplates = "templates"'
        )
    )
    config = load_config(config_path)
    dry = send(config, engine, dry_run=True)
    assert dry.message is not None
    text = dry.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("OUR HOUSE DIGEST\niran=2\nrussia=2")
    (mine / "digest.html").write_text("<p>{{ d.no_such_thing }}</p>")
    from monitor.digest import render

    render._environment.cache_clear()
    broken = send(config, engine)
    assert broken.status == "failed"
    assert "the digest template digest.html" in (broken.error or "")
    assert "no_such_thing" in (broken.error or "")
    with transaction(engine) as s:
        assert len(pending(s)) == 4


def test_empty_digest_can_be_sent_with_source_health(
    with_hits: tuple[Path, Engine], tmp_path: Path
) -> None:
    config_path, engine = with_hits
    config_path.write_text(
        config_path.read_text().replace('outbox = "outbox"', 'outbox = "outbox"\nempty = "send"')
    )
    config = load_config(config_path)
    assert send(config, engine).hits == 4
    empty = send(config, engine)
    assert empty.status == "sent" and empty.hits == 0 and empty.message is not None
    assert empty.message["Subject"] == "News monitor: no new hits"
    assert "No new hits since the last digest." in empty.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.mark.slow
def test_html_digest_renders_in_chromium(tmp_path: Path) -> None:
    from PIL import Image

    if CHROMIUM is None:
        reason = "chromium is not installed (apt-get install chromium)"
        if os.environ.get("MONITOR_TEST_REQUIRE_CHROMIUM"):
            pytest.fail(reason)
        pytest.skip(reason)

    hits = [
        row(1, "iran", "Tehran and Moscow sign a drone pact"),
        row(2, "iran", HOSTILE, snippet=HOSTILE, highlights=[[26, 30]]),
        row(3, "russia", "Iran" + "x" * 5000, snippet="Iran " + "y" * 3000),  # no spaces
        row(4, "russia", "js link", url="javascript:alert(1)"),
    ]
    d = build_digest(
        hits, ["iran", "russia"], datetime(2026, 11, 27, tzinfo=UTC), usual={"iran": 0}
    )
    page = tmp_path / "digest.html"
    page.write_text(render_html(d, ZONE), "utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "digest.png"
    shot.unlink(missing_ok=True)
    result = chromium(f"--screenshot={shot}", "--window-size=800,1200", page.as_uri())
    assert shot.is_file(), result.stderr[-2000:]
    dom = chromium("--dump-dom", page.as_uri()).stdout
    for expected in (
        "4 new hits",
        "Tehran and Moscow sign a drone pact",
        "iran: 2 hits, usual is 0",
    ):
        assert expected in dom
    assert "<script>" not in dom and "&lt;script&gt;alert(1)" in dom  # text, not a script
    img = Image.open(shot).convert("RGB")
    assert img.size == (800, 1200)
    pixels = img.load()
    assert pixels is not None
    # The 640-pixel column is centred and holds: the long unbroken title and snippet wrap
    # inside it instead of pushing the page wider than a mail client's pane.
    margin = {pixels[x, y] for x in range(740, 800) for y in range(0, 1200, 5)}
    assert margin == {(0xF4, 0xF4, 0xF4)}, "content spilled into the right margin"
    colours = {pixels[x, y] for x in range(100, 700, 2) for y in range(20, 700, 2)}
    assert (0xFF, 0xF3, 0xA3) in colours  # the highlight of matched terms
    assert any(r < 80 and g < 80 and b < 80 for r, g, b in colours)  # dark text was drawn


def store_story(engine: Engine, matcher: Matcher, title: str, hour: int) -> None:
    data = ArticleData(
        source="wire",
        url=f"http://news.test/2026/11/story-{hour}",
        title=title,
        text=f"{title}. Different words each time: {hour} {'x' * hour}.",
        published_at=datetime(2026, 11, 20, tzinfo=UTC) + timedelta(hours=hour),
    )
    with transaction(engine) as s:
        store_article(s, data, matcher.match(data.fields()))


def test_a_backlog_shows_the_newest_of_each_watchlist_and_counts_the_rest(
    tmp_path: Path, db_url: str, smtp: tuple[SmtpRecorder, int]
) -> None:
    recorder, port = smtp
    config_path = write_config(tmp_path, feed("wire", "http://news.test/rss"))
    text = config_path.read_text().replace(
        'outbox = "outbox"', 'outbox = "outbox"\nmax_per_watchlist = 3'
    )
    config_path.write_text(text)
    config = smtp_config(config_path, port)
    engine = open_store(config)
    matcher = Matcher({"iran": "Iran", "russia": "Russia"})
    for hour in range(8):  # stored one after the other: the last three are the newest
        store_story(engine, matcher, f"Iran story {hour}", hour)
    store_story(engine, matcher, "Russia story", 20)
    outcome = send(config, engine)
    assert outcome.status == "sent" and outcome.hits == 9
    [msg] = received(recorder)
    assert msg["Subject"] == "News monitor: 9 new hits (iran 8, russia 1)"
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    titles = [line for line in plain.splitlines() if line.startswith("* ")]
    assert titles == ["* Iran story 7", "* Iran story 6", "* Iran story 5", "* Russia story"]
    today = utcnow().date().isoformat()
    command = f"monitor hits --watchlist iran --since {today}"
    assert "== iran (3 shown, 5 more) ==" in plain and "== russia (1) ==" in plain
    assert "... and 5 more hits, not shown (the newest are above):" in plain
    assert command in plain and "--watchlist russia" not in plain
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "and 5 more hits, not shown" in html and "<code" in html and command in html
    with transaction(engine) as s:
        assert pending(s) == []  # the counted ones too: the next digest does not repeat them
        assert s.scalars(select(Digest.hit_count)).all() == [9]
        assert None not in s.scalars(select(Hit.sent_at)).all()  # `monitor hits`: "sent"
    store_story(engine, matcher, "Iran story 30", 30)
    again = send(config, engine)
    assert again.status == "sent" and again.hits == 1
    assert received(recorder)[1]["Subject"] == "News monitor: 1 new hit (iran 1)"


def test_counted_hits_are_those_due_when_the_digest_was_asked_for(
    with_hits: tuple[Path, Engine],
) -> None:
    _, engine = with_hits  # iran 2, russia 2 (one article has both)
    with transaction(engine) as s:
        state = recipient_state(s, "default")
        asked_at = utcnow()
        due = due_for_digest(s, state, ["iran", "russia"], 1)
        assert (len(due.hits), due.more) == (2, {"iran": 1, "russia": 1})
    # Found while the message was being sent: not in it, not counted, so still due after.
    store_story(engine, Matcher({"iran": "Iran"}), "Iran story late", 9)
    with transaction(engine) as s:
        state = recipient_state(s, "default")
        record_sent(
            s,
            state,
            due.hits,
            asked_at=asked_at,
            slot_at=None,
            addresses=["analyst@example.org"],
            destination="smtp",
            message_id="<m@test>",
            more=due.more,
        )
    with transaction(engine) as s:
        assert [h.title for h in pending(s)] == ["Iran story late"]
