"""The crawl summary: every source when there are few, only the news and failures when many."""

from __future__ import annotations

import io
from types import SimpleNamespace

from monitor.crawl.context import SourceTally
from monitor.render.reports import print_crawl_summary


def summary(n: int) -> SimpleNamespace:
    sources = {f"quiet-{i:04d}": SourceTally(entries=20, reported=True) for i in range(n)}
    sources["broken"] = SourceTally(error="HttpError: HTTP 500", reported=True)
    sources["newsy"] = SourceTally(entries=30, new=2, articles_done=2, articles_new=2, hits_new=1)
    errors = {k: t.error for k, t in sources.items() if t.error}
    return SimpleNamespace(
        run_id=7,
        sources=sources,
        articles_new=2,
        hits_new=1,
        seconds=3.0,
        errors=errors,
        store_errors=0,
    )


def printed(s: SimpleNamespace) -> str:
    out = io.StringIO()
    print_crawl_summary(s, out)
    return out.getvalue()


def test_few_sources_one_row_each() -> None:
    text = printed(summary(3))
    assert "crawl run 7: 2 new articles, 1 new hits" in text
    assert all(f"quiet-{i:04d}" in text for i in range(3))
    assert "not listed" not in text


def test_many_sources_only_failures_and_news_then_totals() -> None:
    text = printed(summary(1200))
    assert "crawl run 7: 2 new articles, 1 new hits" in text
    assert "broken" in text and "newsy" in text and "quiet-" not in text
    assert "1202 sources: 1 failed, 1200 ok with no news (not listed); 2 article pages" in text
    assert "1 of 1202 sources failed" in text


def test_many_quiet_sources_a_line_each_for_title_and_totals() -> None:
    s = summary(100)
    del s.sources["broken"], s.sources["newsy"]
    s.errors, s.articles_new, s.hits_new = {}, 0, 0
    assert printed(s).splitlines() == [
        "crawl run 7: 0 new articles, 0 new hits in 3.0s",
        "100 sources: 0 failed, 100 ok with no news (not listed); 0 article pages fetched.",
    ]


def test_the_cluster_in_status_workers_queue_and_failed_jobs() -> None:
    """`monitor status` on a cluster: a row per queue worker, the queue's wait, failures."""
    from datetime import UTC, datetime, timedelta

    from monitor.render.reports import print_cluster
    from monitor.store.cluster import ClusterStatus, FailedJob, WorkerRow

    t = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    workers = [
        WorkerRow("a:11", "a", 11, "crawl", t, t, ("crawl_host(host=bbc.com)",)),
        WorkerRow("a:11", "a", 11, "control", t, t, ()),
        WorkerRow("b:22", "b", 22, "crawl", t, t, ()),
    ]
    failed = [FailedJob("crawl_host", {"host": "dw.com"}, "failed", t)]
    out = io.StringIO()
    print_cluster(ClusterStatus(workers, 4, timedelta(seconds=300), 1, failed), out)
    text = out.getvalue()
    assert "cluster:  2 workers on 2 hosts; queue: 4 waiting (the oldest for 5m)" in text
    assert "1 running; failed in the last day: 1" in text
    assert "crawl_host(host=bbc.com)" in text and "b:22" in text
    assert "failed at 2026-11-20 10:00 UTC: crawl_host(host=dw.com)" in text
