"""Detection on real pages: a cold crawl of the real-page corpus, its hits and text against
the expected article body and headline.

    python benchmarks/realweb/bench.py                       # feed sources (3-5 min)
    python benchmarks/realweb/bench.py --sources feed,section --out realweb.json

1. Builds the local web of the corpus (``serve.py``: each publisher its own host on
   127.0.60.N, an RSS feed without descriptions, a section page, the pages' own bytes) and
   serves it with the crawl benchmark's nginx runner.
2. For each kind of source (``--sources``): a cold ``python -m monitor --config CONFIG
   crawl`` on a new SQLite database, from this checkout, measured from outside by the crawl
   benchmark's ``measure`` (wall time; CPU of the whole process tree, the extraction
   workers included, from ``wait4`` and /proc; peak RSS; requests from nginx's log).
3. Reads back the hits (``monitor export --format jsonl``) and the stored articles (the
   SQLite file, read-only: text and every URL an article was reached by) and reports:
   - pages served, articles stored, pages lost (no article has their URL) and pages merged
     into another page's article (a shared canonical URL);
   - recall of the ground truth: the (page, watchlist) pairs that the monitor's own
     matcher (``monitor.matching.Matcher``, the same watchlists) finds in the EXPECTED
     headline and body; so only extraction and boilerplate make the difference;
   - boilerplate hits: hits whose watchlist does not match the expected headline and body
     (the term is only in navigation, share bars, teasers, footers...), each listed;
   - extraction: bag-of-words F1 of the stored text against the expected body (tokens
     ``\\w+`` counted with multiplicity, per page, as the article-extraction-benchmark
     does with 4-word shingles; those are given too), mean and median, the worst pages;
   - CPU per page, wall time.
4. ``--direct`` (default on): ``monitor.crawl.extract.extract_article`` on every page at
   its ORIGINAL URL, in this process, after the crawl: the canonical URLs the pages
   declare, as the monitor would keep them on the real web (on 127.0.60.N the pages'
   absolute canonicals name another host and are dropped), and which pages would share one.

The watchlists are ``serve.TERMS`` (one per term). The corpus must have been built
(``corpus.py build``) or symlinked to ``benchmarks/realweb/data``.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.crawl.bench import db_counts, load1, measure, monitor_env  # noqa: E402
from benchmarks.realweb import corpus, corrections, serve  # noqa: E402
from monitor.domain.urls import url_key  # noqa: E402
from monitor.matching import Matcher  # noqa: E402

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Served:
    """One corpus page as served: where, and what it should give."""

    key: str  # the corpus file
    publisher: str
    url: str  # on 127.0.60.N
    original_url: str
    title: str
    body: str
    html: bytes


def served_pages(manifest: dict[str, Any], pages: list[corpus.Page]) -> list[Served]:
    by_key = {str(p.file.relative_to(corpus.DATA)): p for p in pages}
    port = manifest["params"]["port"]
    out = []
    for a in manifest["articles"].values():
        site = manifest["sites"][a["site"]]
        page = by_key[a["corpus_file"]]
        url = f"http://{site['host']}:{port}{a['path']}"
        out.append(
            Served(
                a["corpus_file"], page.publisher, url, page.url, page.title, page.body, page.html()
            )
        )
    return out


# -- metrics ---------------------------------------------------------------------------


def token_prf(expected: str, got: str, n: int = 1) -> tuple[float, float, float]:
    """Precision, recall, F1 of the n-grams of ``\\w+`` tokens, counted with multiplicity
    (scrapinghub/article-extraction-benchmark's ``string_shingle_matching``; n=1 is a bag
    of words). Both empty: a perfect score; one empty: zero."""

    def grams(text: str) -> Counter[tuple[str, ...]]:
        tokens = _TOKEN.findall(text or "")
        return Counter(
            tuple(tokens[i : i + n])
            for i in range(max(1, len(tokens) - n + 1))
            if tokens[i : i + n]
        )

    want, have = grams(expected), grams(got)
    if not want and not have:
        return 1.0, 1.0, 1.0
    tp = sum((want & have).values())
    precision = tp / sum(have.values()) if have else 0.0
    recall = tp / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def ground_truth(pages: list[Served], matcher: Matcher) -> dict[str, set[str]]:
    """Watchlists each page's expected headline and body match, by the monitor's rules."""
    return {
        p.key: {h.watchlist for h in matcher.match({"title": p.title, "text": p.body})}
        for p in pages
    }


# -- reading back ------------------------------------------------------------------------


def read_store(db: Path) -> tuple[dict[str, int], dict[int, dict[str, Any]]]:
    """URL key -> article id, and each article's url, title and text."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        keys = dict(con.execute("SELECT url_key, article_id FROM article_urls").fetchall())
        articles = {
            row[0]: {"url": row[1], "title": row[2], "text": row[3] or ""}
            for row in con.execute("SELECT id, url, title, text FROM articles")
        }
    finally:
        con.close()
    return keys, articles


def read_hits(config: Path, env: dict[str, str], work: Path) -> list[dict[str, Any]]:
    """Every hit, through the CLI a user would use."""
    out = work / "hits.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "monitor",
        "--config",
        str(config),
        "export",
        "--format",
        "jsonl",
        "-o",
        str(out),
    ]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    return [json.loads(line) for line in out.read_text("utf-8").splitlines() if line.strip()]


def _snippet(text: str, width: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 3] + "..."


# -- one crawl ---------------------------------------------------------------------------


def crawl_report(
    kind: str,
    pages: list[Served],
    truth: dict[str, set[str]],
    server: Any,
    manifest: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    work = args.work / kind
    work.mkdir(parents=True, exist_ok=True)
    db = work / "monitor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    config = serve.write_config(
        work / "monitor.toml", manifest, kind=kind, database=db, workers=args.workers
    )
    env = monitor_env(work)
    print(f"[{kind}] cold crawl of {len(manifest['sites'])} {kind} sources...", flush=True)
    cmd = [sys.executable, "-m", "monitor", "--config", str(config), "crawl"]
    run = measure(f"cold-{kind}", cmd, work=work, server=server, env=env)
    if run["rc"] != 0:
        raise SystemExit(f"[{kind}] monitor crawl exited {run['rc']}: see {work}/cold-{kind}.err")
    print(
        f"[{kind}] done in {run['wall_s']} s wall, {run['cpu_s']} s CPU; reading back...",
        flush=True,
    )
    keys, articles = read_store(db)
    hits = read_hits(config, env, work)
    by_article: dict[int, dict[str, dict[str, Any]]] = {}
    for h in hits:
        by_article.setdefault(h["article_id"], {})[h["watchlist"]] = h

    article_of = {p.key: keys.get(url_key(p.url)) for p in pages}
    owners = Counter(a for a in article_of.values() if a is not None)
    lost = [p for p in pages if article_of[p.key] is None]
    merged = [(p, a) for p in pages if (a := article_of[p.key]) is not None and owners[a] > 1]

    found = missed = 0
    missed_pairs: list[dict[str, str]] = []
    boilerplate: list[dict[str, Any]] = []
    f1s: list[float] = []
    shingle_f1s: list[float] = []
    precisions: list[float] = []
    recalls: list[float] = []
    per_page = []
    for p in pages:
        aid = article_of[p.key]
        got = by_article.get(aid, {}) if aid is not None else {}
        want = truth[p.key]
        found += len(want & got.keys())
        missed += len(want - got.keys())
        missed_pairs += [
            {
                "publisher": p.publisher,
                "watchlist": w,
                "url": p.url,
                "not_story": corrections.not_story(p.original_url, w),
            }
            for w in sorted(want - got.keys())
        ]
        for w in sorted(got.keys() - want):
            h = got[w]
            matches = json.loads(h["matches"]) if isinstance(h["matches"], str) else h["matches"]
            fields = sorted({m["field"] for m in matches})
            boilerplate.append(
                {
                    "publisher": p.publisher,
                    "watchlist": w,
                    "terms": h["matched"],
                    "fields": fields,
                    "snippet": _snippet(h["snippet"]),
                    "url": p.url,
                    "story_omitted": corrections.story_omitted(p.original_url, w),
                }
            )
        text = articles[aid]["text"] if aid is not None else ""
        prec, rec, f1 = token_prf(p.body, text)
        if aid is not None:  # a lost page is counted as lost, not as a failed extraction
            f1s.append(f1)
            precisions.append(prec)
            recalls.append(rec)
            shingle_f1s.append(token_prf(p.body, text, 4)[2])
        per_page.append(
            {
                "publisher": p.publisher,
                "url": p.url,
                "article_id": aid,
                "text_chars": len(text),
                "expected_chars": len(p.body),
                "precision": round(prec, 3),
                "recall": round(rec, 3),
                "f1": round(f1, 3),
            }
        )

    truth_pairs = sum(len(w) for w in truth.values())
    not_story = sum(
        1 for p in pages for w in truth[p.key] if corrections.not_story(p.original_url, w)
    )
    found_not_story = sum(
        1
        for p in pages
        for w in truth[p.key]
        if corrections.not_story(p.original_url, w)
        and w in (by_article.get(article_of[p.key], {}) if article_of[p.key] else {})
    )
    corrected_pairs = truth_pairs - not_story
    corrected_found = found - found_not_story
    corrected_boilerplate = [b for b in boilerplate if not b["story_omitted"]]
    req = run.get("requests", {})
    listing = req.get("feed", 0) + req.get("section", 0) + req.get("robots", 0)
    result: dict[str, Any] = {
        "sources": kind,
        "run": {k: v for k, v in run.items() if k != "reported"},
        "store": db_counts(db),
        "pages_served": len(pages),
        "article_requests": req.get("all", 0) - listing,
        "pages_stored": len(pages) - len(lost),
        "articles_stored": len(articles),
        "articles_with_text": sum(1 for a in articles.values() if a["text"]),
        "pages_lost": [{"publisher": p.publisher, "url": p.url} for p in lost],
        "pages_merged": [
            {
                "publisher": p.publisher,
                "url": p.url,
                "article_id": a,
                "article_url": articles[a]["url"],
            }
            for p, a in merged
        ],
        "pages_without_text": [
            {"publisher": x["publisher"], "url": x["url"]}
            for x in per_page
            if x["article_id"] is not None and not x["text_chars"]
        ],
        "hits": len(hits),
        "truth_pairs": truth_pairs,
        "found_pairs": found,
        "recall": round(found / truth_pairs, 4) if truth_pairs else None,
        "missed_pairs": missed_pairs,
        "boilerplate_hits": boilerplate,
        # The same with the corpus's errors corrected (corrections.py, each with its reason).
        "corrected_truth_pairs": corrected_pairs,
        "corrected_recall": round(corrected_found / corrected_pairs, 4)
        if corrected_pairs
        else None,
        "corrected_boilerplate_hits": len(corrected_boilerplate),
        "precision_of_hits": round(found / (found + len(boilerplate)), 4) if found else None,
        "f1_pages": len(f1s),
        "f1_mean": round(statistics.mean(f1s), 4),
        "f1_median": round(statistics.median(f1s), 4),
        "precision_mean": round(statistics.mean(precisions), 4),
        "recall_mean": round(statistics.mean(recalls), 4),
        "shingle4_f1_mean": round(statistics.mean(shingle_f1s), 4),
        "shingle4_f1_median": round(statistics.median(shingle_f1s), 4),
        "cpu_ms_per_page": round(1000 * run["cpu_s"] / len(pages), 1),
        "per_page": per_page,
    }
    return result


def print_crawl(r: dict[str, Any], worst: int) -> None:
    run = r["run"]
    print(f"\n== cold crawl, {r['sources']} sources ==")
    print(
        f"load at start {run['load1_at_start']}; wall {run['wall_s']} s; CPU {run['cpu_s']} s "
        f"(crawl process {run['cpu_main_process_s']}, workers {run['cpu_other_processes_s']}); "
        f"{r['cpu_ms_per_page']} ms CPU a page served; peak RSS {run['peak_rss_main_mb']} MB "
        f"main, {run['peak_rss_tree_mb']} MB tree"
    )
    print(
        f"pages served {r['pages_served']}, article requests {r['article_requests']}, "
        f"pages stored {r['pages_stored']} as {r['articles_stored']} articles "
        f"({r['articles_with_text']} with text); lost {len(r['pages_lost'])}, merged "
        f"{len(r['pages_merged'])}, stored without text {len(r['pages_without_text'])}"
    )
    for p in r["pages_lost"]:
        print(f"  lost: {p['publisher']} {p['url']}")
    for p in r["pages_merged"]:
        print(
            f"  merged: {p['publisher']} {p['url']} -> article {p['article_id']} "
            f"({p['article_url']})"
        )
    for p in r["pages_without_text"]:
        print(f"  no text: {p['publisher']} {p['url']}")
    print(
        f"hits {r['hits']}; ground-truth pairs {r['truth_pairs']}, found {r['found_pairs']}: "
        f"recall {r['recall']:.1%}; boilerplate hits {len(r['boilerplate_hits'])} "
        f"(precision of hits {r['precision_of_hits']:.1%})"
    )
    print(
        f"with the corpus's errors corrected (corrections.py): ground-truth pairs "
        f"{r['corrected_truth_pairs']}, recall {r['corrected_recall']:.1%}; boilerplate hits "
        f"{r['corrected_boilerplate_hits']}"
    )
    for m in r["missed_pairs"]:
        print(
            f"  missed: {m['publisher']:<28} {m['watchlist']:<12} {m['url']}"
            + (f"  [not story: {m['not_story']}]" if m["not_story"] else "")
        )
    missed = Counter(m["watchlist"] for m in r["missed_pairs"])
    print("missed pairs by watchlist: " + ", ".join(f"{w} {n}" for w, n in missed.most_common()))
    by_list = Counter(b["watchlist"] for b in r["boilerplate_hits"])
    print(
        "boilerplate hits by watchlist: " + ", ".join(f"{w} {n}" for w, n in by_list.most_common())
    )
    for b in r["boilerplate_hits"]:
        print(
            f"  {b['publisher']:<28} {b['watchlist']:<12} {'/'.join(b['fields']):<10} "
            f"{b['snippet']}"
            + (f"  [story text: {b['story_omitted']}]" if b["story_omitted"] else "")
        )
    print(
        f"extraction vs expected body ({r['f1_pages']} stored pages), bag of words: "
        f"F1 mean {r['f1_mean']:.3f}, median "
        f"{r['f1_median']:.3f} (precision {r['precision_mean']:.3f}, recall "
        f"{r['recall_mean']:.3f}); 4-word shingles F1 mean {r['shingle4_f1_mean']:.3f}, "
        f"median {r['shingle4_f1_median']:.3f}"
    )
    stored = [x for x in r["per_page"] if x["article_id"] is not None]
    low = sorted(stored, key=lambda x: x["f1"])[:worst]
    print(f"worst {len(low)} stored pages by F1:")
    for x in low:
        print(
            f"  F1 {x['f1']:.2f} P {x['precision']:.2f} R {x['recall']:.2f} "
            f"{x['text_chars']:>6}/{x['expected_chars']:<6} chars {x['publisher']} {x['url']}"
        )


# -- the pages at their original URLs ---------------------------------------------------


def direct(pages: list[Served]) -> dict[str, Any]:
    """extract_article at the original URL: text F1, time, and the canonical URLs kept."""
    from monitor.crawl.extract import extract_article

    f1s = []
    canon: dict[str, list[Served]] = {}
    differs = []
    started = time.process_time()
    for p in pages:
        got = extract_article(p.html, p.original_url)
        f1s.append(token_prf(p.body, got.text or "")[2])
        if got.canonical_url:
            canon.setdefault(url_key(got.canonical_url), []).append(p)
            if url_key(got.canonical_url) != url_key(p.original_url):
                differs.append(
                    {
                        "publisher": p.publisher,
                        "url": p.original_url,
                        "canonical": got.canonical_url,
                    }
                )
    cpu = time.process_time() - started
    shared = [[x.original_url for x in group] for group in canon.values() if len(group) > 1]
    return {
        "pages": len(pages),
        "cpu_ms_per_page": round(1000 * cpu / len(pages), 1),
        "f1_mean": round(statistics.mean(f1s), 4),
        "f1_median": round(statistics.median(f1s), 4),
        "with_canonical": sum(len(g) for g in canon.values()),
        "canonical_differs": differs,
        "canonical_shared": shared,
    }


def print_direct(d: dict[str, Any]) -> None:
    print("\n== extract_article at the original URLs (no crawl) ==")
    print(
        f"{d['pages']} pages, {d['cpu_ms_per_page']} ms CPU a page; F1 mean "
        f"{d['f1_mean']:.3f}, median {d['f1_median']:.3f}"
    )
    print(
        f"pages whose canonical URL the monitor keeps (own site): {d['with_canonical']}; "
        f"differing from the page's URL: {len(d['canonical_differs'])}; groups of pages "
        f"sharing one: {len(d['canonical_shared'])}"
    )
    for x in d["canonical_differs"]:
        print(f"  {x['publisher']}: {x['url']}\n      -> {x['canonical']}")
    for group in d["canonical_shared"]:
        print(f"  shared: {group}")


def main() -> int:
    p = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join((__doc__ or "").split("\n\n")[1:]),
    )
    p.add_argument("--dir", type=Path, default=Path("/tmp/realweb/web"), help="the served web")
    p.add_argument("--work", type=Path, default=Path("/tmp/realweb/work"), help="dbs, logs")
    p.add_argument("--sources", default="feed", help="feed, section or feed,section (feed)")
    p.add_argument("--workers", type=int, default=2, help="extract_workers (2)")
    p.add_argument(
        "--port",
        type=int,
        default=serve.PORT,
        help=f"serve on 127.0.60.N:PORT ({serve.PORT}; another when someone else serves there)",
    )
    p.add_argument(
        "--direct",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also extract every page at its original URL in-process (default)",
    )
    p.add_argument("--worst", type=int, default=15, help="list this many worst pages by F1")
    p.add_argument("--out", type=Path, help="write every figure as JSON")
    args = p.parse_args()
    kinds = [k.strip() for k in args.sources.split(",") if k.strip()]
    if not kinds or set(kinds) - {"feed", "section"}:
        p.error("--sources takes feed, section or both")

    corpus_pages = corpus.load()  # exits with the way to build it when it is missing
    print(f"building the web of {len(corpus_pages)} pages in {args.dir}...", flush=True)
    manifest = serve.build_web(args.dir, serve.corpus_sites(corpus_pages), port=args.port)
    pages = served_pages(manifest, corpus_pages)
    size = manifest["article_bytes"]
    print(
        f"{len(pages)} pages of {len(manifest['sites'])} publishers, {size / 1e6:.1f} MB "
        f"({size / 1e3 / len(pages):.0f} kB a page), monitor at {_commit()}, load {load1()}"
    )
    matcher = Matcher(dict(serve.TERMS))
    truth = ground_truth(pages, matcher)
    pairs = sum(len(w) for w in truth.values())
    per_term = Counter(w for ws in truth.values() for w in ws)
    print(
        f"{len(serve.TERMS)} watchlists; ground-truth (page, watchlist) pairs in the expected "
        f"headline and body: {pairs}, in {sum(1 for w in truth.values() if w)} pages"
    )
    print("  " + ", ".join(f"{n} {per_term[n]}" for n, _ in serve.TERMS))
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": _commit(),
        "load1": load1(),
        "web": {
            "pages": len(pages),
            "publishers": len(manifest["sites"]),
            "mb": round(manifest["article_bytes"] / 1e6, 1),
        },
        "truth_pairs": pairs,
        "truth_pairs_by_watchlist": dict(per_term),
    }

    def save() -> None:
        if args.out:
            args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")

    with serve.serve(args.dir) as server:
        for kind in kinds:
            results[kind] = crawl_report(kind, pages, truth, server, manifest, args)
            save()
    for kind in kinds:
        print_crawl(results[kind], args.worst)
    if args.direct:
        print("\nextracting every page at its original URL (in this process)...", flush=True)
        results["direct"] = direct(pages)
        print_direct(results["direct"])
    save()
    return 0


def _commit() -> str:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return out.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
