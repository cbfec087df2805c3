"""The web view in a real headless Chromium (Debian's chromium and chromedriver, driven by
Selenium) against a `monitor web` started here: search, filter, open an article, see the
chart. Screenshots go to test-artifacts/ (or $MONITOR_TEST_ARTIFACTS)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.archive import HOSTILE_TITLE, Archive, build_archive
from tests.helpers import ROOT
from tests.webserver import web_server

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(
        "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; "
        ".ci/run installs them)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ARTIFACTS = Path(os.environ.get("MONITOR_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def _replaced(page: Any) -> Any:
    """Selenium's ``staleness_of``, also when chromium, mid-navigation, answers for the old
    page's node with "Node with given id does not belong to the document" (a
    WebDriverException, not the StaleElementReferenceException it looks for: a flaky
    failure in CI)."""

    def check(_: Any) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return check


def follow(d: Any, element: Any) -> None:
    """Click, then wait until the next page replaced this one (a click returns before the
    navigation it starts has finished)."""
    page = d.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(d, 60).until(_replaced(page))
    WebDriverWait(d, 60).until(
        lambda drv: drv.execute_script("return document.readyState") == "complete"
    )


@pytest.fixture
def browser() -> Iterator[object]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_search_filter_article_and_chart(tmp_path: Path, db_url: str, browser: object) -> None:
    archive: Archive = build_archive(tmp_path, db_url)
    d = browser  # type: ignore[assignment]
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with web_server(archive.config) as base:
        d.get(base + "/")
        assert d.title == "Hits – News monitor"
        rows = d.find_elements(By.CSS_SELECTOR, "#hits tr.hit")
        assert len(rows) == 50
        # Hostile text is shown as text, and no script ran (an alert would block the page).
        assert HOSTILE_TITLE in [a.text for a in d.find_elements(By.CSS_SELECTOR, "a.title")]
        assert d.execute_script("return document.querySelectorAll('img, script').length") == 0

        box = d.find_element(By.NAME, "q")
        box.send_keys("convoy")
        follow(d, d.find_element(By.CSS_SELECTOR, "form.filters button"))
        titles = {a.text for a in d.find_elements(By.CSS_SELECTOR, "a.title")}
        assert titles == {"Drones strike convoy near border", "Convoy hit by drones, Tehran says"}
        assert "q=convoy" in d.current_url

        Select(d.find_element(By.NAME, "watchlist")).select_by_visible_text("drones")
        Select(d.find_element(By.NAME, "source")).select_by_visible_text("wire")
        follow(d, d.find_element(By.CSS_SELECTOR, "form.filters button"))
        links = d.find_elements(By.CSS_SELECTOR, "a.title")
        assert [a.text for a in links] == ["Drones strike convoy near border"]
        marks = [m.text for m in d.find_elements(By.CSS_SELECTOR, "#hits mark")]
        assert marks and all(m.lower().startswith("drone") for m in marks)
        d.save_screenshot(str(ARTIFACTS / f"web-hits-{backend}.png"))

        follow(d, links[0])
        assert d.find_element(By.ID, "title").text == "Drones strike convoy near border"
        copies = d.find_elements(By.CSS_SELECTOR, "#copies a")
        assert [c.text for c in copies] == ["daily"]
        assert (
            d.find_element(By.ID, "original").get_attribute("href").startswith("http://wire.test/")
        )
        d.save_screenshot(str(ARTIFACTS / f"web-article-{backend}.png"))

        follow(d, d.find_element(By.LINK_TEXT, "Trends"))
        charts = d.find_elements(By.CSS_SELECTOR, "svg.chart")
        assert len(charts) == 3
        bars = d.find_elements(By.CSS_SELECTOR, "#trend-iran svg.chart rect.bar")
        assert len(bars) == 90
        heights = [float(b.get_attribute("height")) for b in bars]
        assert max(heights) > 0 and bars[0].size["width"] > 0  # laid out, not just in the DOM
        assert d.find_elements(By.CSS_SELECTOR, "#trend-iran rect.bar.spike")
        d.save_screenshot(str(ARTIFACTS / f"web-trends-{backend}.png"))
    assert (ARTIFACTS / f"web-trends-{backend}.png").stat().st_size > 10_000
