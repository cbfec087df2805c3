"""The crawl's write path timed as the store pipeline runs it: sanitize, match and sign each
article, then ``store_articles`` a batch at a time, a transaction each."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.store.generate import SEED, WATCHLISTS, Corpus, Recent
from benchmarks.store.measure import DriverClock, Phases, server_cpu_seconds
from benchmarks.store.report import log
from monitor.domain import stories
from monitor.domain.articles import ArticleData
from monitor.matching import Matcher
from monitor.store import story_index
from monitor.store.articles import Incoming, store_articles
from monitor.store.engine import transaction
from monitor.store.models import utcnow


def ingest_articles(engine: Engine, count: int, tag: str, seed: int) -> list[ArticleData]:
    """New articles as the crawl yields them; some are copies of recently stored ones."""
    corpus = Corpus(seed)
    rng = corpus.rng
    with engine.connect() as c:
        recent = c.execute(
            text("SELECT id, title, text FROM articles ORDER BY id DESC LIMIT 300")
        ).all()
    for aid, title, body in recent:
        corpus.recent.append(Recent(aid, aid, title.split(), body.split(), []))
    out = []
    now = utcnow()
    for i in range(count):
        title, summary, body, _, _ = corpus.article(10**9 + i)
        sid = rng.randint(1, 500)
        slug = "-".join(title.lower().split()[:5])
        out.append(
            ArticleData(
                source=f"source-{sid:03d}",
                url=f"https://www.source{sid:03d}.example/news/{now:%Y/%m/%d}/{slug}-{tag}{i}",
                title=title,
                summary=summary,
                text=body,
                published_at=now - timedelta(minutes=rng.randint(0, 180)),
                feed_title=title,
            )
        )
    return out


#: What the crawl process runs per article once the extraction workers match and sign
#: (StorePipeline: sanitize, then store_articles, which computes the URL keys, and commit).
CRAWL_PART = ("sanitize", "store", "commit")


#: All of the per-article work, wherever it runs.
ALL_PARTS = ("sanitize", "match", "signature", "store", "commit")


def measure_ingest(engine: Engine, count: int, clustering: bool, batch: int) -> dict[str, Any]:
    """The crawl pipeline's work (StorePipeline): per article, sanitize, match and the
    MinHash signature; then ``store_articles`` for every ``batch`` articles, in a transaction
    each, with the source ids cached across batches. ``batch`` 1 is the pipeline before it
    buffered (``store_article``, a transaction per article). Reported apart: (a) the crawl
    process's part, ``CRAWL_PART`` (matching and the signature come from the extraction
    workers), and (b) all of it, ``ALL_PARTS``."""
    tag = f"{'c' if clustering else 'n'}{batch}x{int(time.time())}-"
    seed = SEED + (3 if clustering else 4) + batch
    articles = ingest_articles(engine, count, tag, seed)
    matcher = Matcher({n: q for n, (q, _) in WATCHLISTS.items()})
    phases = Phases()
    source_ids: dict[str, int] = {}
    hits = clustered = 0
    build = indexed = 0.0
    if clustering:  # what a crawl process does once, before its first batch
        stories.signature(articles[0].text)  # imports numpy (on first use), outside the timing
        story_index.forget(engine)
        t0 = time.perf_counter()
        with transaction(engine) as s:
            indexed = len(story_index.current(s)) / stories.BANDS
        build = time.perf_counter() - t0
        log(f"story index built in {build * 1000:.0f} ms: {indexed:,.0f} articles")
    t_all = time.perf_counter()
    server_before = server_cpu_seconds(engine)
    with DriverClock(engine) as driver:
        for first in range(0, count, batch):
            buffered = []
            for item in articles[first : first + batch]:
                phases.start()
                item.sanitize()
                phases.lap("sanitize")
                found = matcher.match(item.fields(), source=item.source)
                phases.lap("match")
                signature = stories.signature(item.text) if clustering else None
                phases.lap("signature")
                buffered.append(Incoming(item, found, signature))
            phases.start()
            with transaction(engine) as s:
                stored = store_articles(s, buffered, source_ids)
                phases.lap("store")
            phases.lap("commit")
            hits += sum(len(st.new_hits) for st in stored)
            clustered += sum(st.story_id not in (None, st.article_id) for st in stored)
    total = time.perf_counter() - t_all
    server_after = server_cpu_seconds(engine)
    server_ms = (
        (server_after - server_before) * 1000 / count
        if server_before is not None and server_after is not None
        else None
    )
    per = {k: v * 1000 / count for k, v in phases.wall.items()}
    per["of which driver execute"] = driver.seconds * 1000 / count
    result: dict[str, Any] = {
        "clustering": clustering,
        "batch": batch,
        "articles": count,
        "hits": hits,
        "clustered": clustered,
        "statements_per_article": driver.statements / count,
        "seconds": total,
        "rate": count / total,
        "index_build_seconds": build,
        "index_articles": indexed,
        "rate_with_build": count / (total + build),
        "store_rate": phases.rate(count, ("store", "commit")),
        "crawl_rate": phases.rate(count, CRAWL_PART),
        "crawl_cpu_rate": phases.rate(count, CRAWL_PART, cpu=True),
        "all_cpu_rate": phases.rate(count, ALL_PARTS, cpu=True),
        "ms_per_article": per,
        "cpu_ms_per_article": {k: v * 1000 / count for k, v in phases.cpu.items()},
        "server_cpu_ms_per_article": server_ms,
    }
    log(
        f"ingest {'with' if clustering else 'without'} clustering, batches of {batch}: "
        f"{result['rate']:.0f}/s, crawl part {result['crawl_rate']:.0f}/s "
        f"(CPU {result['crawl_cpu_rate']:.0f}/s, all CPU {result['all_cpu_rate']:.0f}/s, "
        f"store alone {result['store_rate']:.0f}/s), "
        f"{hits} hits, {clustered} joined a story, "
        f"{result['statements_per_article']:.2f} statements per article; "
        + (f"server CPU {server_ms:.3f} ms an article; " if server_ms is not None else "")
        + "ms per article: "
        + ", ".join(f"{k} {v:.2f}" for k, v in per.items())
        + "; CPU: "
        + ", ".join(f"{k} {v:.2f}" for k, v in result["cpu_ms_per_article"].items())
    )
    return result
