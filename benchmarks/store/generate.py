"""The generated archive: a seeded corpus of articles over three years from 500 sources,
about 2 hits per article over 10 watchlists, syndicated copies, digests that sent 99% of the
hits; the same archive every run for the same size."""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np
from sqlalchemy import Table

from monitor.domain import stories
from monitor.domain.urls import content_hash, url_key
from monitor.matching import Match, make_snippet
from monitor.store import story_index
from monitor.store.models import Source

SEED = 20261128


YEARS = 3


STORY_WINDOW = story_index.WINDOW  # signatures older than that are not read


DIGEST_HOUR = 7  # daily digest slots at 07:00 UTC


BATCH = 10_000  # articles per load transaction


VOCABULARY = 5_000


# name -> (query, the words articles that hit it mention)
WATCHLISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "iran": ("Iran OR Tehran", ("Iran", "Tehran")),
    "russia": ("Russia OR Kremlin", ("Russia", "Kremlin")),
    "ukraine": ("Ukraine OR Kyiv", ("Ukraine", "Kyiv")),
    "china": ("China OR Beijing", ("China", "Beijing")),
    "israel": ("Israel", ("Israel",)),
    "turkey": ("Turkey OR Ankara", ("Turkey", "Ankara")),
    "energy": ('OPEC OR "oil prices"', ("OPEC", "oil prices")),
    "nato": ("NATO", ("NATO",)),
    "sanctions": ("sanctions", ("sanctions",)),
    "drones": ("drone*", ("drone", "drones")),
}


WATCHLIST_WEIGHTS = (28, 20, 15, 10, 8, 6, 5, 4, 2, 2)  # some watchlists are much busier


HITS_PER_ARTICLE = (0.15, 0.2, 0.3, 0.2, 0.15)  # P(k watchlists hit), k = 0..4: mean 2.0


COPY_SHARE = 0.08  # articles that are syndicated copies of a recent one (same story)


def make_vocabulary(rng: random.Random, n: int) -> list[str]:
    """Pronounceable lower-case pseudo-words, none of them a watchlist word."""
    onsets = "b c d f g h k l m n p r s t v z br dr gr kr pl st tr sh ch".split()
    vowels = "a e i o u ai ei ou".split()
    codas = ["", "", "", "n", "r", "s", "l", "k", "m", "t"]
    banned = {w.lower() for _, words in WATCHLISTS.values() for t in words for w in t.split()}
    out: set[str] = set()
    while len(out) < n:
        w = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
            for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4)))
        )
        if len(w) >= 3 and w not in banned and not w.startswith("drone"):
            out.add(w)
    words = sorted(out)
    rng.shuffle(words)  # rank (frequency) independent of spelling
    return words


@dataclass
class Recent:
    """A recently generated article that later ones may copy (syndication)."""

    id: int
    story_id: int
    title: list[str]
    text: list[str]
    watchlists: list[str]


@dataclass
class Batch:
    articles: list[dict[str, Any]] = field(default_factory=list)
    urls: list[dict[str, Any]] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    signatures: int = 0


class Corpus:
    """Seeded generator: the same archive every run for the same N and seed. The vocabulary
    is always the same; ``seed`` picks the stream (the ingest uses other seeds)."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.vocab = make_vocabulary(random.Random(SEED), VOCABULARY)
        self.caps = [w.capitalize() for w in self.vocab]
        weights = 1.0 / (np.arange(1, len(self.vocab) + 1) + 2.7)  # Zipf-Mandelbrot
        self.cum = np.cumsum(weights) / weights.sum()
        self.watchlists = list(WATCHLISTS)
        self.recent: list[Recent] = []

    def _indices(self, n: int) -> list[int]:
        return np.searchsorted(self.cum, self.np.random(n)).tolist()

    def _sentences(self, idx: list[int]) -> list[str]:
        words = [self.vocab[i] for i in idx]
        pos, n = 0, len(words)
        while pos < n:
            words[pos] = self.caps[idx[pos]]
            end = min(n, pos + self.rng.randint(8, 20))
            words[end - 1] += "."
            pos = end
        return words

    def _insert(self, words: list[str], term: str, start: int = 0) -> None:
        p = self.rng.randrange(start, len(words))
        words[p] = term + ("." if words[p].endswith(".") else "")

    def pick_watchlists(self) -> list[str]:
        k = self.rng.choices(range(len(HITS_PER_ARTICLE)), HITS_PER_ARTICLE)[0]
        chosen: list[str] = []
        while len(chosen) < k:
            w = self.rng.choices(self.watchlists, WATCHLIST_WEIGHTS)[0]
            if w not in chosen:
                chosen.append(w)
        return chosen

    def article(self, aid: int) -> tuple[str, str, str, list[str], int]:
        """(title, summary, text, watchlists it mentions, story id)."""
        rng = self.rng
        tn, sn, xn = rng.randint(6, 10), rng.randint(25, 35), rng.randint(120, 180)
        idx = self._indices(tn + sn + xn)
        summary = " ".join(self._sentences(idx[tn : tn + sn]))
        if self.recent and rng.random() < COPY_SHARE:
            # A syndicated copy of a recent article: a few words changed, maybe cut short.
            orig = rng.choice(self.recent)
            title = list(orig.title)
            title[rng.randrange(len(title))] = self.vocab[idx[0]]
            words = orig.text[: max(40, int(len(orig.text) * rng.uniform(0.85, 1.0)))]
            for i in range(3):
                words[rng.randrange(len(words))] = self.vocab[idx[tn + sn + i]]
            watchlists, story = orig.watchlists, orig.story_id
        else:
            title = [self.vocab[i] for i in idx[:tn]]
            title[0] = self.caps[idx[0]]
            words = self._sentences(idx[tn + sn :])
            watchlists, story = self.pick_watchlists(), aid
            for w in watchlists:
                terms = WATCHLISTS[w][1]
                for _ in range(rng.randint(1, 3)):
                    self._insert(words, rng.choice(terms), 1)
                if rng.random() < 0.4:
                    self._insert(title, rng.choice(terms))
        self.recent.append(Recent(aid, story, title, words, watchlists))
        if len(self.recent) > 200:
            self.recent.pop(0)
        return " ".join(title), summary, " ".join(words), watchlists, story


def hit_fields(watchlist: str, fields: dict[str, str]) -> dict[str, Any] | None:
    """What the matcher would record for an article that mentions the watchlist's words."""
    matches = []
    for f in ("title", "text"):
        value = fields[f]
        for term in WATCHLISTS[watchlist][1]:
            start = value.find(term)
            while start != -1:
                end = start + len(term)
                if end == len(value) or not value[end].isalnum():
                    matches.append(Match(term, f, start, end))
                start = value.find(term, end)
    if not matches:
        return None
    snippet = make_snippet(matches, fields)
    return {
        "watchlist": watchlist,
        "matched": sorted({m.term for m in matches}),
        "matches": [
            {"term": m.term, "field": m.field, "start": m.start, "end": m.end} for m in matches
        ],
        "snippet": snippet.text,
        "highlights": [list(r) for r in snippet.highlights],
    }


def fast_url_key(host: str, path: str) -> str:
    """monitor.domain.urls.url_key for an already canonical https URL on a www. host (checked)."""
    return hashlib.sha256((host.removeprefix("www.") + path).encode()).hexdigest()[:32]


@dataclass
class Plan:
    """The shape of the archive: time range, digest slots."""

    n: int
    now: datetime
    start: datetime
    first_slot: datetime
    last_slot: datetime  # hits created after it are unsent (about 1%)
    window_start: datetime  # articles seen after it have signatures

    @classmethod
    def make(cls, n: int, now: datetime) -> Plan:
        span = timedelta(days=365 * YEARS)
        start = now - span
        first_slot = start.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if first_slot < start:
            first_slot += timedelta(days=1)
        last = now - span / 100
        last_slot = last.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if last_slot > last:
            last_slot -= timedelta(days=1)
        return cls(n, now, start, first_slot, last_slot, now - STORY_WINDOW)

    def seen_at(self, i: int, jitter: float) -> datetime:
        return self.start + (self.now - self.start) * ((i + jitter) / self.n)

    def digests(self) -> int:
        return (self.last_slot - self.first_slot).days + 1

    def digest_of(self, t: datetime) -> int | None:
        """The id (1-based) of the digest that sent a hit created at t."""
        if t > self.last_slot:
            return None
        return max(0, math.ceil((t - self.first_slot) / timedelta(days=1))) + 1

    def slot(self, digest_id: int) -> datetime:
        return self.first_slot + timedelta(days=digest_id - 1)


def generate(
    corpus: Corpus, plan: Plan, stats: dict[str, float], digest_hits: dict[int, int]
) -> Iterator[Batch]:
    """The archive in batches of BATCH articles, ids ascending with first_seen_at; counts
    the hits each digest sent into ``digest_hits``."""
    rng = corpus.rng
    hit_id = 0
    for first in range(1, plan.n + 1, BATCH):
        t = time.perf_counter()
        batch = Batch()
        for aid in range(first, min(plan.n, first + BATCH - 1) + 1):
            seen = plan.seen_at(aid - 1, rng.random())
            title, summary, body, watchlists, story = corpus.article(aid)
            sid = rng.randint(1, 500)
            host = f"www.source{sid:03d}.example"
            slug = "-".join(title.lower().split()[:5])
            path = f"/news/{seen:%Y/%m/%d}/{slug}-a{aid}"
            url, key = f"https://{host}{path}", fast_url_key(host, path)
            if aid <= 200:
                assert key == url_key(url), url
            signature = stories.signature(body) if seen >= plan.window_start else None
            batch.articles.append(
                {
                    "id": aid,
                    "url_key": key,
                    "url": url,
                    "source_id": sid,
                    "title": title,
                    "summary": summary,
                    "text": body,
                    "published_at": seen - timedelta(minutes=rng.randint(0, 180)),
                    "first_seen_at": seen,
                    "content_hash": content_hash(title, body),
                    "fetch_error": None,
                    "fetch_attempts": 1,
                    "story_id": story,
                    "minhash": signature,
                    "updated_at": None,
                    "feed_title": title,
                }
            )
            batch.urls.append({"id": aid, "url_key": key, "url": url, "article_id": aid})
            batch.signatures += signature is not None
            digest_id = plan.digest_of(seen)
            fields = {"title": title, "summary": summary, "text": body}
            for w in watchlists:
                hit = hit_fields(w, fields)
                if hit is None:
                    continue
                hit_id += 1
                if digest_id is not None:
                    digest_hits[digest_id] = digest_hits.get(digest_id, 0) + 1
                hit.update(
                    id=hit_id,
                    article_id=aid,
                    source_id=sid,
                    created_at=seen,
                    changed_at=seen,
                    digest_id=digest_id,
                    sent_at=None if digest_id is None else plan.slot(digest_id),
                    updated=False,
                )
                batch.hits.append(hit)
        stats["generate"] = stats.get("generate", 0.0) + time.perf_counter() - t
        yield batch


def source_rows(plan: Plan) -> list[dict[str, Any]]:
    """500 healthy sources checked every 15 minutes for 3 years (only the columns the
    migrated schema has, so a newer schema with more columns still loads)."""
    checks = int((plan.now - plan.start) / timedelta(minutes=15))
    rows = [
        {
            "id": i,
            "name": f"source-{i:03d}",
            "kind": "feed" if i % 4 else "section",
            "url": f"https://www.source{i:03d}.example/rss",
            "interval_seconds": 900,
            "next_check_at": plan.now + timedelta(minutes=15),
            "last_checked_at": plan.now,
            "last_success_at": plan.now,
            "last_error": None,
            "last_error_at": None,
            "consecutive_failures": 0,
            "last_entries": 30,
            "checks": checks,
            "not_modified": checks // 3,
            "etag": f'"bench-{i}"',
        }
        for i in range(1, 501)
    ]
    columns = set(table(Source).c.keys())
    return [{k: v for k, v in r.items() if k in columns} for r in rows]


def digest_rows(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "id": d,
            "slot_at": plan.slot(d),
            "created_at": plan.slot(d),
            "status": "sent",
            "hit_count": 0,  # set after the load
            "recipients": ["analyst@example.org"],
            "destination": "smtp.example.org",
            "message_id": f"<digest-{d}@bench.example>",
            "error": None,
        }
        for d in range(1, plan.digests() + 1)
    ]


def table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)
