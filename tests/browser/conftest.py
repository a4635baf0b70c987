"""Browser tests: Debian's chromium driven by Playwright, with axe-core.

Without chromium these tests skip and say how to install it, except under
CI=true, where a missing browser is a failure: CI must run them."""

from __future__ import annotations

import os
import shutil

import pytest

from ..live import LiveServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-quic",
]


MISSING = "needs Debian's chromium: sudo apt-get install chromium (.ci/run installs it in CI)"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM or os.environ.get("CI") == "true":
        return  # under CI the browser fixture fails loudly instead of skipping
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM:
        pytest.fail("CI=true, so the browser tests must run, but chromium is missing: " + MISSING)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    # Generous: shared CI machines stall for seconds at a time (see bench/bench_web.py's
    # host-stall figure), and a timeout here should mean a broken page, not a busy host.
    page.set_default_timeout(60000)
    page.set_default_navigation_timeout(60000)
    yield page
    context.close()


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path / "forethought.db").start()
    yield live
    live.stop()


# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the public sector
# accessibility regulations ask of every page. Not axe's "best-practice" rules: their "region" rule
# wants every link inside a landmark, and the Design System keeps the back link before <main> on
# purpose (alphagov/govuk-frontend#6460, decided to leave it); the other best-practice rules pass.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_22_AA},
    "resultTypes": ["violations"],
}


@pytest.fixture
def axe():
    """Runs axe-core's WCAG 2.2 A and AA rules on a page; fails on any violation, whatever
    axe calls its impact, naming each rule and where it failed."""
    from axe_playwright_python.sync_playwright import Axe

    checker = Axe()
    seen: list[str] = []

    def check(page, label: str) -> None:
        bad = checker.run(page, options=AXE_OPTIONS).response["violations"]
        detail = "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
        )
        assert not bad, f"axe on {label}: {detail}"
        seen.append(label)

    check.seen = seen
    return check
