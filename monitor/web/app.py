"""The web view's routes: the hit list with filters and search, one article, trend charts,
source health and the Atom feeds. Read-only by construction: it holds a read-only engine
(monitor.store.readonly) and only GET routes, so a POST is 405 before any code runs.

Feed text is hostile: Jinja2 autoescapes every value, only http(s) URLs become links, and a
Content-Security-Policy without scripts stops whatever might slip through anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from jinja2 import Environment
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from monitor.app import Monitor, UnknownWatchlist
from monitor.config import Config
from monitor.domain.filters import Cursor, HitFilter, Per, Sort
from monitor.errors import MonitorError
from monitor.query.when import parse_when
from monitor.web.render import environment

#: No scripts at all; inline styles and the inline SVG chart are all the page needs.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # following a link does not tell the site where from
}
PAGE_SIZE = 50
TREND_DAYS = 90
FEED_SIZE = 50
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


class WebView:
    """The routes over one read-only engine and the configuration (watchlist and source
    names for the filters, the digest's time zone for display): each asks monitor.app and
    renders a template."""

    def __init__(self, config: Config, engine: Engine) -> None:
        self.config = config
        self.app = Monitor(config, lambda: engine)
        self.env: Environment = environment(config.digest.zone)

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = self.env.get_template(template).render(
            watchlists=[w.name for w in self.config.watchlists],
            sources=[s.name for s in self.config.sources],
            **context,
        )
        return HTMLResponse(body, status_code=status, headers=HEADERS)

    def error(self, status: int, message: str) -> HTMLResponse:
        return self.page("error.html", status=status, message=message)

    def hits(self, request: Request) -> Response:
        params = request.query_params
        try:
            f = filter_from(params)
            after = params.get("after")
            cursor = Cursor.decode(after) if after else None
            page = self.app.hit_page(f, limit=PAGE_SIZE, cursor=cursor)
        except MonitorError as exc:
            return self.page("hits.html", status=400, error=str(exc), f=HitFilter(), rows=[])
        next_url = None
        if page.next:
            kept = [(k, v) for k, v in params.multi_items() if k != "after" and v]
            next_url = "?" + urlencode([*kept, ("after", page.next)])
        return self.page(
            "hits.html", f=f, rows=page.rows, next_url=next_url, params=params, first=not after
        )

    def article(self, request: Request) -> Response:
        view = self.app.article(int(request.path_params["article_id"]))
        if view is None:
            return self.error(404, "No stored article has this id.")
        return self.page("article.html", a=view)

    def snapshot(self, request: Request) -> Response:
        """One archived record as a WARC download: hostile HTML, never rendered here (an
        attachment, of a type no browser renders, in a sandbox if one tried)."""
        from monitor.archive.evidence import ref
        from monitor.archive.warc import read_raw

        article_id = int(request.path_params["article_id"])
        snapshot_id = int(request.path_params["snapshot_id"])
        view = self.app.article(article_id)
        snap = next((x for x in view.snapshots if x.id == snapshot_id), None) if view else None
        if snap is None:
            return self.error(404, "This article has no such snapshot.")
        if snap.pruned_at is not None:
            return self.error(410, "This snapshot was deleted by the archive's retention.")
        try:
            body = read_raw(self.config.archive.dir, ref(snap))
        except FileNotFoundError:
            return self.error(410, "This snapshot's file is missing from the archive.")
        name = f"article-{article_id}-snapshot-{snapshot_id}.warc.gz"
        headers = {
            **HEADERS,
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Content-Disposition": f'attachment; filename="{name}"',
        }
        return Response(body, media_type="application/warc", headers=headers)

    def trends(self, request: Request) -> Response:
        from monitor.web.chart import bar_chart

        names = [w.name for w in self.config.watchlists]
        wanted = [w for w in request.query_params.getlist("watchlist") if w in names] or names
        until = datetime.now(UTC)
        first_day = until.date() - timedelta(days=TREND_DAYS - 1)  # today is the last bar
        since = datetime.combine(first_day, datetime.min.time(), UTC)
        series = self.app.stats(wanted, since, until, by_source=False).series
        charts = [(x, bar_chart(x)) for x in series]
        return self.page("trends.html", charts=charts, days=TREND_DAYS)

    def sources_page(self, request: Request) -> Response:
        return self.page("sources.html", rows=self.app.sources())

    def feed(self, request: Request) -> Response:
        from monitor.render.atom import build_feed

        name = request.path_params["name"]
        watchlist = None if name == "all" else name
        try:
            rows = self.app.feed(watchlist, FEED_SIZE)
        except UnknownWatchlist:
            return self.error(404, "No watchlist has this name.")
        body = build_feed(
            rows,
            watchlist=watchlist,
            limit=FEED_SIZE,
            self_url=str(request.url),
            site_url=str(request.url_for("hits")),
        )
        return Response(body, media_type="application/atom+xml", headers=HEADERS)


def _many(params: Any, key: str) -> tuple[str, ...]:
    return tuple(v for v in params.getlist(key) if v)


def filter_from(params: Any) -> HitFilter:
    """The hit list's query string as a filter (the same fields as `monitor hits`)."""
    since, until = params.get("since"), params.get("until")
    story = params.get("story")
    if story and not story.isdigit():
        raise MonitorError("story: give a story id (a number)")
    per = params.get("per") or "copy"
    sort = params.get("sort") or "time"
    if per not in ("copy", "story") or sort not in ("time", "relevance"):
        raise MonitorError("per is copy or story; sort is time or relevance")
    return HitFilter(
        watchlists=_many(params, "watchlist"),
        sources=_many(params, "source"),
        since=parse_when(since) if since else None,
        until=parse_when(until, end=True) if until else None,
        terms=_many(params, "term"),
        updated_only=params.get("updated") in ("1", "on", "true"),
        story=int(story) if story else None,
        per=cast(Per, per),
        search=(params.get("q") or "").strip() or None,
        sort=cast(Sort, sort),
        langs=tuple(v.strip().lower() for v in _many(params, "lang")),
        removed=params.get("removed") in ("1", "on", "true"),
    )


def create_app(
    config: Config, engine: Engine, *, allowed_hosts: Sequence[str] | None = None
) -> Starlette:
    """The application. ``allowed_hosts`` guards against DNS rebinding (a web page making a
    browser read this loopback server under its own name); None lets any Host in."""
    view = WebView(config, engine)
    routes = [
        Route("/", view.hits, methods=["GET"], name="hits"),
        Route("/articles/{article_id:int}", view.article, methods=["GET"], name="article"),
        Route(
            "/articles/{article_id:int}/snapshots/{snapshot_id:int}.warc.gz",
            view.snapshot,
            methods=["GET"],
            name="snapshot",
        ),
        Route("/trends", view.trends, methods=["GET"], name="trends"),
        Route("/sources", view.sources_page, methods=["GET"], name="sources"),
        Route("/feeds/{name}.atom", view.feed, methods=["GET"], name="feed"),
    ]
    middleware = []
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    return Starlette(routes=routes, middleware=middleware)
