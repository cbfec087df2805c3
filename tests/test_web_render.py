"""Pure: the templates' helpers that keep hostile feed text in its place (the snippet's
pieces are cut by monitor.matching.snippet, for every renderer)."""

from __future__ import annotations

from monitor.matching.snippet import segments
from monitor.web.render import web_link


def test_only_web_urls_become_links() -> None:
    assert web_link("https://example.org/a") == "https://example.org/a"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//x.org", None):
        assert web_link(bad) is None


def test_segments_cut_the_snippet_at_its_highlights() -> None:
    assert segments("Iran and Tehran", [[9, 15], [0, 4]]) == [
        ("Iran", True),
        (" and ", False),
        ("Tehran", True),
    ]
    assert segments("short", [[2, 99], [3, 1]]) == [("short", False)]  # bad offsets ignored
