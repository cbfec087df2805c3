"""Boilerplate rules (``monitor.crawl.boilerplate``) and trafilatura's own options, measured
on real pages: the corpus of ``corpus.py`` (fundus's test pages with their expected body).

    python benchmarks/realweb/boilerplate.py                    # all variants, full report
    python benchmarks/realweb/boilerplate.py --variants default --quiet

For every page and every trafilatura variant (``default``: our options; ``precision``:
``favor_precision=True``; ``prune``: ``prune_xpath`` with promotion-box class names, see
PRUNE; ``precision+prune``; ``fast``: ``fast=True``, trafilatura without its fallbacks)
the text ``extract_article(html, url)`` gives, without the rules (``boilerplate.clean``
patched out) and with them. Reported:

(a) token-level F1 against the expected body: bag-of-words over lower-cased ``\\w+``
    tokens, as the article-extraction-benchmark scores; the mean over pages of precision,
    recall and F1, and the micro F1 over all tokens;
(b) every line the rules removed, marked IN-BODY when it is part of the expected body (a
    story line removed by mistake: must be none), LINK when it is, but what follows its label
    is the text of a link on the page (a teaser of another article that fundus's parser
    keeps, "Read more: <a>Other headline</a>"), or ok;
(c) lines left in the text that are not in the expected body and look like boilerplate
    (a word such as follow, newsletter, subscribe, "read more" in some language): where to
    look for rules to add;
(d) the rules applied to the expected bodies themselves (story text as fundus's parsers
    cut it): every line they remove there;
(e) CPU of the rules per page (process time, best of 5 passes over the corpus), and of the
    extraction per variant;
and hits of the brand terms (TERMS, with the monitor's own Matcher) that are in the
extracted text but not in the expected body or title ("boilerplate hits"), before and after
the rules, with the terms of the expected body the text still has (recall of terms). It also
checks that ``extract_article`` itself gives the text the rules make of its raw text.
Results and what they mean: benchmarks/README.md.

A line is "in the body" when its lower-cased words are a run of the body's words, or when at
least half of its word pairs are pairs of the body (trafilatura and fundus split paragraphs
differently); a line of one word counts as in the body when the body has that word.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import corpus

from monitor.crawl import boilerplate
from monitor.crawl.extract import extract_article
from monitor.matching import Matcher

TERMS = [
    "Facebook",
    "Twitter",
    "Instagram",
    "YouTube",
    "TikTok",
    "WhatsApp",
    "Telegram",
    "Google",
    "Apple",
]

# Containers of promotions and teasers by class or id (lower-cased), beyond the share/social/
# newsletter/related names trafilatura already discards.
_NAMES = [
    "follow",
    "subscri",
    "promo",
    "recommend",
    "readmore",
    "read-more",
    "more-stories",
    "signup",
    "sign-up",
    "newsletter",
    "teaser-list",
    "also-read",
    "weitere",
    "empfehl",
]
_LOWER = (
    "translate(concat(@class, ' ', @id), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
    "'abcdefghijklmnopqrstuvwxyz')"
)
PRUNE = [
    "//*[self::div or self::section or self::aside or self::ul or self::p or self::span]["
    + " or ".join(f"contains({_LOWER}, '{n}')" for n in _NAMES)
    + "]"
]
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "precision": {"favor_precision": True},
    "prune": {"prune_xpath": PRUNE},
    "precision+prune": {"favor_precision": True, "prune_xpath": PRUNE},
    "fast": {"fast": True},  # no fallback extractors (readability, jusText): issue #19
}

# Words that make a left-over line worth a look (c).
_HINT = re.compile(
    r"follow|newsletter|subscri|sign up|sign in|log in|read more|also read|related|share|"
    r"download|app\b|podcast|whatsapp|telegram|facebook|twitter|instagram|youtube|tiktok|"
    r"folg|abonn|lesen sie|mehr zum|anmeld|teilen|auch interessant|weitere|"
    r"suivez|lire aussi|à lire|inscri|partag|síg|sigue|suscr|lee tambi|relacionad|compart|"
    r"подпис|читайте|поделит|по теме|"
    r"seguici|leggi anche|iscriv|siga|leia|volg ons|lees ook|advert|anzeige|publicit|werbung",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def f1(got: str, expected: str) -> tuple[float, float, float, int, int, int]:
    """Precision, recall and F1 of the bags of words, and the counts behind them."""
    g, e = Counter(words(got)), Counter(words(expected))
    tp = sum((g & e).values())
    ng, ne = sum(g.values()), sum(e.values())
    p = tp / ng if ng else (1.0 if not ne else 0.0)
    r = tp / ne if ne else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), tp, ng, ne


@dataclass
class Body:
    joined: str  # " w1 w2 ... "
    pairs: set[tuple[str, str]]
    vocab: set[str]

    @classmethod
    def of(cls, text: str) -> Body:
        w = words(text)
        return cls(" " + " ".join(w) + " ", set(pairwise(w)), set(w))

    def has(self, line: str) -> bool:
        w = words(line)
        if not w:
            return True  # nothing to tell: punctuation only
        if len(w) == 1:
            return w[0] in self.vocab
        if " " + " ".join(w) + " " in self.joined:
            return True
        pairs = list(pairwise(w))
        return sum(p in self.pairs for p in pairs) >= len(pairs) / 2


@dataclass
class Page:
    publisher: str
    url: str
    body: str
    title: str
    file: Path
    raw: str = ""  # extract_article's text without the rules
    clean: str = ""
    dropped: list[boilerplate.Dropped] = field(default_factory=list)


def verdict(page: Page, line: str) -> str:
    """IN-BODY, LINK or ok for a removed line (see (b) above)."""
    if not Body.of(page.body + "\n" + page.title).has(line):
        return "ok"
    from lxml import html

    teaser = words(line.split(":", 1)[-1])
    tree = html.fromstring(page.file.read_bytes())
    for a in tree.iter("a"):
        if teaser and words(a.text_content()) == teaser:
            return "LINK"
    return "IN-BODY"


@contextmanager
def variant(options: dict[str, Any], rules: bool) -> Iterator[None]:
    """``extract_article`` with trafilatura options added, with or without the rules."""
    import trafilatura

    real = trafilatura.bare_extraction

    def with_options(*args: Any, **kwargs: Any) -> Any:
        return real(*args, **{**kwargs, **options})

    with mock.patch.object(trafilatura, "bare_extraction", with_options):
        if rules:
            yield
        else:
            with mock.patch.object(boilerplate, "clean", lambda text: text):
                yield


def extract_all(pages: list[corpus.Page], options: dict[str, Any]) -> tuple[list[Page], float]:
    """The pages' texts without the rules, and the extraction's CPU seconds per page."""
    out = []
    t0 = time.process_time()
    with variant(options, rules=False):
        for p in pages:
            got = extract_article(p.html(), p.url)
            out.append(Page(p.publisher, p.url, p.body, p.title, p.file, raw=got.text or ""))
    return out, (time.process_time() - t0) / len(pages)


def apply_rules(pages: list[Page]) -> float:
    """Applies the rules; their CPU per page in microseconds (best of 5 passes)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for p in pages:
            boilerplate.strip_boilerplate(p.raw)
        best = min(best, time.process_time() - t0)
    for p in pages:
        p.clean, p.dropped = boilerplate.strip_boilerplate(p.raw)
    return best / len(pages) * 1e6


def check_wiring(pages: list[corpus.Page], got: list[Page]) -> int:
    """Pages where extract_article's own text differs from the rules applied here."""
    return sum(
        (extract_article(p.html(), p.url).text or "") != g.clean
        for p, g in zip(pages, got, strict=True)
    )


def scores(pages: list[Page], attr: str) -> tuple[float, float, float, float]:
    rows = [f1(getattr(p, attr), p.body) for p in pages]
    n = len(rows)
    tp, ng, ne = (sum(r[i] for r in rows) for i in (3, 4, 5))
    micro = 2 * tp / (ng + ne) if ng + ne else 0.0
    return (
        sum(r[0] for r in rows) / n,
        sum(r[1] for r in rows) / n,
        sum(r[2] for r in rows) / n,
        micro,
    )


def term_hits(pages: list[Page], attr: str, matcher: Matcher) -> tuple[list[str], int, int]:
    """Boilerplate hits (a term in the text, not in the expected body or title), and how many
    (page, term) pairs of the expected body the text has, of how many."""
    bad, kept, expected = [], 0, 0
    for p in pages:
        want = {h.watchlist for h in matcher.match({"title": p.title, "text": p.body})}
        got = {h.watchlist for h in matcher.match({"text": getattr(p, attr)})}
        bad += [f"{t:<10} {p.publisher} {p.url}" for t in sorted(got - want)]
        kept += len(got & want)
        expected += len(want)
    return bad, kept, expected


def report(
    name: str,
    pages: list[Page],
    extract_s: float,
    rules_us: float,
    show: Callable[[str], None],
    details: bool,
) -> dict[str, Any]:
    matcher = Matcher({t: t for t in TERMS})
    before, after = scores(pages, "raw"), scores(pages, "clean")
    bad_before, kept_before, want = term_hits(pages, "raw", matcher)
    bad_after, kept_after, _ = term_hits(pages, "clean", matcher)
    removed = [(p, d, verdict(p, d.line)) for p in pages for d in p.dropped]
    wrong = [r for r in removed if r[2] == "IN-BODY"]
    links = [r for r in removed if r[2] == "LINK"]
    show(f"\n== {name}: {len(pages)} pages")
    show(
        f"extraction CPU {extract_s * 1000:.1f} ms/page; rules CPU {rules_us:.0f} µs/page"
        + (f" ({rules_us / (extract_s * 1e6):.2%} of the extraction's)" if extract_s else "")
    )
    show(
        "token F1 (mean P / R / F1, micro F1): "
        f"before {before[0]:.4f} / {before[1]:.4f} / {before[2]:.4f}, {before[3]:.4f}; "
        f"after {after[0]:.4f} / {after[1]:.4f} / {after[2]:.4f}, {after[3]:.4f}"
    )
    by_rule = Counter(d.rule for _, d, _ in removed)
    show(
        f"removed lines {len(removed)} on {len({p.url for p, _, _ in removed})} pages "
        f"({', '.join(f'{r} {n}' for r, n in by_rule.most_common())}); "
        f"in the expected body: {len(wrong) + len(links)}, of which link teasers "
        f"{len(links)}, story lines {len(wrong)}"
    )
    show(
        f"boilerplate hits of {len(TERMS)} terms: before {len(bad_before)}, after "
        f"{len(bad_after)}; terms of the expected body found: before {kept_before}/{want}, "
        f"after {kept_after}/{want}"
    )
    if details:
        show(
            "-- removed lines (IN-BODY: a story line, wrongly removed; LINK: a link teaser "
            "the expected body has)"
        )
        for p, d, seen in removed:
            show(f"{seen:<7} {d.rule:<14} {p.publisher:<22} {d.line[:160]!r}")
        show("-- boilerplate hits left")
        for line in bad_after:
            show("   " + line)
        show("-- left-over lines not in the expected body that look like boilerplate")
        for p in pages:
            body = Body.of(p.body + "\n" + p.title)
            for line in p.clean.split("\n"):
                if line.strip() and _HINT.search(line) and not body.has(line):
                    show(f"   {p.publisher:<22} {line[:160]!r}")
    return {
        "before": before,
        "after": after,
        "removed": len(removed),
        "wrong": len(wrong),
        "links": len(links),
        "hits_before": len(bad_before),
        "hits_after": len(bad_after),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}"
    )
    parser.add_argument("--quiet", action="store_true", help="figures only, no line lists")
    args = parser.parse_args()
    pages = corpus.load()
    summary = {}
    own = [(p, d) for p in pages for d in boilerplate.strip_boilerplate(p.body)[1]]
    print(f"== the rules on the expected bodies: {len(own)} lines removed")
    for p, d in own:
        print(f"   {d.rule:<14} {p.publisher:<22} {d.line[:160]!r}")
    for name in args.variants.split(","):
        got, extract_s = extract_all(pages, VARIANTS[name])
        rules_us = apply_rules(got)
        summary[name] = report(
            name, got, extract_s, rules_us, print, details=not args.quiet and name == "default"
        )
        if name == "default":
            differs = check_wiring(pages, got)
            print(
                f"extract_article's text = the rules applied to its raw text: "
                f"{len(pages) - differs}/{len(pages)} pages"
            )
    print("\n== summary (mean F1 before -> after; lines removed; boilerplate hits)")
    for name, s in summary.items():
        print(
            f"{name:<16} F1 {s['before'][2]:.4f} -> {s['after'][2]:.4f}  micro "
            f"{s['before'][3]:.4f} -> {s['after'][3]:.4f}  removed {s['removed']} "
            f"(in body: {s['links']} links, {s['wrong']} story lines)  hits "
            f"{s['hits_before']} -> {s['hits_after']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
