"""Fixture news sites for site and sitemap sources (issue #16), each on its own 127.0.0.N
host: written into a folder by ``build_sites``, served by ``monitor.demo.server.FixtureSite``
(``{{BASE}}`` in text files becomes the site's own base URL). Dates are fixed (November
2026): nothing here depends on today's date."""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from monitor.demo.server import FixtureSite

ARTICLES = 5  # articles per site

#: site name -> the last byte of its 127.0.0.N address
HOSTS = {
    "feedsite": 11,
    "robotssite": 12,
    "conventional": 13,
    "indexsite": 14,
    "jsonsite": 15,
    "homepage": 16,
    "feedplus": 17,
    "walls": 18,
    "gzsite": 19,
    "bigsite": 20,
    "walledhome": 22,
}

PARAGRAPH = (
    "The regional council met on Thursday to discuss the new budget for schools, roads and "
    "the harbour, and after a long debate it approved a plan that its members said would "
    "take three years to complete. Residents who attended the session asked questions about "
    "the cost of the works and about the noise the construction would bring to the old town."
)

# Modelled on Cloudflare's managed challenge as served in 2025 (trimmed).
CLOUDFLARE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta http-equiv="X-UA-Compatible" content="IE=Edge"><meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15}</style></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">www.walls.example</h1>
<h2 class="h2" id="challenge-running">Verifying you are human. This may take a few seconds.</h2>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to
continue</span></div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "www.walls.example",cType: 'managed',
cRay: '8f1c2d3e4f5a6b7c',cH: 'abc',cUPMDTk: "\\/story?__cf_chl_tk=x"};
var cpo = document.createElement('script');
cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1c2d3e4f5a6b7c';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script>
<div class="footer" role="contentinfo"><div class="footer-inner">
<div class="clearfix diagnostic-wrapper">
<div class="ray-id">Ray ID: <code>8f1c2d3e4f5a6b7c</code></div></div>
<div class="text-center" id="footer-text">Performance &amp; security by Cloudflare</div></div></div>
</body></html>"""

# Modelled on a consent manager's interstitial page (Yahoo's consent.yahoo.com "collectConsent").
CONSENT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Before you continue</title></head>
<body><div id="consent-page" class="consent-wizard">
<h2 class="title">We value your privacy</h2>
<p>We and our 187 partners use cookies and similar technologies to store and access
information on your device, to personalise ads and content, and to measure them.</p>
<p>Select 'Accept all' to agree, or 'Reject all' to decline, or 'Manage privacy settings'.</p>
<form method="post" action="https://consent.yahoo.com/v2/collectConsent?sessionId=3_cc-session">
<button type="submit" name="agree" value="agree">Accept all</button>
<button type="submit" name="reject" value="reject">Reject all</button>
<a href="/v2/partners">Manage privacy settings</a></form></div></body></html>"""

# A page with a headline and a video player, and no text trafilatura can find.
THIN = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Video</title></head>
<body><header><a href="/">Walls Daily</a></header>
<div id="player" data-src="/video/123.m3u8"></div><script>loadPlayer()</script>
</body></html>"""


@dataclass(frozen=True)
class Sites:
    servers: dict[str, FixtureSite]

    def url(self, site: str, path: str = "/") -> str:
        return self.servers[site].url(path)

    def article_urls(self, site: str, count: int = ARTICLES) -> list[str]:
        return [self.url(site, article_path(site, i)) for i in range(1, count + 1)]


def article_path(site: str, i: int) -> str:
    return f"/2026/11/2{i % 10}/{site}-council-story-number-{i}.html"


def _article(site: str, i: int) -> str:
    title = f"{site.capitalize()} council story {i}"
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="2026-11-2{i % 10}T10:00:00Z">'
        f"</head><body><header><nav><a href='/'>Home</a></nav></header><article>"
        f"<h1>{title}</h1><p>{PARAGRAPH}</p><p>{site} story {i}: {PARAGRAPH}</p>"
        f"<p>{PARAGRAPH}</p></article><footer>© {site}</footer></body></html>"
    )


def _rss(site: str, items: list[int], titles: dict[int, str] | None = None) -> str:
    entries = "".join(
        f"<item><title>{(titles or {}).get(i, f'{site} council story {i}')}</title>"
        f"<link>{{{{BASE}}}}{article_path(site, i)}</link>"
        f"<description>Summary of story {i}</description>"
        f"<pubDate>Fri, 2{i % 10} Nov 2026 10:00:00 GMT</pubDate></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{site}</title><link>{{{{BASE}}}}/</link>{entries}</channel></rss>"
    )


def news_sitemap(site: str, items: list[int]) -> str:
    urls = "".join(
        f"<url><loc>{{{{BASE}}}}{article_path(site, i)}</loc><news:news><news:publication>"
        f"<news:name>{site}</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>2026-11-2{i % 10}T10:00:00+00:00</news:publication_date>"
        f"<news:title>{site} council story {i} (sitemap)</news:title></news:news></url>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>"
    )


def _home(site: str, feed: tuple[str, str] | None = None, links: Sequence[int] = ()) -> str:
    head = (
        f'<link rel="alternate" type="{feed[0]}" title="{site}" href="{feed[1]}">' if feed else ""
    )
    items = "".join(
        f"<li><a href='{article_path(site, i)}'>{site} council story {i}</a></li>" for i in links
    )
    return (
        f"<!DOCTYPE html><html><head><title>{site}</title>{head}</head><body>"
        f"<nav><a href='/about/'>About</a></nav><main><h1>{site}</h1><ul>{items}</ul>"
        "</main></body></html>"
    )


def _write(root: Path, path: str, content: str | bytes) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        target.write_text(content, "utf-8")
    else:
        target.write_bytes(content)


def build_sites(folder: Path, articles: int = ARTICLES) -> dict[str, Path]:
    """Each site's folder: see HOSTS for the list and the tests for what each shows
    (``articles`` per site: the benchmark makes them bigger)."""
    roots = {name: folder / name for name in HOSTS}
    every = list(range(1, articles + 1))
    for name, root in roots.items():
        for i in every:
            _write(root, article_path(name, i), _article(name, i))
    w = _write
    # A homepage that announces its RSS feed.
    w(roots["feedsite"], "/index.html", _home("feedsite", ("application/rss+xml", "/rss.xml"), [1]))
    w(roots["feedsite"], "/rss.xml", _rss("feedsite", every))
    # Announces nothing; robots.txt names the news sitemap.
    w(roots["robotssite"], "/index.html", _home("robotssite"))
    w(
        roots["robotssite"],
        "/robots.txt",
        "User-agent: *\nDisallow: /private/\nSitemap: {{BASE}}/sitemaps/google-news.xml\n",
    )
    w(roots["robotssite"], "/sitemaps/google-news.xml", news_sitemap("robotssite", every))
    # Only /sitemap_news.xml, at its conventional path.
    w(roots["conventional"], "/index.html", _home("conventional"))
    w(roots["conventional"], "/sitemap_news.xml", news_sitemap("conventional", every))
    # robots.txt names a sitemap index: a news child and a huge archive child.
    w(roots["indexsite"], "/index.html", _home("indexsite"))
    w(roots["indexsite"], "/robots.txt", "Sitemap: {{BASE}}/sitemap_index.xml\n")
    w(
        roots["indexsite"],
        "/sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>{{BASE}}/sitemaps/archive-2019.xml</loc>"
        "<lastmod>2019-12-31</lastmod></sitemap>"
        "<sitemap><loc>{{BASE}}/sitemaps/news-latest.xml</loc>"
        "<lastmod>2026-11-25T10:00:00Z</lastmod></sitemap></sitemapindex>",
    )
    w(roots["indexsite"], "/sitemaps/news-latest.xml", news_sitemap("indexsite", every))
    archive = "".join(
        f"<url><loc>{{{{BASE}}}}/2019/old-story-{n}.html</loc><lastmod>2019-01-01</lastmod></url>"
        for n in range(60_000)
    )
    w(
        roots["indexsite"],
        "/sitemaps/archive-2019.xml",
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + archive + "</urlset>",
    )
    # Announces a JSON Feed.
    w(roots["jsonsite"], "/index.html", _home("jsonsite", ("application/feed+json", "/feed.json")))
    items = ",".join(
        f'{{"id": "{i}", "url": "{{{{BASE}}}}{article_path("jsonsite", i)}", '
        f'"title": "jsonsite council story {i}", "summary": "Summary {i}", '
        f'"date_published": "2026-11-2{i % 10}T10:00:00Z"}}'
        for i in every
    )
    w(
        roots["jsonsite"],
        "/feed.json",
        '{"version": "https://jsonfeed.org/version/1.1", "title": "jsonsite", '
        f'"home_page_url": "{{{{BASE}}}}/", "items": [{items}]}}',
    )
    # Nothing announced, no sitemap: the homepage's links.
    w(roots["homepage"], "/index.html", _home("homepage", None, every))
    # A feed of three, and a news sitemap of all five.
    w(roots["feedplus"], "/index.html", _home("feedplus", ("application/atom+xml", "/rss.xml")))
    w(roots["feedplus"], "/rss.xml", _rss("feedplus", [1, 2, 3]))
    w(roots["feedplus"], "/robots.txt", "Sitemap: {{BASE}}/news-sitemap.xml\n")
    w(roots["feedplus"], "/news-sitemap.xml", news_sitemap("feedplus", every))
    # Article pages behind walls: 1 and 2 are articles, 3 a challenge, 4 a consent wall,
    # 5 thin. Story 3's headline names Iran: it is matched from the feed.
    w(roots["walls"], "/index.html", _home("walls", ("application/rss+xml", "/rss.xml")))
    w(roots["walls"], "/rss.xml", _rss("walls", every, {3: "Iran talks resume in Oman"}))
    w(roots["walls"], article_path("walls", 3), CLOUDFLARE)
    w(roots["walls"], article_path("walls", 3) + ".headers", "Server: cloudflare\n")
    w(roots["walls"], article_path("walls", 4), CONSENT)
    w(roots["walls"], article_path("walls", 5), THIN)
    # The homepage is a Cloudflare challenge answered 403; the news sitemap is reachable.
    w(roots["walledhome"], "/index.html", CLOUDFLARE)
    w(roots["walledhome"], "/index.html.headers", "Status: 403\nServer: cloudflare\n")
    w(roots["walledhome"], "/sitemap_news.xml", news_sitemap("walledhome", every))
    # A gzip sitemap (a file, not a transfer encoding), and a 30 MB sitemap twice: plain
    # (its Content-Length says so) and gzip (only unpacking it tells).
    # news.xml.gz is written by serve_sites, once the site's address is known.
    w(roots["bigsite"], "/huge.xml", news_sitemap("bigsite", every))
    w(roots["bigsite"], "/huge.xml.headers", f"X-Fixture-Size: {30 * 1024 * 1024}\n")
    filler = "<!-- " + "x" * 1000 + " -->"
    big = news_sitemap("bigsite", every).replace("</urlset>", filler * 31_000 + "</urlset>")
    w(roots["bigsite"], "/huge.xml.gz", gzip.compress(big.encode(), 6))
    return roots


@contextmanager
def serve_sites(folder: Path, articles: int = ARTICLES) -> Iterator[Sites]:
    roots = build_sites(folder, articles)
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(FixtureSite(root, host=f"127.0.0.{HOSTS[name]}"))
            for name, root in roots.items()
        }
        # A binary file's {{BASE}} is not replaced by the server: written with the address.
        xml = news_sitemap("gzsite", list(range(1, articles + 1)))
        gz = gzip.compress(xml.replace("{{BASE}}", servers["gzsite"].base).encode())
        (roots["gzsite"] / "news.xml.gz").write_bytes(gz)
        yield Sites(servers)
