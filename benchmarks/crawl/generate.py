"""A synthetic local news web for the crawl benchmark, written to disk.

    python benchmarks/crawl/generate.py [--dir /tmp/newsweb] [--feeds 1000] [--sections 200]
                                        [--articles 20000] [--sites 100]
    python benchmarks/crawl/generate.py --dir DIR --trickle 0.02   # add 2% new articles

Every site is its own host (127.0.1.1, 127.0.1.2, ...: the whole of 127/8 is loopback on
Linux), so per-site politeness limits apply as they would on the web. A site has one language
(English, German, Russian or Arabic), its own boilerplate (inline scripts and styles, a mega
menu, sidebars, a footer: about 100 KB a page) and its articles, feeds (RSS 2.0 or Atom, 20 to
100 items each) and section pages (article links under the site's navigation). Every article
is listed by at least one feed; section pages list some of the same articles again, as real
sites do. The text is our own: sentences drawn from a Zipf vocabulary of made-up words in each
script, with the watchlist names (Iran, Russia and their spellings) sprinkled in.

Deterministic (seeded): the same arguments give the same files. ``manifest.json`` lists
every feed, section and article, for the runner and the peers. ``--trickle F`` adds F times
the article count of new articles, each at the top of one feed of its site (the feed keeps
its length) and of the site's first section page, rewriting only those files.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20261127
BASE_DATE = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
LANGS = ["en", "de", "ru", "ar"]
LANG_WEIGHTS = [4, 2, 2, 1]
ALPHABETS = {
    "en": "abcdefghijklmnoprstuvwyz",
    "de": "abcdefghiklmnoprstuvwzäöüß",
    "ru": "абвгдежзиклмнопрстуфхцчшыэюя",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
}
NAMES = {  # watchlist words, as each language writes them
    "en": ["Iran", "Russia", "Tehran", "Kremlin", "drone strike", "sanctions"],
    "de": ["Iran", "Russland", "Teheran", "Kreml", "Drohnenangriff", "Sanktionen"],
    "ru": ["Иран", "Россия", "Тегеран", "Кремль", "удар дронов", "санкции"],
    "ar": ["إيران", "روسيا", "طهران", "الكرملين", "غارة بطائرة مسيرة", "عقوبات"],
}
CATEGORIES = [
    "world", "politics", "business", "economy", "tech", "science", "culture", "sport",
    "opinion", "health", "climate", "europe", "asia", "middle-east", "americas", "africa",
]  # fmt: skip
VOCAB_SIZE = 6000


def host_of(site: int) -> str:
    return f"127.0.{1 + site // 250}.{1 + site % 250}"


class Words:
    """A Zipf vocabulary of made-up words per language (seeded)."""

    def __init__(self, rng: random.Random) -> None:
        self.words: dict[str, list[str]] = {}
        self.cum: dict[str, list[float]] = {}
        for lang, alphabet in ALPHABETS.items():
            seen: set[str] = set()
            while len(seen) < VOCAB_SIZE:
                n = min(14, 2 + int(rng.expovariate(1 / 4)))
                seen.add("".join(rng.choice(alphabet) for _ in range(n)))
            words = sorted(seen)
            rng.shuffle(words)
            total = 0.0
            cum = []
            for rank in range(1, len(words) + 1):
                total += 1 / rank**1.07
                cum.append(total)
            self.words[lang], self.cum[lang] = words, cum

    def sentence(self, rng: random.Random, lang: str, lo: int = 8, hi: int = 26) -> str:
        ws = rng.choices(self.words[lang], cum_weights=self.cum[lang], k=rng.randint(lo, hi))
        if rng.random() < 0.12:
            ws.insert(rng.randrange(len(ws)), rng.choice(NAMES[lang]))
        s = " ".join(ws)
        if lang in ("en", "de"):
            s = s[0].upper() + s[1:]
        return s + rng.choice(".....?!") if lang != "ar" else s + "."

    def title(self, rng: random.Random, lang: str) -> str:
        return self.sentence(rng, lang, 5, 11).rstrip(".?!")


def js_blob(rng: random.Random, size: int) -> str:
    """Tracking/config-like JavaScript of about ``size`` characters."""
    parts: list[str] = []
    n = 0
    while n < size:
        name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
        keys = ", ".join(
            f'"{rng.choice(CATEGORIES)}_{i}": {rng.randint(0, 99999)}' for i in range(8)
        )
        line = (
            f"function {name}(e,t){{var n=window.__cfg||{{}};n.{name}={{{keys}}};"
            f"if(t&&t.length>{rng.randint(2, 9)}){{return e.push(n)}}return null}}\n"
        )
        parts.append(line)
        n += len(line)
    return "".join(parts)


@dataclass
class Article:
    id: int
    site: int
    path: str
    title: str
    summary: str
    published: str  # ISO 8601
    category: str


@dataclass
class Site:
    index: int
    host: str
    lang: str
    name: str
    head: str = ""  # boilerplate before the article
    cards: str = ""  # "more stories" teasers under it
    tail: str = ""  # boilerplate after it
    feeds: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)


def site_boilerplate(site: Site, words: Words, rng: random.Random) -> None:
    """The per-site chrome: ~90 KB of scripts, styles, menus, sidebars and footer."""
    lang = site.lang
    style = "\n".join(
        f".c{i}{{margin:{rng.randint(0, 20)}px;padding:{rng.randint(0, 9)}px;"
        f"color:#{rng.randrange(16**6):06x};font-size:{rng.randint(10, 20)}px}}"
        for i in range(rng.randint(120, 200))
    )
    menu = []
    for cat in CATEGORIES:
        sub = "".join(
            f'<li class="menu-item"><a class="menu-link" href="/sections/{cat}/">'
            f"{html.escape(words.title(rng, lang)[:30])}</a></li>"
            for _ in range(rng.randint(8, 14))
        )
        menu.append(
            f'<li class="menu-top"><a href="/sections/{cat}/">{cat.title()}</a>'
            f'<ul class="submenu">{sub}</ul></li>'
        )
    most_read = "".join(
        f'<li><span class="rank">{i + 1}</span><a href="/tag/{rng.choice(CATEGORIES)}/">'
        f"{html.escape(words.title(rng, lang))}</a></li>"
        for i in range(12)
    )
    ads = "".join(
        f'<div class="ad-slot" id="ad-{i}"><div class="ad-inner"><div class="ad-label">Ad</div>'
        f'<div class="ad-frame" data-slot="{rng.randrange(10**8)}"></div></div></div>'
        for i in range(14)
    )
    footer_links = "".join(
        f'<li><a href="/{p}/">{html.escape(words.title(rng, lang)[:24])}</a></li>'
        for p in rng.choices(["about", "contact", "privacy", "terms", "jobs", "ads"], k=90)
    )
    site.cards = "".join(
        f'<div class="card"><a href="/sections/{rng.choice(CATEGORIES)}/">'
        f'<div class="thumb"><img src="/img/{rng.randrange(10**6)}.jpg" alt=""></div>'
        f"<h3>{html.escape(words.title(rng, lang))}</h3></a>"
        f'<p class="teaser">{html.escape(words.sentence(rng, lang))}</p></div>'
        for _ in range(30)
    )
    site.head = (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{style}</style>\n"
        f"<script>{js_blob(rng, rng.randint(20_000, 34_000))}</script>\n"
        "{META}</head><body>\n"
        f'<div class="cookie-banner" role="dialog"><p>{words.sentence(rng, lang)}</p>'
        '<button class="accept">OK</button></div>\n'
        f'<header class="site-header"><a class="logo" href="/">{html.escape(site.name)}</a>'
        f'<nav class="main-nav" role="navigation"><ul class="menu">{"".join(menu)}</ul></nav>'
        '<form class="search" action="/search"><input name="q"></form></header>\n'
        f'<div class="layout"><aside class="sidebar left">{ads[: len(ads) // 2]}'
        f'<div class="most-read"><h3>Most read</h3><ol>{most_read}</ol></div></aside>\n'
        '<main class="content">\n'
    )
    site.tail = (
        "</main>\n"
        f'<aside class="sidebar right">{ads[len(ads) // 2 :]}'
        f'<div class="newsletter"><p>{words.sentence(rng, lang)}</p>'
        '<form action="/newsletter"><input name="email"><button>Go</button></form></div>'
        "</aside></div>\n"
        f'<footer class="site-footer"><ul class="footer-links">{footer_links}</ul>'
        f"<p>&copy; 2026 {html.escape(site.name)}. Synthetic site for the crawl benchmark.</p>"
        "</footer>\n"
        f"<script>{js_blob(rng, rng.randint(16_000, 26_000))}</script>\n"
        "</body></html>\n"
    )


def article_page(site: Site, a: Article, words: Words, rng: random.Random, base: str) -> str:
    lang = site.lang
    paras = "\n".join(
        "<p>"
        + html.escape(" ".join(words.sentence(rng, lang) for _ in range(rng.randint(2, 6))))
        + "</p>"
        for _ in range(rng.randint(5, 14))
    )
    related = "".join(
        f'<li><a href="/sections/{rng.choice(CATEGORIES)}/">'
        f"{html.escape(words.title(rng, lang))}</a></li>"
        for _ in range(rng.randint(10, 20))
    )
    tags = "".join(f'<a class="tag" href="/tag/{c}/">{c}</a>' for c in rng.sample(CATEGORIES, 4))
    meta = (
        f"<title>{html.escape(a.title)} | {html.escape(site.name)}</title>\n"
        f'<link rel="canonical" href="{base}{a.path}">\n'
        f'<meta property="og:title" content="{html.escape(a.title)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta name="description" content="{html.escape(a.summary)}">\n'
        f'<meta property="article:published_time" content="{a.published}">\n'
    )
    body = (
        f'<nav class="breadcrumbs"><a href="/">Home</a> / '
        f'<a href="/sections/{a.category}/">{a.category}</a></nav>\n'
        f'<article class="story"><h1>{html.escape(a.title)}</h1>\n'
        f'<p class="byline">{html.escape(words.title(rng, lang)[:40])} &middot; '
        f'<time datetime="{a.published}">{a.published[:10]}</time></p>\n'
        f'<p class="lead"><strong>{html.escape(a.summary)}</strong></p>\n'
        f"{paras}\n"
        f'<div class="share social"><a href="/share?fb">f</a><a href="/share?x">x</a></div>'
        f'<div class="tags">{tags}</div></article>\n'
        f'<section class="related"><h2>Related</h2><ul>{related}</ul></section>\n'
        f'<section class="more-stories">{site.cards}</section>\n'
    )
    return site.head.replace("{META}", meta) + body + site.tail


def rss(site: Site, feed: dict[str, Any], items: list[Article], base: str) -> str:
    entries = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{base}{a.path}</link>"
        f'<guid isPermaLink="true">{base}{a.path}</guid>'
        f"<pubDate>{rfc822(a.published)}</pubDate><category>{a.category}</category>"
        f"<description>{html.escape(a.summary)}</description></item>\n"
        for a in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(site.name)}: {feed['category']}</title><link>{base}/</link>"
        f"<description>{feed['category']}</description>"
        f"<language>{site.lang}</language>\n{entries}</channel></rss>\n"
    )


def atom(site: Site, feed: dict[str, Any], items: list[Article], base: str) -> str:
    entries = "".join(
        f'<entry><title>{html.escape(a.title)}</title><link href="{base}{a.path}"/>'
        f"<id>{base}{a.path}</id><published>{a.published}</published>"
        f"<updated>{a.published}</updated>"
        f'<summary type="text">{html.escape(a.summary)}</summary></entry>\n'
        for a in items
    )
    updated = items[0].published if items else BASE_DATE.isoformat()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(site.name)}: {feed['category']}</title>"
        f"<id>{base}{feed['path']}</id><updated>{updated}</updated>"
        f'<link rel="self" href="{base}{feed["path"]}"/>\n{entries}</feed>\n'
    )


def section_page(site: Site, sec: dict[str, Any], items: list[Article], base: str) -> str:
    river = "".join(
        f'<li class="teaser"><a href="{a.path}"><h3>{html.escape(a.title)}</h3></a>'
        f"<p>{html.escape(a.summary[:160])}</p></li>"
        for a in items
    )
    meta = f"<title>{sec['category']} | {html.escape(site.name)}</title>\n"
    body = f'<h1>{sec["category"]}</h1><ul class="river">{river}</ul>\n'
    return site.head.replace("{META}", meta) + body + site.tail


def home_page(site: Site, items: list[Article]) -> str:
    """The front page: the latest stories, and the site's first RSS feed advertised in the
    head (news-please's RssCrawler starts from the front page and looks for that link)."""
    rss_feed = next((f["path"] for f in site.feeds if f["kind"] == "rss"), None)
    meta = f"<title>{html.escape(site.name)}</title>\n"
    if rss_feed:
        meta += f'<link rel="alternate" type="application/rss+xml" href="{rss_feed}">\n'
    river = "".join(
        f'<li class="teaser"><a href="{a.path}"><h3>{html.escape(a.title)}</h3></a></li>'
        for a in items
    )
    return site.head.replace("{META}", meta) + f'<ul class="river">{river}</ul>' + site.tail


def rfc822(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%a, %d %b %Y %H:%M:%S +0000")


def write(path: Path, text: str) -> None:
    """Atomically: the server never serves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


class Web:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.words = Words(random.Random(SEED))

    def base(self, site: Site) -> str:
        return f"http://{site.host}:{self.port}"

    def site_dir(self, site: Site) -> Path:
        return self.root / "www" / site.host

    def make_site(self, index: int) -> Site:
        rng = random.Random(f"{SEED}-site-{index}")
        lang = rng.choices(LANGS, weights=LANG_WEIGHTS)[0]
        site = Site(index, host_of(index), lang, f"The {self.words.title(rng, 'en')[:20]} Post")
        site_boilerplate(site, self.words, rng)
        return site

    def new_article(self, site: Site, aid: int, rng: random.Random, when: datetime) -> Article:
        cat = rng.choice(CATEGORIES)
        title = self.words.title(rng, site.lang)
        slug = "-".join(title.lower().split()[:6])
        slug = "".join(c for c in slug if c.isascii() and (c.isalnum() or c == "-"))
        slug = slug.strip("-")[:60] or f"{cat}-story"  # ASCII paths, as most sites transliterate
        path = f"/{when:%Y/%m/%d}/{slug}-a{aid}.html"
        summary = " ".join(self.words.sentence(rng, site.lang) for _ in range(2))
        return Article(aid, site.index, path, title, summary, when.isoformat(), cat)

    def write_article(self, site: Site, a: Article) -> int:
        rng = random.Random(f"{SEED}-article-{a.id}")
        text = article_page(site, a, self.words, rng, self.base(site))
        write(self.site_dir(site) / a.path.lstrip("/"), text)
        return len(text.encode())

    def write_lists(self, site: Site, arts: dict[int, Article], which: set[str]) -> None:
        base = self.base(site)
        for feed in site.feeds:
            if feed["path"] in which:
                items = [arts[i] for i in feed["items"]]
                text = (rss if feed["kind"] == "rss" else atom)(site, feed, items, base)
                write(self.site_dir(site) / feed["path"].lstrip("/"), text)
        for sec in site.sections:
            if sec["path"] in which:
                items = [arts[i] for i in sec["items"]]
                text = section_page(site, sec, items, base)
                write(self.site_dir(site) / sec["path"].lstrip("/") / "index.html", text)


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def generate(root: Path, feeds: int, sections: int, articles: int, sites: int, port: int) -> dict:
    if root.exists():
        shutil.rmtree(root / "www", ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    web = Web(root, port)
    started = time.monotonic()
    manifest: dict[str, Any] = {
        "params": dict(feeds=feeds, sections=sections, articles=articles, sites=sites, port=port),
        "sites": [],
        "articles": {},
        "next_id": 1,
        "trickles": 0,
    }
    sizes: list[int] = []
    aid = 1
    for s, (n_feeds, n_secs, n_arts) in enumerate(
        zip(split(feeds, sites), split(sections, sites), split(articles, sites), strict=True)
    ):
        site = web.make_site(s)
        rng = random.Random(f"{SEED}-lists-{s}")
        arts: dict[int, Article] = {}
        for k in range(n_arts):  # newest first, a few hours apart over two weeks
            when = BASE_DATE - timedelta(minutes=k * (14 * 24 * 60) // max(1, n_arts))
            arts[aid] = web.new_article(site, aid, rng, when)
            aid += 1
        ids = list(arts)
        # Every article in at least one feed: deal them out over the feeds, then fill up.
        n_items = [rng.randint(20, 100) for _ in range(n_feeds)]
        while n_feeds and sum(n_items) < len(ids):
            n_items = [min(100, n + 10) for n in n_items]
        dealt: list[list[int]] = [[] for _ in range(n_feeds)]
        pos = 0
        for i in ids:
            while len(dealt[pos % n_feeds]) >= n_items[pos % n_feeds]:
                pos += 1
            dealt[pos % n_feeds].append(i)
            pos += 1
        for f in range(n_feeds):
            extra = [i for i in rng.sample(ids, min(len(ids), n_items[f])) if i not in dealt[f]]
            items = sorted(dealt[f] + extra[: n_items[f] - len(dealt[f])])
            kind = "rss" if rng.random() < 0.6 else "atom"
            cat = CATEGORIES[f % len(CATEGORIES)]
            site.feeds.append(
                {"path": f"/feeds/{cat}-{f}.{kind}", "kind": kind, "category": cat, "items": items}
            )
        for k in range(n_secs):
            cat = CATEGORIES[k % len(CATEGORIES)]
            items = sorted(rng.sample(ids, min(len(ids), rng.randint(40, 120))))
            site.sections.append({"path": f"/sections/{cat}-{k}/", "category": cat, "items": items})
        for a in arts.values():
            sizes.append(web.write_article(site, a))
        web.write_lists(site, arts, {f["path"] for f in site.feeds + site.sections})
        write(web.site_dir(site) / "robots.txt", "User-agent: *\nAllow: /\n")
        write(web.site_dir(site) / "index.html", home_page(site, list(arts.values())[:30]))
        manifest["sites"].append(
            {
                "index": s,
                "host": site.host,
                "lang": site.lang,
                "feeds": site.feeds,
                "sections": site.sections,
            }
        )
        for a in arts.values():
            manifest["articles"][str(a.id)] = a.__dict__
    manifest["next_id"] = aid
    manifest["article_bytes"] = sum(sizes)
    manifest["seconds"] = round(time.monotonic() - started, 1)
    write(root / "manifest.json", json.dumps(manifest))
    return manifest


def trickle(root: Path, share: float) -> dict[str, Any]:
    """Add ``share`` x articles new articles; each tops one feed of its site (which keeps its
    length) and the site's first section page. Only the changed files are rewritten."""
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    web = Web(root, manifest["params"]["port"])
    n_new = max(1, round(share * len(manifest["articles"])))
    manifest["trickles"] += 1
    rng = random.Random(f"{SEED}-trickle-{manifest['trickles']}")
    arts = {int(k): Article(**v) for k, v in manifest["articles"].items()}
    sites_meta = manifest["sites"]
    changed: dict[int, set[str]] = {}
    aid = manifest["next_id"]
    when = BASE_DATE + timedelta(hours=manifest["trickles"])
    added = []
    for _ in range(n_new):
        meta = rng.choice(sites_meta)
        if not meta["feeds"]:
            continue
        site = web.make_site(meta["index"])
        a = web.new_article(site, aid, rng, when)
        aid += 1
        arts[a.id] = a
        web.write_article(site, a)
        added.append(a.id)
        feed = rng.choice(meta["feeds"])
        feed["items"] = [a.id, *feed["items"][:-1]]
        paths = changed.setdefault(meta["index"], set())
        paths.add(feed["path"])
        if meta["sections"]:
            sec = meta["sections"][0]
            sec["items"] = [a.id, *sec["items"][:-1]]
            paths.add(sec["path"])
        manifest["articles"][str(a.id)] = a.__dict__
    for index, paths in changed.items():
        site = web.make_site(index)
        site.feeds, site.sections = sites_meta[index]["feeds"], sites_meta[index]["sections"]
        web.write_lists(site, arts, paths)
    manifest["next_id"] = aid
    write(root / "manifest.json", json.dumps(manifest))
    feeds_changed = sum(1 for ps in changed.values() for p in ps if "/feeds/" in p)
    return {
        "new_articles": len(added),
        "feeds_changed": feeds_changed,
        "sections_changed": sum(len(ps) for ps in changed.values()) - feeds_changed,
        "new_ids": added,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/newsweb"))
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--sections", type=int, default=200)
    p.add_argument("--articles", type=int, default=20000)
    p.add_argument("--sites", type=int, default=100)
    p.add_argument("--port", type=int, default=8471)
    p.add_argument("--trickle", type=float, help="add this share of new articles (0.02)")
    args = p.parse_args()
    if args.trickle:
        out = trickle(args.dir, args.trickle)
        out.pop("new_ids")
    else:
        m = generate(args.dir, args.feeds, args.sections, args.articles, args.sites, args.port)
        out = {
            "articles": len(m["articles"]),
            "mean_article_kb": round(m["article_bytes"] / max(1, len(m["articles"])) / 1024, 1),
            "seconds": m["seconds"],
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
