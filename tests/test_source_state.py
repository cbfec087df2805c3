"""Pure: a source's state from its failures and times (ok, failing, broken, new)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.domain.sources import source_state

BROKEN_AFTER = timedelta(days=2)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def state(**kw: object) -> str:
    values: dict[str, object] = {
        "failures": 0,
        "gone": False,
        "failing_since": None,
        "last_error_at": None,
        "last_success_at": None,
        "now": NOW,
        "broken_after": BROKEN_AFTER,
    }
    values.update(kw)
    return source_state(**values)  # type: ignore[arg-type]


def test_new_ok_failing_broken() -> None:
    assert state() == "new"
    assert state(last_success_at=NOW) == "ok"
    day = timedelta(days=1)
    assert state(failures=3, failing_since=NOW - day, last_success_at=NOW - day) == "failing"
    assert state(failures=3, failing_since=NOW - BROKEN_AFTER) == "broken"
    assert state(failures=1, gone=True, failing_since=NOW) == "broken"  # 410 Gone at once
    # Failing since before the failing_since column existed: its last error tells.
    assert state(failures=2, last_error_at=NOW - 3 * day) == "broken"
    assert state(failures=2, failing_since=NOW - 3 * day, broken_after=4 * day) == "failing"
