"""Load and validate the TOML configuration once, into frozen dataclasses.

Where the file comes from: ``--config PATH``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``,
else the embedded default (``monitor/default.toml``). Every error names the file, the key and
what is wrong, so a user can fix it without reading the code.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time as dtime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from monitor.errors import ConfigError

DEFAULT_CONFIG_NAME = "monitor.toml"
EMBEDDED = "<embedded default>"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+$")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``90s``, ``15m``, ``2h``, ``1d``, ``1w``."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration; write it like 90s, 15m, 2h or 1d")
    return float(m.group(1)) * _UNITS[m.group(2)]


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)\s*$", re.IGNORECASE)


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


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "feed" | "section"
    url: str
    interval: float  # seconds
    link_pattern: str | None = None
    link_selector: str | None = None
    max_links: int = 200
    #: A source that publishes rarely is checked less often, never less than this.
    max_interval: float = 4 * 3600.0


@dataclass(frozen=True)
class Watchlist:
    name: str
    query: str


#: Hits a digest shows of each watchlist, the newest; the others are counted. A week of
#: backlog after a mail outage stays a message servers take (10 MB is a common limit).
MAX_PER_WATCHLIST = 200


@dataclass(frozen=True)
class DigestConfig:
    """Defaults every recipient inherits, and where mail goes without SMTP."""

    time: dtime
    timezone: str
    recipients: tuple[str, ...]
    sender: str
    outbox: Path
    retry: float = 900.0
    empty: str = "skip"  # skip | send: a digest with no new hits, with source health
    templates: Path | None = None  # a folder whose digest.html / digest.txt replace ours
    max_per_watchlist: int = MAX_PER_WATCHLIST  # hits shown per watchlist; the rest counted

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


SCHEDULES = ("daily", "weekly", "immediate")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Recipient:
    """Who gets which watchlists, when, and through what: email addresses (one mail to all
    of them) or one apprise URL (Slack, Telegram, Matrix, ntfy, a webhook, ...)."""

    name: str
    to: tuple[str, ...]
    watchlists: tuple[str, ...]
    schedule: str = "daily"  # daily | weekly | immediate
    time: dtime = dtime(7, 0)
    timezone: str = "UTC"
    day: int = 0  # weekly: 0 is Monday
    every: float = 900.0  # immediate: at most one alert per this many seconds
    quiet: tuple[dtime, dtime] | None = None  # local hours when nothing is sent
    empty: str = "skip"
    max_per_watchlist: int = MAX_PER_WATCHLIST

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def apprise_url(self) -> str | None:
        return self.to[0] if len(self.to) == 1 and "://" in self.to[0] else None

    def describe(self) -> str:
        """'daily at 07:00 Europe/Moscow to a@b.org (iran, russia)': no secrets."""
        if self.schedule == "immediate":
            when = f"alerts at most every {self.every / 60:g} min"
        elif self.schedule == "weekly":
            when = f"weekly on {DAYS[self.day]} at {self.time:%H:%M} {self.timezone}"
        else:
            when = f"daily at {self.time:%H:%M} {self.timezone}"
        if self.quiet:
            when += f", quiet {self.quiet[0]:%H:%M}-{self.quiet[1]:%H:%M}"
        to = self.apprise_url.split("://")[0] + "://..." if self.apprise_url else ", ".join(self.to)
        return f"{when} to {to} ({', '.join(self.watchlists)})"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # "none" | "starttls" | "ssl"
    username: str | None
    timeout: float = 30.0
    ca_file: Path | None = None  # a private CA for the server's certificate (system CAs else)

    @property
    def password(self) -> str | None:
        # Secrets live in the environment only, never in the file.
        return os.environ.get("MONITOR_SMTP_PASSWORD")


@dataclass(frozen=True)
class CrawlConfig:
    user_agent: str = "news-monitor/0.1 (+https://github.com/news-monitor/news-monitor)"
    extract_workers: int = field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 4)))
    download_timeout: float = 30.0
    max_response_size: int = 10 * 1024 * 1024
    concurrent_requests: int = 32
    per_domain: int = 4
    robots_txt: bool = True
    autothrottle: bool = True


@dataclass(frozen=True)
class DaemonConfig:
    tick: float = 60.0
    crawl_timeout: float = 1800.0
    broken_after: float = 2 * 86400.0  # a source failing this long is reported as broken


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
        text = resources.files("monitor").joinpath("default.toml").read_text("utf-8")
        origin = EMBEDDED
    else:
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
        origin = str(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    return _Validator(origin, path).config(raw)


class _Validator:
    """Turns the raw TOML mapping into a Config; each error names file, key and value."""

    def __init__(self, origin: str, path: Path | None) -> None:
        self.origin = origin
        self.file = path
        self.base = path.parent if path else None

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.origin}: {key}: {problem}")

    def table(self, raw: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table, like [" + key + "]")
        self.known_keys(value, key, allowed)
        return value

    def known_keys(self, value: Mapping[str, Any], key: str, allowed: set[str]) -> None:
        for k in value:
            if k not in allowed:
                raise self.fail(
                    f"{key}.{k}", f"unknown key (known keys: {', '.join(sorted(allowed))})"
                )

    def string(self, t: Mapping[str, Any], key: str, where: str, default: Any = ...) -> Any:
        if key not in t:
            if default is ...:
                raise self.fail(f"{where}.{key}", "is required")
            return default
        v = t[key]
        if not isinstance(v, str) or not v.strip():
            raise self.fail(f"{where}.{key}", f"must be a non-empty string, got {v!r}")
        return v.strip()

    def number(
        self, t: Mapping[str, Any], key: str, where: str, default: float, minimum: float = 0
    ) -> float:
        v = t.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or v < minimum:
            raise self.fail(f"{where}.{key}", f"must be a number >= {minimum}, got {v!r}")
        return v

    def whole(self, t: Mapping[str, Any], key: str, where: str, default: int, minimum: int) -> int:
        v = t.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.fail(f"{where}.{key}", f"must be a whole number >= {minimum}, got {v!r}")
        return v

    def flag(self, t: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        v = t.get(key, default)
        if not isinstance(v, bool):
            raise self.fail(f"{where}.{key}", f"must be true or false, got {v!r}")
        return v

    def duration(self, t: Mapping[str, Any], key: str, where: str, default: str) -> float:
        v = t.get(key, default)
        try:
            seconds = parse_duration(str(v)) if isinstance(v, str) else None
        except ValueError as exc:
            raise self.fail(f"{where}.{key}", str(exc)) from None
        if seconds is None or seconds <= 0:
            raise self.fail(f"{where}.{key}", f"must be a duration like '15m', got {v!r}")
        return seconds

    def size(self, t: Mapping[str, Any], key: str, where: str, default: int) -> int:
        v = t.get(key, default)
        try:
            if isinstance(v, str):
                v = parse_size(v)
        except ValueError as exc:
            raise self.fail(f"{where}.{key}", str(exc)) from None
        if isinstance(v, bool) or not isinstance(v, int) or v < 1024:
            raise self.fail(f"{where}.{key}", f"must be a size of 1KB or more, got {v!r}")
        return v

    def path(self, value: str) -> Path:
        p = Path(value).expanduser()
        if not p.is_absolute() and self.base is not None:
            p = self.base / p
        return p

    def config(self, raw: Mapping[str, Any]) -> Config:
        self.known_keys(
            raw,
            "(top level)",
            {
                "database",
                "sources",
                "watchlists",
                "lists",
                "digest",
                "recipients",
                "smtp",
                "crawl",
                "daemon",
            },
        )
        lists = self.lists(raw)
        watchlists = self.watchlists(raw, lists)
        digest = self.digest(raw)
        return Config(
            path=self.file,
            database_url=self.database(raw),
            sources=self.sources(raw),
            watchlists=watchlists,
            lists=lists,
            digest=digest,
            smtp=self.smtp(raw),
            crawl=self.crawl(raw),
            daemon=self.daemon(raw),
            recipients=self.recipients(raw, digest, tuple(w.name for w in watchlists)),
        )

    def database(self, raw: Mapping[str, Any]) -> str:
        t = self.table(raw, "database", {"url"})
        env = os.environ.get("MONITOR_DATABASE_URL")
        if env:
            return env
        url = self.string(t, "url", "database", default=None)
        if url is None:
            return "sqlite:///" + str(data_dir() / "monitor.db")
        # A relative SQLite path is relative to the config file, not to wherever the
        # daemon happened to be started.
        m = re.match(r"^sqlite(\+\w+)?:///(?!/)(.+)$", url)
        if m and self.base is not None and not m.group(2).startswith(":memory:"):
            return f"sqlite{m.group(1) or ''}:///{self.base / m.group(2)}"
        if not re.match(r"^[a-z][a-z0-9+]*://", url):
            raise self.fail(
                "database.url",
                f"{url!r} is not a database URL "
                "(like sqlite:///monitor.db or postgresql+psycopg://host/db)",
            )
        return url

    def sources(self, raw: Mapping[str, Any]) -> tuple[Source, ...]:
        items = raw.get("sources", [])
        if not isinstance(items, list):
            raise self.fail("sources", "must be an array of tables, written [[sources]]")
        seen: set[str] = set()
        out = []
        allowed = {
            "name",
            "feed",
            "section",
            "interval",
            "link_pattern",
            "link_selector",
            "max_links",
            "max_interval",
        }
        for i, t in enumerate(items):
            where = f"sources[{i}]"
            if not isinstance(t, Mapping):
                raise self.fail(where, "must be a table, written [[sources]]")
            self.known_keys(t, where, allowed)
            name = self.string(t, "name", where)
            if not _NAME.match(name):
                raise self.fail(f"{where}.name", f"{name!r}: use letters, digits, '-', '_', '.'")
            if name in seen:
                raise self.fail(f"{where}.name", f"{name!r} is used by another source")
            seen.add(name)
            where = f"sources[{i}] ({name})"
            kinds = [k for k in ("feed", "section") if k in t]
            if len(kinds) != 1:
                raise self.fail(
                    where,
                    "needs exactly one of 'feed' (a feed URL) or 'section' (a section page URL)",
                )
            kind = kinds[0]
            url = self.string(t, kind, where)
            if not re.match(r"^https?://[^/\s]+", url):
                raise self.fail(f"{where}.{kind}", f"{url!r} is not an http(s) URL")
            pattern = self.string(t, "link_pattern", where, default=None)
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise self.fail(
                        f"{where}.link_pattern", f"not a valid regular expression: {exc}"
                    ) from None
            selector = self.string(t, "link_selector", where, default=None)
            if selector is not None:
                from cssselect import GenericTranslator, SelectorError

                try:
                    GenericTranslator().css_to_xpath(selector)
                except SelectorError as exc:
                    raise self.fail(
                        f"{where}.link_selector", f"not a valid CSS selector: {exc}"
                    ) from None
            interval = self.duration(t, "interval", where, "30m")
            out.append(
                Source(
                    name=name,
                    kind=kind,
                    url=url,
                    interval=interval,
                    max_interval=max(interval, self.duration(t, "max_interval", where, "4h")),
                    link_pattern=pattern,
                    link_selector=selector,
                    max_links=int(self.number(t, "max_links", where, 200, minimum=1)),
                )
            )
        return tuple(out)

    def lists(self, raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        t = raw.get("lists", {})
        if not isinstance(t, Mapping):
            raise self.fail("lists", 'must be a table, like [lists] iran = ["Iran", "Иран"]')
        out = {}
        for name, items in t.items():
            if not _NAME.match(name):
                raise self.fail(f"lists.{name}", "use letters, digits, '-', '_', '.' in names")
            if (
                not isinstance(items, list)
                or not items
                or not all(isinstance(i, str) and i.strip() and '"' not in i for i in items)
            ):
                raise self.fail(
                    f"lists.{name}",
                    f"must be a non-empty list of terms or phrases (without quotes), got {items!r}",
                )
            out[name] = tuple(" ".join(i.split()) for i in items)
        return out

    def watchlists(
        self, raw: Mapping[str, Any], lists: Mapping[str, tuple[str, ...]]
    ) -> tuple[Watchlist, ...]:
        from monitor.matching import QueryError, parse_query

        items = raw.get("watchlists", [])
        if not isinstance(items, list):
            raise self.fail("watchlists", "must be an array of tables, written [[watchlists]]")
        seen: set[str] = set()
        out = []
        for i, t in enumerate(items):
            where = f"watchlists[{i}]"
            if not isinstance(t, Mapping):
                raise self.fail(where, "must be a table, written [[watchlists]]")
            self.known_keys(t, where, {"name", "query"})
            name = self.string(t, "name", where)
            if not _NAME.match(name):
                raise self.fail(f"{where}.name", f"{name!r}: use letters, digits, '-', '_', '.'")
            if name in seen:
                raise self.fail(f"{where}.name", f"{name!r} is used by another watchlist")
            seen.add(name)
            query = self.string(t, "query", f"{where} ({name})")
            try:
                parse_query(query, lists)
            except QueryError as exc:
                pointer = exc.pointer(query)
                raise self.fail(
                    f"{where} ({name}).query", str(exc) + ("\n" + pointer if pointer else "")
                ) from None
            out.append(Watchlist(name=name, query=query))
        return tuple(out)

    def digest(self, raw: Mapping[str, Any]) -> DigestConfig:
        t = self.table(
            raw,
            "digest",
            {"time", "timezone", "recipients", "sender", "outbox", "retry", "empty", "templates"}
            | {"max_per_watchlist"},
        )
        at = self.clock(t, "time", "digest", "07:00")
        tz = self.zone_name(t, "timezone", "digest", "UTC")
        recipients = t.get("recipients", [])
        if not isinstance(recipients, list) or not all(
            isinstance(r, str) and _EMAIL.match(r) for r in recipients
        ):
            raise self.fail(
                "digest.recipients", f"must be a list of email addresses, got {recipients!r}"
            )
        sender = self.string(t, "sender", "digest", default="monitor@localhost")
        if not _EMAIL.match(sender):
            raise self.fail("digest.sender", f"{sender!r} is not an email address")
        outbox_text = self.string(t, "outbox", "digest", default=None)
        outbox = self.path(outbox_text) if outbox_text else data_dir() / "outbox"
        templates_text = self.string(t, "templates", "digest", default=None)
        templates = self.path(templates_text) if templates_text else None
        if templates is not None and not templates.is_dir():
            raise self.fail("digest.templates", f"{str(templates)!r} is not a folder")
        return DigestConfig(
            time=at,
            timezone=tz,
            recipients=tuple(recipients),
            sender=sender,
            outbox=outbox,
            retry=self.duration(t, "retry", "digest", "15m"),
            empty=self.choice(t, "empty", "digest", ("skip", "send"), "skip"),
            templates=templates,
            max_per_watchlist=self.whole(
                t, "max_per_watchlist", "digest", MAX_PER_WATCHLIST, minimum=1
            ),
        )

    def recipients(
        self, raw: Mapping[str, Any], digest: DigestConfig, watchlists: tuple[str, ...]
    ) -> tuple[Recipient, ...]:
        out = []
        if digest.recipients:  # the simple form: one daily digest of everything to these
            out.append(
                Recipient(
                    name="default",
                    to=digest.recipients,
                    watchlists=watchlists,
                    time=digest.time,
                    timezone=digest.timezone,
                    empty=digest.empty,
                    max_per_watchlist=digest.max_per_watchlist,
                )
            )
        items = raw.get("recipients", [])
        if not isinstance(items, list):
            raise self.fail("recipients", "must be an array of tables, written [[recipients]]")
        allowed = {"name", "to", "watchlists", "schedule", "time", "day", "timezone"}
        allowed |= {"every", "quiet_hours", "empty", "max_per_watchlist"}
        for i, t in enumerate(items):
            where = f"recipients[{i}]"
            if not isinstance(t, Mapping):
                raise self.fail(where, "must be a table, written [[recipients]]")
            self.known_keys(t, where, allowed)
            name = self.string(t, "name", where)
            if not _NAME.match(name):
                raise self.fail(f"{where}.name", f"{name!r}: use letters, digits, '-', '_', '.'")
            if any(r.name == name for r in out):
                taken = "by [digest] recipients" if name == "default" else "by another recipient"
                raise self.fail(f"{where}.name", f"{name!r} is used {taken}")
            where = f"recipients[{i}] ({name})"
            chosen = t.get("watchlists", list(watchlists))
            if not isinstance(chosen, list) or not all(isinstance(w, str) for w in chosen):
                raise self.fail(f"{where}.watchlists", "must be a list of watchlist names")
            unknown = [w for w in chosen if w not in watchlists]
            if unknown:
                raise self.fail(
                    f"{where}.watchlists",
                    f"no watchlist named {unknown[0]!r} (watchlists: {', '.join(watchlists)})",
                )
            day = self.choice(t, "day", where, DAYS, "monday")
            quiet = self.string(t, "quiet_hours", where, default=None)
            out.append(
                Recipient(
                    name=name,
                    to=self.destinations(t, where),
                    watchlists=tuple(chosen),
                    schedule=self.choice(t, "schedule", where, SCHEDULES, "daily"),
                    time=self.clock(t, "time", where, f"{digest.time:%H:%M}"),
                    timezone=self.zone_name(t, "timezone", where, digest.timezone),
                    day=DAYS.index(day),
                    every=self.duration(t, "every", where, "15m"),
                    quiet=self.hours(quiet, f"{where}.quiet_hours") if quiet else None,
                    empty=self.choice(t, "empty", where, ("skip", "send"), digest.empty),
                    max_per_watchlist=self.whole(
                        t, "max_per_watchlist", where, digest.max_per_watchlist, minimum=1
                    ),
                )
            )
        return tuple(out)

    def destinations(self, t: Mapping[str, Any], where: str) -> tuple[str, ...]:
        """Email addresses, or one apprise URL; ``${VAR}`` in a URL is read from the
        environment, so tokens stay out of the file."""
        v = t.get("to")
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
            raise self.fail(
                f"{where}.to", "is required: an email address, a list of them, or an apprise URL"
            )
        urls = [x for x in items if "://" in x]
        if urls:
            if len(items) != 1:
                raise self.fail(f"{where}.to", "an apprise URL goes alone: one channel a recipient")
            return (self.apprise_url(urls[0], f"{where}.to"),)
        for x in items:
            if not _EMAIL.match(x):
                raise self.fail(f"{where}.to", f"{x!r} is not an email address or an apprise URL")
        return tuple(items)

    def apprise_url(self, url: str, key: str) -> str:
        missing = [m for m in re.findall(r"\$\{(\w+)\}", url) if not os.environ.get(m)]
        if missing:
            raise self.fail(key, f"${{{missing[0]}}} is not set in the environment")
        url = re.sub(r"\$\{(\w+)\}", lambda m: os.environ[m.group(1)], url)
        import apprise

        if apprise.Apprise.instantiate(url) is None:
            scheme = url.split("://", 1)[0]
            raise self.fail(key, f"apprise does not understand this {scheme}:// URL (see its wiki)")
        return url

    def clock(self, t: Mapping[str, Any], key: str, where: str, default: str) -> dtime:
        text = self.string(t, key, where, default=default)
        try:
            return parse_clock(text)
        except ValueError:
            raise self.fail(f"{where}.{key}", f"{text!r} is not a time like '07:00'") from None

    def hours(self, text: str, key: str) -> tuple[dtime, dtime]:
        try:
            start, end = (parse_clock(p) for p in text.split("-"))
        except ValueError:
            raise self.fail(key, f"{text!r} is not a range of hours like '22:00-07:00'") from None
        return start, end

    def zone_name(self, t: Mapping[str, Any], key: str, where: str, default: str) -> str:
        tz = self.string(t, key, where, default=default)
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                f"{where}.{key}", f"{tz!r} is not a time zone name like 'Europe/Moscow'"
            ) from None
        return str(tz)

    def choice(
        self, t: Mapping[str, Any], key: str, where: str, options: tuple[str, ...], default: str
    ) -> str:
        v = self.string(t, key, where, default=default).lower()
        if v not in options:
            raise self.fail(f"{where}.{key}", f"{v!r}: must be one of {', '.join(options)}")
        return str(v)

    def smtp(self, raw: Mapping[str, Any]) -> SmtpConfig | None:
        if "smtp" not in raw:
            return None
        t = self.table(raw, "smtp", {"host", "port", "security", "username", "timeout", "ca_file"})
        security = self.string(t, "security", "smtp", default="starttls")
        if security not in ("none", "starttls", "ssl"):
            raise self.fail(
                "smtp.security", f"{security!r}: must be one of 'none', 'starttls', 'ssl'"
            )
        default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
        port = self.number(t, "port", "smtp", default_port, minimum=1)
        if int(port) != port or port > 65535:
            raise self.fail("smtp.port", f"{port!r} is not a port number")
        return SmtpConfig(
            host=self.string(t, "host", "smtp"),
            port=int(port),
            security=security,
            username=self.string(t, "username", "smtp", default=None),
            timeout=self.duration(t, "timeout", "smtp", "30s"),
            ca_file=self.existing_file(t, "ca_file", "smtp"),
        )

    def existing_file(self, t: Mapping[str, Any], key: str, where: str) -> Path | None:
        text = self.string(t, key, where, default=None)
        if text is None:
            return None
        path = self.path(text)
        if not path.is_file():
            raise self.fail(f"{where}.{key}", f"{str(path)!r} is not a file")
        return path

    def crawl(self, raw: Mapping[str, Any]) -> CrawlConfig:
        t = self.table(
            raw,
            "crawl",
            {
                "user_agent",
                "extract_workers",
                "download_timeout",
                "max_response_size",
                "concurrent_requests",
                "per_domain",
                "robots_txt",
                "autothrottle",
            },
        )
        d = CrawlConfig()
        robots = self.flag(t, "robots_txt", "crawl", True)
        return CrawlConfig(
            user_agent=self.string(t, "user_agent", "crawl", default=d.user_agent),
            extract_workers=int(self.number(t, "extract_workers", "crawl", d.extract_workers)),
            download_timeout=self.duration(t, "download_timeout", "crawl", "30s"),
            max_response_size=self.size(t, "max_response_size", "crawl", d.max_response_size),
            concurrent_requests=int(
                self.number(t, "concurrent_requests", "crawl", d.concurrent_requests, minimum=1)
            ),
            per_domain=int(self.number(t, "per_domain", "crawl", d.per_domain, minimum=1)),
            robots_txt=robots,
            autothrottle=self.flag(t, "autothrottle", "crawl", True),
        )

    def daemon(self, raw: Mapping[str, Any]) -> DaemonConfig:
        t = self.table(raw, "daemon", {"tick", "crawl_timeout", "broken_after"})
        return DaemonConfig(
            tick=self.duration(t, "tick", "daemon", "60s"),
            crawl_timeout=self.duration(t, "crawl_timeout", "daemon", "30m"),
            broken_after=self.duration(t, "broken_after", "daemon", "2d"),
        )
