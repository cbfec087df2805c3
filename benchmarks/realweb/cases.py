"""Canonical links and false friends on pages we write: what the monitor stores and matches.

    python benchmarks/realweb/cases.py [--out cases.json]     # about a minute

Four small sites, generated here (no fetched page), served like the real-page web
(``serve.py``, hosts 127.0.61.N) and crawled cold through their RSS feeds by
``python -m monitor crawl`` on a new SQLite database, watchlists ``Iran``, ``Turkey`` and
``China`` as a user writes them:

- ``canonical-root``: 8 distinct articles whose pages all declare
  ``<link rel="canonical" href="/">`` (a template bug seen on real sites);
- ``canonical-section``: 8 distinct articles whose pages all name the site's section page
  (``/sections/news/``) as canonical;
  for both, a reader expects 8 articles stored, 8 of 8;
- ``false-friends-es`` and ``false-friends-en``: articles that use a watchlist's word in
  another sense ("no irán a prisión": they will not go to prison; "roast turkey";
  "fine bone china"), where a hit is a false alarm, and articles about the country
  ("Irán", "IRAN", "Turkey's", "China's"), where a hit is expected.

Prints, per site, the articles stored for the pages served (and the URL they were stored
under), and per false-friend article the expected and the actual hit. It measures what the
code does now; nothing here says what it should do beyond the expectation column.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.crawl.bench import load1, measure, monitor_env  # noqa: E402
from benchmarks.realweb import serve  # noqa: E402
from benchmarks.realweb.bench import read_hits, read_store  # noqa: E402
from monitor.domain.urls import url_key  # noqa: E402

HOST_PREFIX = "127.0.61."
WATCHLISTS = (("iran", "Iran"), ("turkey", "Turkey"), ("china", "China"))

# Eight unrelated local stories for the canonical sites: (headline, place, subject, person).
STORIES = (
    ("Council approves budget for new library", "Northfield", "the library budget", "Ms Hale"),
    ("Rail strike halts morning trains", "Eastbridge", "the rail strike", "Mr Okafor"),
    ("Museum reopens after two-year renovation", "Lowmoor", "the museum renovation", "Dr Reyes"),
    ("Storm damages harbour wall", "Saltcombe", "the harbour repairs", "Captain Lund"),
    ("School board votes on longer summer term", "Ashford", "the school calendar", "Mr Baptiste"),
    ("Bridge closed for urgent repairs", "Millbrook", "the bridge closure", "Ms Novak"),
    ("Local team wins regional cup final", "Kingsmere", "the cup final", "Coach Ferreira"),
    ("Open-air concert draws record crowd", "Hollins", "the summer concert", "Ms Achterberg"),
)


@dataclass(frozen=True)
class Case:
    """A false-friend article: its text, the watchlist concerned and whether a hit is right."""

    key: str
    lang: str
    watchlist: str
    expect_hit: bool
    headline: str
    paragraphs: tuple[str, ...]


FILLER = {
    "es": (
        "Según fuentes consultadas por este diario, la decisión se tomó tras varias semanas "
        "de reuniones y consultas con las partes implicadas, que pidieron discreción hasta el "
        "último momento.",
        "Los detalles del acuerdo se darán a conocer en los próximos días, cuando se publique "
        "el texto completo y se abra el plazo para presentar alegaciones por escrito.",
    ),
    "en": (
        "People familiar with the matter said the decision followed weeks of meetings and "
        "consultations with everyone involved, who asked for discretion until the very end.",
        "Further details are expected in the coming days, when the full text is published and "
        "a period for written comments opens to the public.",
    ),
}

CASES = (
    Case(
        "es-prision",
        "es",
        "iran",
        False,
        "Los acusados del caso de los contratos no irán a prisión",
        (
            "La Audiencia Provincial ha decidido que los cuatro acusados del caso de los contratos "
            "municipales no irán a prisión, al considerar que las penas impuestas no superan los "
            "dos años y que ninguno de ellos tiene antecedentes.",
            "Los abogados de la defensa celebraron la resolución y aseguraron que sus clientes "
            "irán a los juzgados cada mes para firmar, como exige el tribunal.",
        ),
    ),
    Case(
        "es-estadio",
        "es",
        "iran",
        False,
        "Miles de aficionados irán al estadio pese a la lluvia",
        (
            "El club espera que más de treinta mil aficionados irán al estadio este domingo pese "
            "a la previsión de lluvia intensa durante toda la tarde.",
            "Las autoridades recomiendan llegar con antelación: los accesos se abrirán dos horas "
            "antes del partido y los autobuses lanzadera irán cada diez minutos.",
        ),
    ),
    Case(
        "es-iran",
        "es",
        "iran",
        True,
        "Irán anuncia nuevas conversaciones sobre su programa nuclear",
        (
            "El gobierno de Irán anunció este lunes que reanudará las conversaciones con los "
            "inspectores internacionales sobre su programa nuclear la próxima semana en Viena.",
            "Teherán insiste en que su programa tiene fines pacíficos, mientras que los países "
            "europeos piden a Irán más transparencia y acceso a todas las instalaciones.",
        ),
    ),
    Case(
        "en-iran-caps",
        "en",
        "iran",
        True,
        "IRAN TALKS RESUME IN VIENNA",
        (
            "IRAN AND EUROPEAN NEGOTIATORS MET IN VIENNA ON MONDAY, the agency's bulletin said in "
            "its all-capitals headline service, as talks on inspections resumed after a pause.",
            "Diplomats said the first session dealt with access for inspectors and with a "
            "timetable for the next rounds of negotiations.",
        ),
    ),
    Case(
        "en-roast",
        "en",
        "turkey",
        False,
        "How to roast turkey for a crowd without stress",
        (
            "To roast turkey for twelve people, plan on about fifteen minutes per pound and let "
            "the bird rest for half an hour before carving.",
            "Our test kitchen brined the roast turkey overnight and basted it every forty minutes; "
            "leftover turkey makes excellent sandwiches the next day.",
        ),
    ),
    Case(
        "en-turkey",
        "en",
        "turkey",
        True,
        "Turkey's parliament approves new budget",
        (
            "Turkey's parliament approved the government's budget for next year on Tuesday after "
            "a marathon session in Ankara that lasted well into the night.",
            "The opposition criticised the spending plans, while ministers said Turkey would keep "
            "its deficit below three percent of economic output.",
        ),
    ),
    Case(
        "en-bone-china",
        "en",
        "china",
        False,
        "Auction of fine bone china tea set breaks records",
        (
            "A nineteenth-century tea set of fine bone china sold for a record sum at a country "
            "auction house on Saturday, well above its estimate.",
            "Collectors say bone china from that period is prized for its translucency; the "
            "set's cups and saucers carry the maker's original gilded mark.",
        ),
    ),
    Case(
        "en-china",
        "en",
        "china",
        True,
        "China's exports rise for third month",
        (
            "China's exports rose for a third consecutive month in October, customs data showed "
            "on Thursday, helped by strong demand for electronics.",
            "Economists said the figures suggest China's manufacturers are adapting to higher "
            "tariffs by shifting shipments to new markets.",
        ),
    ),
)


def page(title: str, paragraphs: tuple[str, ...], *, canonical: str | None, site: str) -> bytes:
    """An ordinary article page: navigation, the article, related links, a footer; none of
    its boilerplate uses a watchlist's word."""
    head = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} | {site}</title>{head}"
        f'<meta property="og:title" content="{html.escape(title)}"></head><body>'
        f'<header><nav><a href="/">{site}</a> <a href="/sections/news/">News</a> '
        '<a href="/sport/">Sport</a> <a href="/weather/">Weather</a></nav></header>'
        f"<main><article><h1>{html.escape(title)}</h1>"
        '<p class="byline">By our staff reporter, 27 November 2026</p>\n'
        f"{body}\n</article>"
        '<aside class="related"><h2>Read more</h2><ul><li><a href="/sport/">Sport results</a>'
        '</li><li><a href="/weather/">The weekend weather</a></li></ul></aside></main>'
        f"<footer>&copy; 2026 {site}. All rights reserved.</footer></body></html>\n"
    ).encode()


def story_paragraphs(i: int, place: str, subject: str, person: str) -> tuple[str, ...]:
    return (
        f"Residents of {place} gathered on Wednesday evening as officials presented the latest "
        f"plans for {subject}, a question that has divided the town for months.",
        f"{person}, who has followed {subject} since the spring, said the figures presented were "
        f"the result of {i + 3} rounds of talks and more than {40 + 7 * i} written submissions.",
        f"Shopkeepers on the high street of {place} said they hoped for a quick decision, while "
        "several speakers asked for another public meeting before the end of the year.",
        f"The next step for {subject} is a formal vote, expected within {i + 2} weeks; the "
        "minutes of the meeting will be published on the town's notice board.",
    )


def case_sites(port: int) -> tuple[list[serve.Site], dict[str, Case]]:
    sites = []
    for n, name in enumerate(("canonical-root", "canonical-section"), start=1):
        host = f"{HOST_PREFIX}{n}"
        canonical = "/" if name == "canonical-root" else f"http://{host}:{port}/sections/news/"
        site = serve.Site(host, name, host)
        for i, (headline, place, subject, person) in enumerate(STORIES):
            slug = headline.lower().replace(" ", "-")
            path = f"/news/2026/11/{i + 1:02d}/{slug}.html"
            body = page(
                headline,
                story_paragraphs(i, place, subject, person),
                canonical=canonical,
                site=name,
            )
            site.pages.append(serve.SitePage(f"{name}/{i + 1}", path, path, headline, body))
        sites.append(site)
    by_key = {}
    for n, lang in enumerate(("es", "en"), start=3):
        name = f"false-friends-{lang}"
        site = serve.Site(f"{HOST_PREFIX}{n}", name, "")
        for case in (c for c in CASES if c.lang == lang):
            path = f"/news/2026/11/27/{case.key}.html"
            body = page(case.headline, (*case.paragraphs, *FILLER[lang]), canonical=None, site=name)
            site.pages.append(serve.SitePage(case.key, path, path, case.headline, body))
            by_key[case.key] = case
        sites.append(site)
    return sites, by_key


def report(
    sites: list[serve.Site],
    cases: dict[str, Case],
    db: Path,
    hits: list[dict[str, Any]],
    port: int,
) -> dict[str, Any]:
    keys, articles = read_store(db)
    hits_of: dict[int, dict[str, dict[str, Any]]] = {}
    for h in hits:
        hits_of.setdefault(h["article_id"], {})[h["watchlist"]] = h
    out: dict[str, Any] = {"sites": {}, "false_friends": []}
    for site in sites:
        ids = [keys.get(url_key(f"http://{site.host}:{port}{p.path}")) for p in site.pages]
        stored = {i for i in ids if i is not None}
        out["sites"][site.name] = {
            "pages": len(site.pages),
            "articles": len(stored),
            "lost": sum(1 for i in ids if i is None),
            "stored_as": sorted({articles[i]["url"] for i in stored}),
            "titles": sorted({articles[i]["title"] for i in stored}),
        }
        for p, aid in zip(site.pages, ids, strict=True):
            case = cases.get(p.key)
            if case is None:
                continue
            hit = hits_of.get(aid, {}).get(case.watchlist) if aid is not None else None
            out["false_friends"].append(
                {
                    "article": case.key,
                    "watchlist": case.watchlist,
                    "expected": "hit" if case.expect_hit else "no hit",
                    "got": "hit" if hit else ("no hit" if aid is not None else "not stored"),
                    "right": bool(hit) == case.expect_hit,
                    "snippet": " ".join((hit or {}).get("snippet", "").split())[:120],
                }
            )
    ff = out["false_friends"]
    out["false_hits"] = sum(1 for x in ff if x["got"] == "hit" and x["expected"] == "no hit")
    out["false_friend_articles"] = sum(1 for x in ff if x["expected"] == "no hit")
    out["true_hits"] = sum(1 for x in ff if x["got"] == "hit" and x["expected"] == "hit")
    out["true_articles"] = sum(1 for x in ff if x["expected"] == "hit")
    return out


def print_report(r: dict[str, Any]) -> None:
    print("\n== canonical links ==")
    for name, s in r["sites"].items():
        if not name.startswith("canonical"):
            continue
        print(
            f"{name}: {s['articles']} of {s['pages']} articles stored, {s['lost']} pages with "
            f"no article at all; stored as {', '.join(s['stored_as'])}, titled "
            f"{'; '.join(s['titles'])}"
        )
    print("\n== false friends (watchlists Iran, Turkey, China) ==")
    print(
        f"false hits {r['false_hits']} of {r['false_friend_articles']} false-friend articles; "
        f"true hits {r['true_hits']} of {r['true_articles']}"
    )
    for x in r["false_friends"]:
        mark = "ok   " if x["right"] else "WRONG"
        print(
            f"  {mark} {x['article']:<14} {x['watchlist']:<7} expected {x['expected']:<7} "
            f"got {x['got']:<10} {x['snippet']}"
        )


def main() -> int:
    p = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join((__doc__ or "").split("\n\n")[1:]),
    )
    p.add_argument("--dir", type=Path, default=Path("/tmp/realweb/cases-web"))
    p.add_argument("--work", type=Path, default=Path("/tmp/realweb/cases-work"))
    p.add_argument("--port", type=int, default=serve.PORT)
    p.add_argument("--out", type=Path, help="write the figures as JSON")
    args = p.parse_args()
    sites, cases = case_sites(args.port)
    manifest = serve.build_web(args.dir, sites, args.port)
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / "monitor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    config = serve.write_config(
        args.work / "monitor.toml", manifest, kind="feed", database=db, terms=WATCHLISTS
    )
    env = monitor_env(args.work)
    print(
        f"{sum(len(s.pages) for s in sites)} pages on {len(sites)} sites in {args.dir}; "
        "cold crawl...",
        flush=True,
    )
    with serve.serve(args.dir) as server:
        run = measure(
            "cold-cases",
            [sys.executable, "-m", "monitor", "--config", str(config), "crawl"],
            work=args.work,
            server=server,
            env=env,
        )
    if run["rc"] != 0:
        raise SystemExit(f"monitor crawl exited {run['rc']}: see {args.work}/cold-cases.err")
    result = report(sites, cases, db, read_hits(config, env, args.work), args.port)
    result.update(
        started=time.strftime("%Y-%m-%d %H:%M:%S"),
        load1=load1(),
        wall_s=run["wall_s"],
        cpu_s=run["cpu_s"],
    )
    print_report(result)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
