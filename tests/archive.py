"""A small hit archive for the query, feed and web tests, stored the way a crawl stores it:
the real matcher, story signatures and ``store_article`` on the test's real database. Then
the hits' times are spread over past days (a crawl over weeks, without the weeks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from monitor.domain import stories
from monitor.domain.articles import ArticleData
from monitor.matching import Matcher
from monitor.store.articles import store_article
from monitor.store.engine import make_engine, transaction
from monitor.store.migrate import upgrade
from monitor.store.sources import sync_sources
from tests.helpers import feed, write_config

WATCHLISTS = {"iran": "Iran OR Tehran", "russia": "Russia", "drones": "drone*"}

HOSTILE_TITLE = '<script>alert("x")</script> Iran <img src=x onerror=alert(1)>'
HOSTILE_URL = "javascript:alert(document.cookie)//iran"

WIRE_TEXT = (
    "Drones launched from Iran struck a convoy near the border on Monday, officials in Tehran "
    "said, in the third such attack this month. The convoy was carrying supplies for the "
    "reconstruction of the northern districts, which were damaged by floods in the spring. "
    "Witnesses described a loud explosion followed by a column of smoke that could be seen "
    "from the nearby villages. No group has claimed responsibility so far, and the ministry "
    "promised a full investigation of the incident within a week."
)


def _body(topic: str, n: int) -> str:
    return (
        f"Report {n} on {topic}. The ministry published new figures for the quarter, and "
        f"analysts in the capital said the numbers were in line with what markets expected. "
        f"Story number {n} closes with comments from regional officials."
    )


@dataclass
class Archive:
    config: Path
    url: str
    now: datetime
    ids: dict[str, int]  # article ids by a short name


def build_archive(tmp_path: Path, db_url: str) -> Archive:
    """Articles over 40 days: daily Iran and Russia news, a spike of Iran hits 2 days ago,
    one wire story copied by two outlets, a rewritten headline and a hostile article."""
    watchlists = "".join(
        f'\n[[watchlists]]\nname = "{n}"\nquery = "{q}"\n' for n, q in WATCHLISTS.items()
    )
    sources = "".join(feed(n, f"http://{n}.test/rss") for n in ("wire", "daily", "hostile"))
    config = write_config(tmp_path, sources, watchlists=watchlists)
    engine = make_engine(db_url)
    upgrade(engine)
    from monitor.config import load_config
    from monitor.storeconfig import source_specs

    cfg = load_config(str(config))
    with transaction(engine) as s:
        sync_sources(s, source_specs(cfg))
    matcher = Matcher(WATCHLISTS)
    ids: dict[str, int] = {}
    found: dict[int, datetime] = {}
    now = datetime.now(UTC).replace(microsecond=0)

    def put(name: str, data: ArticleData, when: datetime) -> None:
        data.sanitize()
        with transaction(engine) as s:
            hits = matcher.match(data.fields())
            stored = store_article(s, data, hits, stories.signature(data.text))
        ids[name] = stored.article_id
        found[stored.article_id] = when

    for day in range(40, 0, -1):
        when = now - timedelta(days=day, hours=1)
        topic = "Iran" if day % 2 else "Russia"
        put(
            f"daily-{day}",
            ArticleData(
                "daily",
                f"http://daily.test/news/{day}-{topic.lower()}-report",
                title=f"{topic} report, day {day}",
                text=_body(topic, day),
                published_at=when,
            ),
            when,
        )
    spike = now - timedelta(days=2, hours=2)
    for i in range(12):
        put(
            f"spike-{i}",
            ArticleData(
                "daily",
                f"http://daily.test/news/tehran-{i}",
                title=f"Tehran talks, update {i}",
                text=_body("Iran and the talks in Tehran", 100 + i),
                published_at=spike,
            ),
            spike,
        )
    wire_when = now - timedelta(hours=5)
    put(
        "wire",
        ArticleData(
            "wire",
            "http://wire.test/2026/drones-convoy?utm_source=rss",
            title="Drones strike convoy near border",
            text=WIRE_TEXT,
            published_at=wire_when,
        ),
        wire_when,
    )
    put(
        "copy",
        ArticleData(
            "daily",
            "http://daily.test/world/drones-convoy",
            title="Convoy hit by drones, Tehran says",
            text=WIRE_TEXT.replace("on Monday", "on Monday morning"),
            published_at=wire_when + timedelta(minutes=30),
        ),
        wire_when + timedelta(minutes=40),
    )
    revised_at = now - timedelta(hours=3)
    first = ArticleData(
        "wire",
        "http://wire.test/2026/russia-budget",
        title="Russia drafts budget",
        text=_body("Russia and its budget", 500),
    )
    put("revised", first, revised_at)
    with transaction(engine) as s:  # the digest went out, then the headline was rewritten
        s.execute(text("UPDATE hits SET sent_at = created_at"))
    put(
        "revised",
        ArticleData(
            "wire",
            "http://wire.test/2026/russia-budget",
            title="Russia cuts budget",
            text=_body("Russia and its budget", 500) + " Updated with the final vote.",
        ),
        revised_at,
    )
    put(
        "hostile",
        ArticleData(
            "hostile",
            HOSTILE_URL,
            title=HOSTILE_TITLE,
            summary='Iran <a href="javascript:alert(2)">click</a> & "quotes"',
            text="Iran " + "<b>bold</b> " * 5,
        ),
        now - timedelta(hours=1),
    )
    with transaction(engine) as s:
        for article_id, when in found.items():
            s.execute(
                text("UPDATE hits SET created_at = :w WHERE article_id = :a"),
                {"w": _stored_time(engine, when), "a": article_id},
            )
            s.execute(
                text("UPDATE articles SET first_seen_at = :w WHERE id = :a"),
                {"w": _stored_time(engine, when), "a": article_id},
            )
    engine.dispose()
    return Archive(config, db_url, now, ids)


def _stored_time(engine: Engine, when: datetime) -> object:
    """A time as the store keeps it: naive UTC text on SQLite, aware on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return when
