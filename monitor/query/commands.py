"""The bodies of the archive commands (`hits`, `show`, `stats`, `export`, `feed`): open the
store read-only, ask monitor.query, write the answer. cli.py only parses arguments."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import click

from monitor.config import Config
from monitor.domain.filters import Cursor, HitFilter
from monitor.errors import MonitorError
from monitor.store.readonly import read_session
from monitor.storeconfig import open_reader

HIT_FIELDS = [
    "id",
    "article_id",
    "watchlist",
    "matched",
    "title",
    "url",
    "source",
    "published",
    "first_seen",
    "found",
    "snippet",
    "sent_at",
    "story_id",
    "updated",
    "copies",
]


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as out:
            yield out
    except OSError as exc:
        raise MonitorError(f"cannot write {path}: {exc.strerror}") from None


def _hit_filter(**f: Any) -> HitFilter:
    return HitFilter(
        watchlists=tuple(f.get("watchlists") or ()),
        sources=tuple(f.get("sources") or ()),
        since=f.get("since"),
        until=f.get("until"),
        terms=tuple(f.get("terms") or ()),
        updated_only=bool(f.get("updated")),
        story=f.get("story"),
        per=f.get("per") or "copy",
        search=f.get("search"),
        sort=f.get("sort") or "time",
    )


def _nothing() -> None:
    click.echo("No hits match.", err=True)


def list_hits(
    config: Config, *, fmt: str, limit: int | None, after: str | None, **filters: Any
) -> None:
    from monitor.store.hits import Page, iter_hits, page_hits
    from monitor.writers import write_csv, write_json_array, write_jsonl

    f = _hit_filter(**filters)
    cursor = Cursor.decode(after) if after else None
    if limit is None:
        limit = 50 if fmt == "table" else 0
    engine = open_reader(config)
    try:
        with read_session(engine) as s:
            if fmt == "table":
                from monitor.output_query import print_hit_table

                if limit:
                    page = page_hits(s, f, limit=limit, cursor=cursor)
                else:  # --limit 0: all of them, as asked
                    page = Page(list(iter_hits(s, f, cursor=cursor)), None)
                if not page.rows:
                    _nothing()
                    return
                print_hit_table(page.rows, zone=config.digest.zone)
                if page.next:
                    click.echo(f"(more: add --after {page.next})", err=True)
                return
            next_cursor = None
            if limit:
                page = page_hits(s, f, limit=limit, cursor=cursor)
                rows: Any = iter(page.rows)
                next_cursor = page.next
            else:
                rows = iter_hits(s, f, cursor=cursor)
            dicts = (r.as_dict() for r in rows)
            if fmt == "json":
                n = write_json_array(dicts, sys.stdout)
            elif fmt == "jsonl":
                n = write_jsonl(dicts, sys.stdout)
            else:
                n = write_csv(dicts, HIT_FIELDS, sys.stdout)
        if n == 0:
            _nothing()
        if next_cursor:
            click.echo(f"(more: add --after {next_cursor})", err=True)
    finally:
        engine.dispose()


def show_article(config: Config, ref: str, fmt: str) -> None:
    from monitor.query.article import find_article_id, load_article

    engine = open_reader(config)
    try:
        with read_session(engine) as s:
            article_id = find_article_id(s, ref)
            view = load_article(s, article_id) if article_id is not None else None
    finally:
        engine.dispose()
    if view is None:
        raise MonitorError(f"no stored article has the id or URL {ref!r}")
    if fmt == "json":
        import json

        click.echo(json.dumps(view.as_dict(), ensure_ascii=False, indent=2))
    else:
        from monitor.output_query import print_article

        print_article(view, zone=config.digest.zone)


def print_hit_stats(
    config: Config,
    watchlists: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    every: str,
    fmt: str,
) -> None:
    from monitor.output_query import print_stats
    from monitor.query.stats import source_counts, watchlist_series

    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=30)
    names = watchlists or tuple(w.name for w in config.watchlists)
    engine = open_reader(config)
    try:
        with read_session(engine) as s:
            series = watchlist_series(s, since, until, watchlists=names, every=every)
            sources = source_counts(s, since, until, names)
    finally:
        engine.dispose()
    print_stats(series, sources, fmt, every)


def export_hits(config: Config, fmt: str, output: Path | None, **filters: Any) -> None:
    from monitor.query.export import BOOL_FIELDS, FIELDS, JSON_FIELDS, iter_export
    from monitor.writers import write_export_csv, write_export_jsonl

    f = _hit_filter(**filters)
    engine = open_reader(config)
    try:
        with read_session(engine) as s, _output(output) as out:
            rows = iter_export(s, f)
            if fmt == "csv":
                n = write_export_csv(rows, FIELDS, BOOL_FIELDS, out)
            else:
                n = write_export_jsonl(rows, FIELDS, JSON_FIELDS, BOOL_FIELDS, out)
    finally:
        engine.dispose()
    click.echo(f"{n} hits exported" + (f" to {output}" if output else ""), err=True)


def latest_for_feed(config: Config, watchlist: str | None, limit: int) -> list[Any]:
    """The newest hits of a feed: for all watchlists, enough for ``limit`` articles."""
    from monitor.store.hits import page_hits

    f = HitFilter(watchlists=(watchlist,) if watchlist else ())
    engine = open_reader(config)
    try:
        with read_session(engine) as s:
            return page_hits(s, f, limit=limit if watchlist else limit * 4).rows
    finally:
        engine.dispose()


def write_feed(config: Config, watchlist: str | None, output: Path | None, limit: int) -> None:
    from monitor.atom import build_feed

    if watchlist is not None and watchlist not in {w.name for w in config.watchlists}:
        known = ", ".join(w.name for w in config.watchlists)
        raise MonitorError(f"no watchlist named {watchlist!r} (the configured ones: {known})")
    body = build_feed(latest_for_feed(config, watchlist, limit), watchlist=watchlist, limit=limit)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(body)
    except OSError as exc:
        raise MonitorError(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"feed of {watchlist or 'all watchlists'} written to {output}", err=True)
