"""The reads timed: the hit list as `monitor hits` and the web view run it (``page_hits``,
each in its own read-only session), and the digest's question (``due_for_digest``, each in
a transaction, as the digest asks it)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select, text

from benchmarks.store.generate import SEED, WATCHLISTS, Corpus
from benchmarks.store.load import _times, loaded_articles
from benchmarks.store.measure import RUNS, WARMUP, capture, measure
from benchmarks.store.report import log
from monitor.config import DigestConfig, default
from monitor.domain.filters import HitFilter
from monitor.store.digests import due_for_digest, recipient_state
from monitor.store.engine import transaction
from monitor.store.hits import page_hits
from monitor.store.models import Article, utcnow
from monitor.store.readonly import make_reader, read_session

MAX_PER_WATCHLIST: int = default(DigestConfig, "max_per_watchlist")

# Full-text queries: topic words (frequent), vocabulary words by frequency rank, and pairs.
SEARCH_TOPICS = (
    "Iran",
    "Russia",
    "Kyiv",
    "China",
    "Israel",
    "NATO",
    "sanctions",
    "OPEC",
    "Ankara",
    "drones",
)


SEARCH_RANKS = (60, 150, 300, 600, 1000, 1500, 2200, 3000, 4000, 4900)


SEARCH_NOTHING = ("Tehrann", "sanctons")  # misspelled: no article has them


def search_params(corpus: Corpus) -> tuple[list[str], list[str]]:
    """30 searches: 10 watchlist words (in 1-36% of the articles), 10 vocabulary words
    across the frequency range (0.4-25%), 6 pairs, 2 pairs of rare words (a few dozen
    articles) and 2 misspellings that match nothing, in a shuffled order."""
    rng = random.Random(SEED + 1)
    v = corpus.vocab
    singles = [v[r - 1] for r in SEARCH_RANKS]
    pairs = []
    for i in range(6):
        a = SEARCH_TOPICS[i] if i % 2 == 0 else v[rng.randrange(50, 1000)]
        pairs.append(f"{a} {v[rng.randrange(100, 3000)]}")
    rare = [f"{v[rng.randrange(3000, 5000)]} {v[rng.randrange(3000, 5000)]}" for _ in range(2)]
    params = [*SEARCH_TOPICS, *singles, *pairs, *rare, *SEARCH_NOTHING]
    rng.shuffle(params)
    warm = [v[rng.randrange(100, 4000)] for _ in range(WARMUP)]
    return params, warm


def measure_queries(engine: Engine) -> list[dict[str, Any]]:
    reader = make_reader(engine.url.render_as_string(hide_password=False))
    try:
        return _measure_queries(engine, reader)
    finally:
        reader.dispose()


def _measure_queries(engine: Engine, reader: Engine) -> list[dict[str, Any]]:
    """The hit list as `monitor hits` and the web view read it (``page_hits``, a read-only
    session each), then the digest's question (``due_for_digest``, a transaction each)."""
    captured = capture(engine, reader)
    names = list(WATCHLISTS)
    corpus = Corpus()
    out = []

    def by_watchlist(w: str) -> int:
        with read_session(reader) as s:
            since = utcnow() - timedelta(days=7)
            return len(page_hits(s, HitFilter(watchlists=(w,), since=since), limit=50).rows)

    out.append(
        measure(
            reader,
            captured,
            "page_hits(watchlists=[W], since=7d, limit=50)",
            [names[i % len(names)] for i in range(RUNS)],
            by_watchlist,
            names[:WARMUP],
        )
    )

    def search(q: str) -> int:
        with read_session(reader) as s:
            return len(page_hits(s, HitFilter(search=q), limit=50).rows)

    params, warm = search_params(corpus)
    out.append(measure(reader, captured, "page_hits(search=..., limit=50)", params, search, warm))

    def question(name: str, cap: int | None = MAX_PER_WATCHLIST) -> Callable[[list[str]], int]:
        """The digest's question for a recipient: what its message shows (the newest
        ``cap`` of each watchlist), the rest counted."""

        def ask(ws: list[str]) -> int:
            with transaction(engine) as s:
                return len(due_for_digest(s, recipient_state(s, name), ws, cap).hits)

        return ask

    make_one_day_due(engine)

    rng = random.Random(SEED + 2)
    subsets = [sorted(rng.sample(names, rng.randint(5, 10)), key=names.index) for _ in range(RUNS)]
    cap = f"{MAX_PER_WATCHLIST} a watchlist"
    runs: list[tuple[str, list[list[str]], Callable[[list[str]], int], list[list[str]]]] = [
        (f"due_for_digest(backlog, 5-10 watchlists, {cap})", subsets, question("backlog"),
         [names] * WARMUP),
        (f"due_for_digest(backlog, all 10 watchlists, {cap})", [names] * RUNS,
         question("backlog"), []),
        ("due_hits(backlog, all 10 watchlists): every due row, no cap", [names] * RUNS,
         question("backlog", None), []),
        (f"due_for_digest(daily, all 10 watchlists, {cap})", [names] * RUNS, question("daily"),
         [names] * WARMUP),
        (f"due_for_digest(one day due, all 10 watchlists, {cap})", [names] * RUNS,
         question("oneday"), [names] * WARMUP),
        ("due_hits(one day due, all 10 watchlists): no cap", [names] * RUNS,
         question("oneday", None), [names] * WARMUP),
    ]  # fmt: skip
    for label, values, fn, warmup in runs:
        out.append(measure(engine, captured, label, values, fn, warmup))
    return out


def make_one_day_due(engine: Engine) -> None:
    """The recipient "oneday", made afresh: what a daily digest finds the day after the
    previous one. The archive's last day (up to its newest loaded article) is due; its floor
    is a day further back, and the hits changed in that older day were delivered."""
    last = loaded_articles(engine)
    with transaction(engine) as s:
        end = s.scalar(select(Article.first_seen_at).where(Article.id == last))
        assert end is not None
        state = recipient_state(s, "oneday", end)
        state.floor_at = end - timedelta(days=2)
        s.flush()
        s.execute(text("DELETE FROM deliveries WHERE recipient_id = :rid"), {"rid": state.id})
        s.execute(
            text(
                "INSERT INTO deliveries (recipient_id, hit_id, hit_changed_at, sent_at) "
                "SELECT :rid, id, changed_at, :sent FROM hits "
                "WHERE watchlist IN :ws AND changed_at >= :floor AND changed_at < :sent"
            ).bindparams(bindparam("ws", expanding=True), *_times("sent", "floor")),
            {
                "rid": state.id,
                "ws": list(WATCHLISTS),
                "floor": state.floor_at,
                "sent": end - timedelta(days=1),
            },
        )
    log(f"recipient oneday: archive of {last:,} articles up to {end:%Y-%m-%d %H:%M}")
