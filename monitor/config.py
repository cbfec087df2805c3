"""Load and validate the TOML configuration once, into frozen dataclasses.

Where the file comes from: ``--config PATH``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``,
else the embedded default (``monitor/default.toml``). Every error names the file, the key and
what is wrong, so a user can fix it without reading the code.

Each option is declared once, as a field of the dataclass it fills (``option()``, as miniflux
declares its options in internal/config/options.go): its type, its default written as in the
file, the parser that checks a value and says what is wrong, and a line of help. The keys a
table accepts, the defaults and the messages come from there; ``_Loader`` adds only what spans
options (a source's ``feed``, ``section``, ``sitemap`` or ``site``, the SMTP port that follows
``security``, what recipients inherit from [digest], names that must be unique). Durations
are ``timedelta``s, choices are ``StrEnum``s (``str`` subclasses, so they print and compare
as the words).

No validation library: pydantic would need a custom validator per option to keep these
messages, and importing it and building one model took 0.13 s of CPU at every command's start
(Python 3.11, pydantic 2.13), four times this whole module's import.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from datetime import time as dtime
from datetime import timedelta
from enum import Enum, IntEnum, StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from monitor.errors import ConfigError

DEFAULT_CONFIG_NAME = "monitor.toml"
EMBEDDED = "<embedded default>"

T = TypeVar("T")


# -- Plain value parsers, also used by the command line and the web view -----------------------

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)\s*$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+$")


def parse_duration(text: str) -> timedelta:
    """A duration such as ``90s``, ``15m``, ``2h``, ``1d``, ``1w``."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration; write it like 90s, 15m, 2h or 1d")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])


def parse_size(text: str) -> int:
    """Bytes in a size such as ``512KB``, ``10MB``, ``1GB`` (powers of 1024) or ``65536``."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a size; write it like 512KB, 10MB or 1GB")
    unit = m.group(2).lower().rstrip("ib")
    return int(float(m.group(1)) * 1024 ** " kmg".index(unit or " "))


def parse_clock(text: str) -> dtime:
    """``07:00`` -> time(7, 0); ValueError otherwise."""
    hh, mm = (int(p) for p in text.strip().split(":"))
    return dtime(hh, mm)


def data_dir() -> Path:
    """The per-user data directory ($MONITOR_DATA_DIR overrides the platform default)."""
    env = os.environ.get("MONITOR_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("news-monitor", appauthor=False))


# -- Option parsers: a value from the file -> its Python value, or Invalid(what is wrong) ------


class Invalid(ValueError):
    """What is wrong with a value; the loader puts the file and the key in front."""


@dataclass
class _Context:
    """What some parsers need besides the value: the config file's folder (relative paths),
    the [lists] (queries) and the watchlists' names (recipients)."""

    base: Path | None = None
    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    watchlists: tuple[str, ...] = ()


Parser = Callable[[Any, _Context], T]


def text(value: Any, ctx: _Context) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"must be a non-empty string, got {value!r}")
    return value.strip()


def flag(value: Any, ctx: _Context) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, got {value!r}")
    return value


def whole(minimum: int) -> Parser[int]:
    def parse(value: Any, ctx: _Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise Invalid(f"must be a whole number >= {minimum}, got {value!r}")
        return value

    return parse


def port_number(value: Any, ctx: _Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
        raise Invalid(f"must be a number >= 1, got {value!r}")
    if int(value) != value or value > 65535:
        raise Invalid(f"{value!r} is not a port number")
    return int(value)


def duration(value: Any, ctx: _Context) -> timedelta:
    if isinstance(value, str):
        try:
            d = parse_duration(value)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        if d > timedelta(0):
            return d
    raise Invalid(f"must be a duration like '15m', got {value!r}")


def size(value: Any, ctx: _Context) -> int:
    if isinstance(value, str):
        try:
            value = parse_size(value)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise Invalid(f"must be a size of 1KB or more, got {value!r}")
    return value


E = TypeVar("E", bound=Enum)


def choice(enum: type[E]) -> Parser[E]:
    """A word naming one of the enum's members: a StrEnum's values, an IntEnum's names."""

    def label(m: E) -> str:
        return m.name.lower() if isinstance(m, IntEnum) else str(m.value)

    by_label = {label(m): m for m in enum}

    def parse(value: Any, ctx: _Context) -> E:
        v = text(value, ctx).lower()
        if v not in by_label:
            raise Invalid(f"{v!r}: must be one of {', '.join(by_label)}")
        return by_label[v]

    return parse


def identifier(value: Any, ctx: _Context) -> str:
    v = text(value, ctx)
    if not _NAME.match(v):
        raise Invalid(f"{v!r}: use letters, digits, '-', '_', '.'")
    return v


def clock(value: Any, ctx: _Context) -> dtime:
    v = text(value, ctx)
    try:
        return parse_clock(v)
    except ValueError:
        raise Invalid(f"{v!r} is not a time like '07:00'") from None


def hours(value: Any, ctx: _Context) -> tuple[dtime, dtime]:
    v = text(value, ctx)
    try:
        start, end = (parse_clock(p) for p in v.split("-"))
    except ValueError:
        raise Invalid(f"{v!r} is not a range of hours like '22:00-07:00'") from None
    return start, end


def zone_name(value: Any, ctx: _Context) -> str:
    v = text(value, ctx)
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"{v!r} is not a time zone name like 'Europe/Moscow'") from None
    return v


def email(value: Any, ctx: _Context) -> str:
    v = text(value, ctx)
    if not _EMAIL.match(v):
        raise Invalid(f"{v!r} is not an email address")
    return v


def emails(value: Any, ctx: _Context) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and _EMAIL.match(v) for v in value
    ):
        raise Invalid(f"must be a list of email addresses, got {value!r}")
    return tuple(value)


def web_url(value: Any, ctx: _Context) -> str:
    v = text(value, ctx)
    if not re.match(r"^https?://[^/\s]+", v):
        raise Invalid(f"{v!r} is not an http(s) URL")
    return v


def regex(value: Any, ctx: _Context) -> str:
    v = text(value, ctx)
    try:
        re.compile(v)
    except re.error as exc:
        raise Invalid(f"not a valid regular expression: {exc}") from None
    return v


def css(value: Any, ctx: _Context) -> str:
    from cssselect import GenericTranslator, SelectorError

    v = text(value, ctx)
    try:
        GenericTranslator().css_to_xpath(v)
    except SelectorError as exc:
        raise Invalid(f"not a valid CSS selector: {exc}") from None
    return v


def relative_path(value: Any, ctx: _Context) -> Path:
    """Relative to the config file's folder, not to wherever the daemon was started."""
    p = Path(text(value, ctx)).expanduser()
    return ctx.base / p if not p.is_absolute() and ctx.base is not None else p


def folder(value: Any, ctx: _Context) -> Path:
    p = relative_path(value, ctx)
    if not p.is_dir():
        raise Invalid(f"{str(p)!r} is not a folder")
    return p


def existing_file(value: Any, ctx: _Context) -> Path:
    p = relative_path(value, ctx)
    if not p.is_file():
        raise Invalid(f"{str(p)!r} is not a file")
    return p


def database_url(value: Any, ctx: _Context) -> str:
    url = text(value, ctx)
    # A relative SQLite path is relative to the config file, not to wherever the
    # daemon happened to be started.
    m = re.match(r"^sqlite(\+\w+)?:///(?!/)(.+)$", url)
    if m and ctx.base is not None and not m.group(2).startswith(":memory:"):
        return f"sqlite{m.group(1) or ''}:///{ctx.base / m.group(2)}"
    if not re.match(r"^[a-z][a-z0-9+]*://", url):
        raise Invalid(
            f"{url!r} is not a database URL "
            "(like sqlite:///monitor.db or postgresql+psycopg://host/db)"
        )
    return url


def watch_query(value: Any, ctx: _Context) -> str:
    from monitor.matching import QueryError, parse_query

    v = text(value, ctx)
    try:
        parse_query(v, ctx.lists)
    except QueryError as exc:
        pointer = exc.pointer(v)
        raise Invalid(str(exc) + ("\n" + pointer if pointer else "")) from None
    return v


def watchlist_names(value: Any, ctx: _Context) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise Invalid("must be a list of watchlist names")
    unknown = [w for w in value if w not in ctx.watchlists]
    if unknown:
        known = ", ".join(ctx.watchlists)
        raise Invalid(f"no watchlist named {unknown[0]!r} (watchlists: {known})")
    return tuple(value)


def destinations(value: Any, ctx: _Context) -> tuple[str, ...]:
    """Email addresses, or one apprise URL; ``${VAR}`` in a URL is read from the
    environment, so tokens stay out of the file."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise Invalid("is required: " + _DESTINATIONS)
    urls = [x for x in items if "://" in x]
    if urls:
        if len(items) != 1:
            raise Invalid("an apprise URL goes alone: one channel a recipient")
        return (_apprise_url(urls[0]),)
    for x in items:
        if not _EMAIL.match(x):
            raise Invalid(f"{x!r} is not an email address or an apprise URL")
    return tuple(items)


_DESTINATIONS = "an email address, a list of them, or an apprise URL"


def _apprise_url(url: str) -> str:
    missing = [m for m in re.findall(r"\$\{(\w+)\}", url) if not os.environ.get(m)]
    if missing:
        raise Invalid(f"${{{missing[0]}}} is not set in the environment")
    url = re.sub(r"\$\{(\w+)\}", lambda m: os.environ[m.group(1)], url)
    import apprise

    if apprise.Apprise.instantiate(url) is None:
        scheme = url.split("://", 1)[0]
        raise Invalid(f"apprise does not understand this {scheme}:// URL (see its wiki)")
    return url


# -- Declaring an option ------------------------------------------------------------------------

_OPTION = "monitor.option"
_UNSET: Any = object()


@dataclass(frozen=True)
class Option:
    """One key of a table: how to parse it, its default as written in the file, its help."""

    parse: Parser[Any]
    help: str
    key: str = ""  # the TOML key: the field's name unless given
    default: Any = None  # as written in the file ("30m", true); None: no value
    required: bool = False
    missing: str = ""  # a required option's problem when the key is missing
    derived: str = ""  # no fixed default: how the loader works it out
    inherit: bool = False  # a [[recipients]] option whose default is [digest]'s value


def option(
    parse: Parser[T],
    *,
    default: Any = _UNSET,
    factory: Callable[[], T] | None = None,
    derived: str = "",
    missing: str = "",
    key: str = "",
    help: str,
) -> T:
    """A field read from the table's key of the same name (or ``key``) and checked by
    ``parse``. Its default is ``default`` written as in the file (``"30m"``, ``true``) and
    parsed by the same parser, or what ``factory`` returns (its docstring says what), or
    worked out by the loader (``derived`` says how); with none of them the key is required
    (``missing`` says what to write)."""
    required = default is _UNSET and factory is None and not derived
    doc = factory.__doc__ if factory else None
    opt = Option(
        parse,
        help,
        key,
        default=doc if doc else None if default is _UNSET else default,
        required=required,
        missing=missing,
        derived=derived,
    )
    meta = {_OPTION: opt}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    if required or derived:
        return field(metadata=meta)
    value = None if default is None else parse(default, _Context())
    return field(default=value, metadata=meta)  # type: ignore[return-value]  # T | None


def inherited(table: type, name: str, *, help: str) -> Any:
    """An option ``table`` declares too, whose value there is this one's default."""
    f = _field(table, name)
    opt = replace(f.metadata[_OPTION], help=help, inherit=True)
    return field(default=f.default, metadata={_OPTION: opt})


def options(table: type) -> list[tuple[str, Option]]:
    """The options a table declares: (field name, option with its TOML key), in order."""
    out = []
    for f in fields(table):
        opt = f.metadata.get(_OPTION)
        if opt is not None:
            out.append((f.name, opt if opt.key else replace(opt, key=f.name)))
    return out


def default(table: type, name: str) -> Any:
    """The value an option of ``table`` takes when the file has none."""
    f = _field(table, name)
    return f.default_factory() if callable(f.default_factory) else f.default


def _field(table: type, name: str) -> Field[Any]:
    return next(f for f in fields(table) if f.name == name)


# -- The configuration: one dataclass per table --------------------------------------------------


class SourceKind(StrEnum):
    """What a source's URL is; also the name of the spider that crawls it, and its TOML key."""

    FEED = "feed"  # RSS 0.9x/1.0/2.0, Atom, RDF or JSON Feed
    SECTION = "section"  # an HTML page whose article links are followed
    SITEMAP = "sitemap"  # a Google News sitemap or a sitemap index (issue #16)
    SITE = "site"  # a site's address: its feeds, news sitemaps or homepage, discovered


@dataclass(frozen=True)
class Source:
    """A ``[[sources]]`` table: one of the keys ``feed``, ``section``, ``sitemap`` or ``site``
    holds the URL."""

    name: str = option(identifier, help="the source's name in commands, filters and the store")
    kind: SourceKind = field(kw_only=True)  # which of the keys the URL is in
    url: str = field(kw_only=True)
    interval: timedelta = option(
        duration, default="30m", help="checked this often while it publishes"
    )
    link_pattern: str | None = option(
        regex, default=None, help="section: a regular expression the article URLs match"
    )
    link_selector: str | None = option(
        css, default=None, help="section: a CSS selector for where the article links are"
    )
    max_links: int = option(
        whole(1), default=200, help="section: at most this many article links a page"
    )
    max_interval: timedelta = option(
        duration,
        default="4h",
        help="a source that publishes rarely is checked less often, never less than this "
        "(nor than interval)",
    )


@dataclass(frozen=True)
class Watchlist:
    """A ``[[watchlists]]`` table."""

    name: str = option(identifier, help="the watchlist's name in digests, commands and filters")
    query: str = option(watch_query, help="what to match, in the query language (README)")


class Empty(StrEnum):
    """What a digest with no new hits does."""

    SKIP = "skip"
    SEND = "send"  # a "no new hits" message, with the sources' health


def _outbox() -> Path:
    """the outbox folder in the data directory"""
    return data_dir() / "outbox"


@dataclass(frozen=True)
class DigestConfig:
    """``[digest]``: defaults every recipient inherits, and where mail goes without SMTP."""

    time: dtime = option(clock, default="07:00", help="local time of the daily digest")
    timezone: str = option(zone_name, default="UTC", help="the zone of time, and of digests' times")
    recipients: tuple[str, ...] = option(
        emails, default=[], help="the simple form: one daily digest of every watchlist to these"
    )
    sender: str = option(email, default="monitor@localhost", help="the From address")
    outbox: Path = option(relative_path, factory=_outbox, help="where digests go without [smtp]")
    retry: timedelta = option(
        duration, default="15m", help="first wait after a failed delivery; doubles, at most 6h"
    )
    empty: Empty = option(
        choice(Empty), default="skip", help='"send": a "no new hits" mail with source health'
    )
    templates: Path | None = option(
        folder, default=None, help="a folder whose digest.html / digest.txt replace ours"
    )
    # A week of backlog after a mail outage stays a message servers take (10 MB is a common
    # limit).
    max_per_watchlist: int = option(
        whole(1), default=200, help="the newest hits shown per watchlist; the rest are counted"
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Schedule(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    IMMEDIATE = "immediate"  # an alert as hits arrive, at most one per ``every``


class Weekday(IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@dataclass(frozen=True)
class Recipient:
    """A ``[[recipients]]`` table (or ``[digest] recipients``, the recipient "default"): who
    gets which watchlists, when, and through what: email addresses (one mail to all of them)
    or one apprise URL (Slack, Telegram, Matrix, ntfy, a webhook, ...)."""

    name: str = option(identifier, help="the recipient's name in commands")
    to: tuple[str, ...] = option(destinations, missing=_DESTINATIONS, help=_DESTINATIONS)
    watchlists: tuple[str, ...] = option(
        watchlist_names, derived="every watchlist", help="which watchlists it gets"
    )
    schedule: Schedule = option(
        choice(Schedule), default="daily", help="daily, weekly or immediate"
    )
    time: dtime = inherited(DigestConfig, "time", help="daily and weekly: the local time")
    timezone: str = inherited(DigestConfig, "timezone", help="the zone of time and of digests")
    day: Weekday = option(choice(Weekday), default="monday", help="weekly: the day")
    every: timedelta = option(
        duration, default="15m", help="immediate: at most one alert per this long"
    )
    quiet: tuple[dtime, dtime] | None = option(
        hours, default=None, key="quiet_hours", help="local hours when nothing is sent"
    )
    empty: Empty = inherited(DigestConfig, "empty", help='"send": a "no new hits" message')
    max_per_watchlist: int = inherited(
        DigestConfig, "max_per_watchlist", help="the newest hits shown per watchlist"
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def apprise_url(self) -> str | None:
        return self.to[0] if len(self.to) == 1 and "://" in self.to[0] else None

    def describe(self) -> str:
        """'daily at 07:00 Europe/Moscow to a@b.org (iran, russia)': no secrets."""
        if self.schedule == Schedule.IMMEDIATE:
            when = f"alerts at most every {self.every.total_seconds() / 60:g} min"
        elif self.schedule == Schedule.WEEKLY:
            when = f"weekly on {self.day.name.lower()} at {self.time:%H:%M} {self.timezone}"
        else:
            when = f"daily at {self.time:%H:%M} {self.timezone}"
        if self.quiet:
            when += f", quiet {self.quiet[0]:%H:%M}-{self.quiet[1]:%H:%M}"
        to = self.apprise_url.split("://")[0] + "://..." if self.apprise_url else ", ".join(self.to)
        return f"{when} to {to} ({', '.join(self.watchlists)})"


class Security(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"  # TLS from the first byte

    @property
    def port(self) -> int:
        """The port such a server usually listens on."""
        return {"none": 25, "starttls": 587, "ssl": 465}[self.value]


@dataclass(frozen=True)
class SmtpConfig:
    """``[smtp]``: without this table, digests are .eml files in the outbox."""

    host: str = option(text, help="the mail server")
    port: int = option(port_number, derived="25, 587 or 465, as security", help="its port")
    security: Security = option(choice(Security), default="starttls", help="none, starttls or ssl")
    username: str | None = option(
        text, default=None, help="log in as; the password only from $MONITOR_SMTP_PASSWORD"
    )
    timeout: timedelta = option(duration, default="30s", help="for each exchange with it")
    ca_file: Path | None = option(
        existing_file,
        default=None,
        help="a private CA for the server's certificate (system CAs else)",
    )

    @property
    def password(self) -> str | None:
        # Secrets live in the environment only, never in the file.
        return os.environ.get("MONITOR_SMTP_PASSWORD")


def _extract_workers() -> int:
    """the number of CPUs, at most 4"""
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class CrawlConfig:
    """``[crawl]``: how pages are fetched (Scrapy settings, see monitor.crawl.settings)."""

    user_agent: str = option(
        text,
        default="news-monitor/0.1 (+https://github.com/news-monitor/news-monitor)",
        help="the User-Agent of every request",
    )
    extract_workers: int = option(
        whole(0),
        factory=_extract_workers,
        help="processes for main-text extraction (0 = in the crawl process)",
    )
    download_timeout: timedelta = option(duration, default="30s", help="for each response")
    max_response_size: int = option(size, default="10MB", help="larger responses are aborted")
    max_sitemap_size: int = option(
        size,
        default="50MB",
        help="a sitemap larger than this (after gunzip) is refused; NPR's news sitemap is 33 MB",
    )
    concurrent_requests: int = option(whole(1), default=32, help="requests in flight at most")
    per_domain: int = option(whole(1), default=4, help="requests in flight to one site at most")
    robots_txt: bool = option(flag, default=True, help="obey robots.txt")
    autothrottle: bool = option(flag, default=True, help="slow down for slow sites")


@dataclass(frozen=True)
class DaemonConfig:
    """``[daemon]``: `monitor run`, and the timer and crawls of `monitor worker`."""

    tick: timedelta = option(duration, default="60s", help="how often it asks what is due")
    crawl_timeout: timedelta = option(
        duration, default="30m", help="a crawl cycle taking longer is stopped"
    )
    broken_after: timedelta = option(
        duration, default="2d", help="a source failing this long is reported as broken"
    )


@dataclass(frozen=True)
class ClusterConfig:
    """``[cluster]``: `monitor worker`, any number of them on one PostgreSQL (docs/cluster.md)."""

    stalled_after: timedelta = option(
        duration,
        default="5m",
        help="a job whose worker sent no heartbeat for this long is retried by another worker",
    )
    crawls: int = option(whole(1), default=1, help="crawl jobs one worker runs at once")


def _archive_dir() -> Path:
    """archive/ in the data directory"""
    return data_dir() / "archive"


@dataclass(frozen=True)
class ArchiveConfig:
    """``[archive]``: the evidence, pages as served, in WARC files (monitor.archive)."""

    dir: Path = option(relative_path, factory=_archive_dir, help="where the WARC files go")
    all: bool = option(
        flag, default=False, help="keep every fetched article, not only those with hits"
    )
    keep: timedelta = option(duration, default="365d", help="files older than this are deleted")
    max_size: int = option(
        size, default="20GB", help="beyond this size the oldest files are deleted"
    )


def _database() -> str:
    """monitor.db in the data directory"""
    return "sqlite:///" + str(data_dir() / "monitor.db")


@dataclass(frozen=True)
class DatabaseConfig:
    """``[database]``; $MONITOR_DATABASE_URL overrides it."""

    url: str = option(database_url, factory=_database, help="a SQLAlchemy URL")


@dataclass(frozen=True)
class Config:
    path: Path | None  # None for the embedded default
    database_url: str
    sources: tuple[Source, ...]
    watchlists: tuple[Watchlist, ...]
    lists: dict[str, tuple[str, ...]]  # named term lists, used in queries as @name
    digest: DigestConfig
    smtp: SmtpConfig | None
    crawl: CrawlConfig
    daemon: DaemonConfig
    recipients: tuple[Recipient, ...] = ()
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)

    def recipient(self, name: str) -> Recipient:
        for r in self.recipients:
            if r.name == name:
                return r
        known = ", ".join(r.name for r in self.recipients) or "none configured"
        raise ConfigError(f"{self.origin}: no recipient named {name!r} (recipients: {known})")

    @property
    def origin(self) -> str:
        return str(self.path) if self.path else EMBEDDED

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.origin}: no source named {name!r} (known: {known})")


#: The file's top-level keys: a table (or an array of tables, or [lists]) each.
TABLES: dict[str, type | None] = {
    "database": DatabaseConfig,
    "sources": Source,
    "watchlists": Watchlist,
    "lists": None,  # free names: each a list of terms
    "digest": DigestConfig,
    "recipients": Recipient,
    "smtp": SmtpConfig,
    "crawl": CrawlConfig,
    "daemon": DaemonConfig,
    "archive": ArchiveConfig,
    "cluster": ClusterConfig,
}


# -- Loading ---------------------------------------------------------------------------------


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The file to load, by the documented order; None means the embedded default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.is_file() else None


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config_path(explicit)
    if path is None:
        content = resources.files("monitor").joinpath("default.toml").read_text("utf-8")
        origin = EMBEDDED
    else:
        try:
            content = path.read_text("utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
        origin = str(path)
    try:
        raw = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    return _Loader(origin, path).config(raw)


class _Loader:
    """Turns the raw TOML mapping into a Config; each error names file, key and value."""

    def __init__(self, origin: str, path: Path | None) -> None:
        self.origin = origin
        self.file = path
        self.ctx = _Context(base=path.parent if path else None)

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.origin}: {key}: {problem}")

    def parse(self, parser: Parser[T], value: Any, key: str) -> T:
        try:
            return parser(value, self.ctx)
        except Invalid as exc:
            raise self.fail(key, str(exc)) from None

    def known_keys(self, value: Mapping[str, Any], where: str, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for k in value:
            if k not in allowed:
                raise self.fail(
                    f"{where}.{k}", f"unknown key (known keys: {', '.join(sorted(allowed))})"
                )

    def values(
        self,
        table: type,
        t: Mapping[str, Any],
        where: str,
        *,
        extra: Iterable[str] = (),
        inherit: object = None,
    ) -> dict[str, Any]:
        """Each option of ``table``: parsed from ``t``, else its default (or ``inherit``'s
        value of it); derived ones are left to the caller. A ``name`` option comes first and
        is named in the keys of the errors that follow it: ``sources[0] (bbc).interval``."""
        declared = options(table)
        self.known_keys(t, where, [o.key for _, o in declared] + list(extra))
        out: dict[str, Any] = {}
        for attr, o in declared:
            if o.key in t:
                out[attr] = self.parse(o.parse, t[o.key], f"{where}.{o.key}")
            elif o.required:
                missing = f": {o.missing}" if o.missing else ""
                raise self.fail(f"{where}.{o.key}", "is required" + missing)
            elif o.inherit and inherit is not None:
                out[attr] = getattr(inherit, attr)
            elif not o.derived:
                out[attr] = default(table, attr)
            if attr == "name":
                where = f"{where} ({out[attr]})"
        return out

    def table(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table, like [" + key + "]")
        return value

    def array(self, raw: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
        items = raw.get(key, [])
        if not isinstance(items, list):
            raise self.fail(key, f"must be an array of tables, written [[{key}]]")
        for i, t in enumerate(items):
            if not isinstance(t, Mapping):
                raise self.fail(f"{key}[{i}]", f"must be a table, written [[{key}]]")
        return [(f"{key}[{i}]", t) for i, t in enumerate(items)]

    def config(self, raw: Mapping[str, Any]) -> Config:
        self.known_keys(raw, "(top level)", TABLES)
        self.ctx.lists = self.lists(raw)
        watchlists = self.watchlists(raw)
        self.ctx.watchlists = tuple(w.name for w in watchlists)
        digest = DigestConfig(**self.values(DigestConfig, self.table(raw, "digest"), "digest"))
        return Config(
            path=self.file,
            database_url=self.database(raw),
            sources=self.sources(raw),
            watchlists=watchlists,
            lists=dict(self.ctx.lists),
            digest=digest,
            smtp=self.smtp(raw),
            crawl=CrawlConfig(**self.values(CrawlConfig, self.table(raw, "crawl"), "crawl")),
            daemon=DaemonConfig(**self.values(DaemonConfig, self.table(raw, "daemon"), "daemon")),
            recipients=self.recipients(raw, digest),
            archive=ArchiveConfig(
                **self.values(ArchiveConfig, self.table(raw, "archive"), "archive")
            ),
            cluster=ClusterConfig(
                **self.values(ClusterConfig, self.table(raw, "cluster"), "cluster")
            ),
        )

    def database(self, raw: Mapping[str, Any]) -> str:
        t = self.table(raw, "database")
        env = os.environ.get("MONITOR_DATABASE_URL")
        if env:  # the file's URL is not even read: it may be the one being replaced
            self.known_keys(t, "database", [o.key for _, o in options(DatabaseConfig)])
            return env
        return str(self.values(DatabaseConfig, t, "database")["url"])

    def sources(self, raw: Mapping[str, Any]) -> tuple[Source, ...]:
        out: list[Source] = []
        for where, t in self.array(raw, "sources"):
            values = self.values(Source, t, where, extra=[k.value for k in SourceKind])
            name = values["name"]
            if any(s.name == name for s in out):
                raise self.fail(f"{where}.name", f"{name!r} is used by another source")
            where = f"{where} ({name})"
            kinds = [k for k in SourceKind if k in t]
            if len(kinds) != 1:
                raise self.fail(
                    where,
                    "needs exactly one of 'feed' (a feed URL), 'section' (a section page URL), "
                    "'sitemap' (a news sitemap or sitemap index URL) or 'site' (a site's address)",
                )
            kind = kinds[0]
            url = self.parse(web_url, t[kind], f"{where}.{kind}")
            values["max_interval"] = max(values["interval"], values["max_interval"])
            out.append(Source(kind=kind, url=url, **values))
        return tuple(out)

    def lists(self, raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        t = raw.get("lists", {})
        if not isinstance(t, Mapping):
            raise self.fail("lists", 'must be a table, like [lists] iran = ["Iran", "Иран"]')
        out = {}
        for key, items in t.items():
            if not _NAME.match(key):
                raise self.fail(f"lists.{key}", "use letters, digits, '-', '_', '.' in names")
            if (
                not isinstance(items, list)
                or not items
                or not all(isinstance(i, str) and i.strip() and '"' not in i for i in items)
            ):
                raise self.fail(
                    f"lists.{key}",
                    f"must be a non-empty list of terms or phrases (without quotes), got {items!r}",
                )
            out[key] = tuple(" ".join(i.split()) for i in items)
        return out

    def watchlists(self, raw: Mapping[str, Any]) -> tuple[Watchlist, ...]:
        out: list[Watchlist] = []
        for where, t in self.array(raw, "watchlists"):
            w = Watchlist(**self.values(Watchlist, t, where))
            if any(x.name == w.name for x in out):
                raise self.fail(f"{where}.name", f"{w.name!r} is used by another watchlist")
            out.append(w)
        return tuple(out)

    def recipients(self, raw: Mapping[str, Any], digest: DigestConfig) -> tuple[Recipient, ...]:
        out = []
        everything = self.ctx.watchlists
        if digest.recipients:  # the simple form: one daily digest of everything to these
            inherited = {a: getattr(digest, a) for a, o in options(Recipient) if o.inherit}
            out.append(
                Recipient(name="default", to=digest.recipients, watchlists=everything, **inherited)
            )
        for where, t in self.array(raw, "recipients"):
            values = self.values(Recipient, t, where, inherit=digest)
            name = values["name"]
            if any(r.name == name for r in out):
                taken = "by [digest] recipients" if name == "default" else "by another recipient"
                raise self.fail(f"{where}.name", f"{name!r} is used {taken}")
            values.setdefault("watchlists", everything)
            out.append(Recipient(**values))
        return tuple(out)

    def smtp(self, raw: Mapping[str, Any]) -> SmtpConfig | None:
        if "smtp" not in raw:
            return None
        values = self.values(SmtpConfig, self.table(raw, "smtp"), "smtp")
        values.setdefault("port", values["security"].port)
        return SmtpConfig(**values)
