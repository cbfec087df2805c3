from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config import (
    EMBEDDED,
    TABLES,
    DaemonConfig,
    Empty,
    Schedule,
    Security,
    Source,
    SourceKind,
    Weekday,
    _Context,
    default,
    load_config,
    options,
    parse_duration,
    parse_size,
)
from monitor.errors import ConfigError
from tests.helpers import run_monitor

GOOD = """
[database]
url = "sqlite:///monitor.db"

[[sources]]
name = "moscow-times"
feed = "https://www.themoscowtimes.com/rss/news"
interval = "15m"

[[sources]]
name = "moscow-times-news"
section = "https://www.themoscowtimes.com/news"
interval = "30m"

[[watchlists]]
name = "iran"
query = "Iran"

[digest]
time = "07:00"
timezone = "Europe/Moscow"
recipients = ["analyst@example.org"]
sender = "monitor@example.org"

[smtp]
host = "localhost"
port = 587
security = "starttls"
username = "monitor"
"""


def test_documented_shape_loads(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD)
    c = load_config(path)
    assert [s.kind for s in c.sources] == ["feed", "section"]
    assert c.sources[0].interval == timedelta(minutes=15)
    assert c.sources[1].interval == timedelta(minutes=30)
    assert c.database_url == f"sqlite:///{tmp_path / 'monitor.db'}"  # relative to the file
    assert c.smtp is not None and c.smtp.security == "starttls" and c.smtp.port == 587
    assert c.digest.zone.key == "Europe/Moscow" and c.digest.time.hour == 7
    assert c.digest.recipients == ("analyst@example.org",)


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config().origin == EMBEDDED
    (tmp_path / "monitor.toml").write_text(GOOD)
    assert load_config().path == tmp_path / "monitor.toml"
    other = tmp_path / "other.toml"
    other.write_text(GOOD.replace('name = "iran"', 'name = "from-env"'))
    monkeypatch.setenv("MONITOR_CONFIG", str(other))
    assert load_config().watchlists[0].name == "from-env"
    explicit = tmp_path / "explicit.toml"
    explicit.write_text(GOOD.replace('name = "iran"', 'name = "explicit"'))
    assert load_config(explicit).watchlists[0].name == "explicit"


def test_embedded_default_watches_real_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    c = load_config()
    assert {w.name for w in c.watchlists} == {"iran", "russia"}
    assert any("themoscowtimes.com/rss" in s.url for s in c.sources)
    assert any(s.kind == "section" for s in c.sources)
    assert len(c.sources) >= 4
    assert c.database_url.endswith("monitor.db") and str(tmp_path / "data-dir") in c.database_url
    assert c.smtp is None and c.digest.outbox == tmp_path / "data-dir" / "outbox"


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD)
    monkeypatch.setenv("MONITOR_DATABASE_URL", "sqlite:////srv/monitor/hits.db")
    assert load_config(path).database_url == "sqlite:////srv/monitor/hits.db"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('interval = "15m"', 'interval = "15 minutes"'),
            "sources[0] (moscow-times).interval: '15 minutes' is not a duration",
        ),
        (
            ('feed = "https://www.themoscowtimes.com/rss/news"', 'feed = "ftp://example.org/x"'),
            "sources[0] (moscow-times).feed: 'ftp://example.org/x' is not an http(s) URL",
        ),
        (
            ('interval = "30m"', 'interval = "30m"\nfeed = "https://x.org/rss"'),
            "needs exactly one of 'feed'",
        ),
        (('query = "Iran"', 'query = "\\"Iran"'), 'missing closing " for the phrase at column 1'),
        (('query = "Iran"', 'query = ""'), "watchlists[0] (iran).query: must be a non-empty"),
        (
            ('timezone = "Europe/Moscow"', 'timezone = "Mars/Olympus"'),
            "digest.timezone: 'Mars/Olympus' is not a time zone",
        ),
        (('time = "07:00"', 'time = "7am"'), "digest.time: '7am' is not a time"),
        (('security = "starttls"', 'security = "tls"'), "smtp.security: 'tls': must be one of"),
        (
            ('recipients = ["analyst@example.org"]', 'recipients = "analyst@example.org"'),
            "digest.recipients: must be a list of email addresses",
        ),
        (('name = "moscow-times-news"', 'name = "moscow-times"'), "is used by another source"),
        (('interval = "15m"', 'intervall = "15m"'), "sources[0].intervall: unknown key"),
        (("[smtp]", "[smtp]\npassword = 'secret'"), "smtp.password: unknown key"),
        (
            ('interval = "15m"', 'interval = "15m"\nmax_interval = "often"'),
            "sources[0] (moscow-times).max_interval: 'often' is not a duration",
        ),
        (
            ("[smtp]", "[crawl]\nmax_response_size = '10 parsecs'\n[smtp]"),
            "crawl.max_response_size: '10 parsecs' is not a size; write it like 512KB",
        ),
        (
            ("[smtp]", "[crawl]\nmax_response_size = 12\n[smtp]"),
            "crawl.max_response_size: must be a size of 1KB or more, got 12",
        ),
    ],
)
def test_bad_value_names_file_key_and_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "monitor.toml"
    assert change[0] in GOOD
    path.write_text(GOOD.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD.replace('name = "iran"', "name = iran"))
    with pytest.raises(ConfigError, match=r"not valid TOML: Invalid value \(at line 16, col"):
        load_config(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_bad_config_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD.replace('interval = "15m"', 'interval = "soon"'))
    result = run_monitor("hits", config=path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {path}: sources[0] (moscow-times).interval: 'soon' is not a duration; "
        "write it like 90s, 15m, 2h or 1d"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1.5h", 5400)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "size"), [("65536", 65536), ("512KB", 524288), ("10MB", 10485760), ("1 GiB", 1 << 30)]
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_polling_bounds(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        GOOD.replace('interval = "30m"', 'interval = "30m"\nmax_interval = "12h"').replace(
            "[smtp]", "[crawl]\nmax_response_size = '3MB'\n[smtp]"
        )
    )
    config = load_config(path)
    assert [s.max_interval for s in config.sources] == [timedelta(hours=4), timedelta(hours=12)]
    assert config.crawl.max_response_size == 3 * 1024 * 1024


def test_named_lists_are_usable_in_queries(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        GOOD.replace('query = "Iran"', 'query = "@iran NEAR/5(@iran, drone*)"')
        + '\n[lists]\niran = ["Iran", "Иран", "ایران", "Irán", "Islamic  Republic"]\n'
    )
    c = load_config(path)
    assert c.lists["iran"][-1] == "Islamic Republic"
    assert c.watchlists[0].query == "@iran NEAR/5(@iran, drone*)"


@pytest.mark.parametrize(
    ("lists", "message"),
    [
        ('iran = "Iran"', "lists.iran: must be a non-empty list"),
        ("iran = []", "lists.iran: must be a non-empty list"),
        ('iran = ["\\"Iran\\""]', "lists.iran: must be a non-empty list"),
    ],
)
def test_bad_lists(tmp_path: Path, lists: str, message: str) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD + f"\n[lists]\n{lists}\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_query_error_points_at_the_column(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD.replace('query = "Iran"', 'query = "NEAR/5(Iran"'))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}: watchlists[0] (iran).query: missing ) at column 12\n"
        "    NEAR/5(Iran\n"
        "               ^"
    )
    unknown = GOOD.replace('query = "Iran"', 'query = "@persia"')
    path.write_text(unknown)
    with pytest.raises(ConfigError, match="unknown list @persia at column 1"):
        load_config(path)


RECIPIENTS = """
[[recipients]]
name = "desk"
to = "desk@example.org"
watchlists = ["iran"]
schedule = "weekly"
day = "friday"
time = "16:30"
timezone = "America/New_York"
quiet_hours = "22:00-07:00"

[[recipients]]
name = "pager"
to = "ntfy://ntfy.example.org/${NTFY_TOPIC}"
schedule = "immediate"
every = "10m"
"""


def test_recipients_with_their_schedules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import time

    monkeypatch.setenv("NTFY_TOPIC", "desk-alerts")
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD + RECIPIENTS)
    config = load_config(path)
    default, desk, pager = config.recipients
    assert (default.name, default.to, default.watchlists) == (
        "default",
        ("analyst@example.org",),
        ("iran",),
    )
    assert (default.schedule, default.time, default.timezone) == ("daily", time(7), "Europe/Moscow")
    assert (desk.schedule, desk.day, desk.time, desk.timezone) == (
        "weekly",
        4,
        time(16, 30),
        "America/New_York",
    )
    assert desk.quiet == (time(22), time(7)) and desk.watchlists == ("iran",)
    assert pager.apprise_url == "ntfy://ntfy.example.org/desk-alerts"
    assert (pager.schedule, pager.every) == ("immediate", timedelta(minutes=10))
    assert "desk-alerts" not in pager.describe() and pager.describe().startswith("alerts")
    assert config.recipient("desk") is desk
    with pytest.raises(ConfigError, match="no recipient named 'nobody'"):
        config.recipient("nobody")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('watchlists = ["iran"]', 'watchlists = ["iran", "oil"]'), "no watchlist named 'oil'"),
        (('schedule = "weekly"', 'schedule = "hourly"'), "'hourly': must be one of daily"),
        (('day = "friday"', 'day = "fri"'), "recipients[0] (desk).day: 'fri': must be one of"),
        (('quiet_hours = "22:00-07:00"', 'quiet_hours = "late"'), "not a range of hours"),
        (('to = "desk@example.org"', 'to = "desk at example"'), "not an email address"),
        (('to = "desk@example.org"', "to = []"), "recipients[0] (desk).to: is required"),
        (('name = "desk"', 'name = "default"'), "'default' is used by [digest] recipients"),
        (("${NTFY_TOPIC}", "${NOT_SET_ANYWHERE}"), "${NOT_SET_ANYWHERE} is not set"),
        (("ntfy://", "nosuchservice://"), "apprise does not understand this nosuchservice://"),
        (
            ('to = "desk@example.org"', 'to = ["desk@example.org", "slack://a/b/c"]'),
            "an apprise URL goes alone",
        ),
    ],
)
def test_bad_recipient_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], message: str
) -> None:
    monkeypatch.setenv("NTFY_TOPIC", "t")
    path = tmp_path / "monitor.toml"
    assert change[0] in RECIPIENTS
    path.write_text(GOOD + RECIPIENTS.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)


def test_digest_cap_per_watchlist_is_inherited_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NTFY_TOPIC", "t")
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD + RECIPIENTS)
    assert {r.name: r.max_per_watchlist for r in load_config(path).recipients} == {
        "default": 200,
        "desk": 200,
        "pager": 200,
    }
    capped = GOOD.replace('sender = "monitor@example.org"', "sender = 'monitor@example.org'\n"
                          "max_per_watchlist = 50")  # fmt: skip
    own = RECIPIENTS.replace('every = "10m"', 'every = "10m"\nmax_per_watchlist = 5')
    path.write_text(capped + own)
    assert {r.name: r.max_per_watchlist for r in load_config(path).recipients} == {
        "default": 50,
        "desk": 50,
        "pager": 5,
    }
    for bad in ("0", "2.5", '"many"'):
        path.write_text(GOOD.replace("[smtp]", f"max_per_watchlist = {bad}\n\n[smtp]"))
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert f"digest.max_per_watchlist: must be a whole number >= 1, got {bad}" in str(
            err.value
        ).replace("'", '"')


def _readme_tables() -> dict[str, str]:
    """README's configuration example, the text of each table (of all its [[...]] together)."""
    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("## Configuration", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    tables: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        header = re.match(r"^\[\[?(\w+)\]\]?", line)
        if header:
            current = header.group(1)
        tables[current] = tables.get(current, "") + line + "\n"
    return tables


#: Commented lines of the README that show a value to follow, not the default.
EXAMPLES = {("crawl", "user_agent")}


def test_readme_documents_every_option_with_its_default() -> None:
    """Every key the declarations accept is in README's example, in its table; a commented
    ``# key = value`` line there shows the declared default (unless the default depends on
    the machine or is no value)."""
    tables = _readme_tables()
    # [lists] has the user's names for keys, shown in "Watchlist queries".
    assert set(tables) - {""} == set(TABLES) - {"lists"}
    for table, cls in TABLES.items():
        if cls is None:
            continue
        kinds = [k.value for k in SourceKind] if cls is Source else []
        keys = [o.key for _, o in options(cls)] + kinds
        for key in keys:
            assert re.search(rf"\b{key}\s*=", tables[table]), f"[{table}] {key} is not in README"
        for attr, o in options(cls):
            shown = re.search(rf"^# {o.key} = (.+?)(\s+#.*)?$", tables[table], re.M)
            if shown is None or (table, o.key) in EXAMPLES or o.default is None:
                continue
            if callable(field_of(cls, attr).default_factory):
                continue  # the machine's (CPU count, data directory)
            value = tomllib.loads(f"v = {shown.group(1)}")["v"]
            assert o.parse(value, _Context()) == default(cls, attr), f"[{table}] {o.key}"


def field_of(cls: type, name: str) -> Any:
    return next(f for f in fields(cls) if f.name == name)


def test_defaults_are_the_declared_ones(tmp_path: Path) -> None:
    """A table left out of the file is its declarations' defaults; durations are
    timedeltas, choices enum members (which compare and print as their words)."""
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD)
    c = load_config(path)
    assert c.daemon == DaemonConfig(
        tick=timedelta(minutes=1), crawl_timeout=timedelta(minutes=30), broken_after=timedelta(2)
    )
    assert c.crawl.download_timeout == timedelta(seconds=30)
    assert c.crawl.max_response_size == 10 * 1024 * 1024
    assert c.sources[0].max_interval == timedelta(hours=4) and c.sources[0].max_links == 200
    assert c.digest.retry == timedelta(minutes=15) and c.digest.empty is Empty.SKIP
    assert c.smtp is not None and c.smtp.security is Security.STARTTLS
    assert c.smtp.timeout == timedelta(seconds=30)
    assert c.sources[1].kind is SourceKind.SECTION and f"{c.sources[1].kind}" == "section"
    assert c.recipients[0].schedule is Schedule.DAILY and c.recipients[0].day is Weekday.MONDAY


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("STARTTLS", 587), ("ssl", 465)])
def test_smtp_port_follows_security(tmp_path: Path, security: str, port: int) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD.replace("port = 587\n", "").replace('"starttls"', f'"{security}"'))
    smtp = load_config(path).smtp
    assert smtp is not None and (smtp.security, smtp.port) == (security.lower(), port)


def test_a_missing_required_key_says_what_to_write(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(GOOD + '\n[[recipients]]\nname = "desk"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}: recipients[0] (desk).to: is required: "
        "an email address, a list of them, or an apprise URL"
    )
