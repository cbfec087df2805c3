"""robots.txt kept in the store: the sources' hosts read in one query as a crawl starts
(monitor.crawl.robots.preload_kept), each host's copy then taken without a query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, event

from monitor.crawl.context import set_context
from monitor.crawl.robots import RobotsTxtMiddleware, preload_kept
from monitor.store.engine import transaction
from monitor.store.robots import RobotsCopy, save_robots
from tests.test_ingest import store  # noqa: F401  (a fixture)

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RULES = b"User-agent: *\nDisallow: /private/\n"


@pytest.fixture
def ctx(store: Engine) -> Iterator[Any]:  # noqa: F811
    context = SimpleNamespace(engine=store, now=lambda: AT, robots={}, robots_kept={})
    set_context(context)  # type: ignore[arg-type]
    yield context
    set_context(None)


def robots_queries(engine: Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "robots_txt" in statement:
            seen.append(statement)

    return seen


def test_the_sources_hosts_are_read_in_one_query(ctx: Any) -> None:
    with transaction(ctx.engine) as s:
        save_robots(s, [RobotsCopy("news.test:8080", 200, RULES, AT)])
    queries = robots_queries(ctx.engine)
    with transaction(ctx.engine) as s:
        urls = ["http://news.test:8080/rss", "http://news.test:8080/world", "http://new.test/"]
        preload_kept(ctx, s, urls)
    assert len(queries) == 1
    assert ctx.robots_kept == {"news.test:8080": RULES, "new.test": None}

    mw = RobotsTxtMiddleware(get_crawler(settings_dict={"ROBOTSTXT_OBEY": True}))
    assert mw._kept("news.test:8080") == RULES
    assert mw._kept("new.test") is None  # none kept: fetched from the host
    assert len(queries) == 1  # both from the crawl's start
    # Taken once: asked again, and for a host no source names, the store is read.
    assert mw._kept("news.test:8080") == RULES
    assert mw._kept("elsewhere.test") is None
    assert len(queries) == 3
