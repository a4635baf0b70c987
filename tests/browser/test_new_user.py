"""What a new user hit on their first assessment (issue 13), each in a real browser with axe-core:
a title before anything is stored, optional questions marked, progress and a "saved" banner,
a warning for a "don't know" that moves many risks, the date input pattern, one page per risk,
labels in the history, the header's links, no 404 for an icon, and a copy for the next stage
that publishes as version 2 with what changed."""

from __future__ import annotations

import re

import pytest

from ..conftest import ROOT

# Drives Debian's chromium: left out of `make test-fast`.
pytestmark = pytest.mark.browser


def test_a_new_user_meets_no_rough_edges(page, server, axe):
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(server.url)
    header = page.get_by_role("navigation", name="Main")
    assert header.get_by_role("link", name="Published").get_attribute("href") == "/published/"
    assert header.get_by_role("link", name="Review").get_attribute("href") == "/review/"

    # Finding 5: a blank first page stores nothing and says why; optional questions say so.
    page.get_by_role("button", name="Start a new assessment").click()
    assert "(optional)" in page.locator("label[for='PR-05']").inner_text()
    page.get_by_role("button", name="Save and continue").click()
    assert page.title().startswith("Error: About the project")
    assert page.locator(".govuk-error-summary").get_by_role("link").first.inner_text().startswith("Enter the name")
    axe(page, "a blank first page")
    page.goto(server.url)
    assert "There are no assessments yet." in page.content()

    # An import to work on: findings 6 and 7 on its question pages.
    page.goto(server.url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "cctv-upgrade.json"))
    page.get_by_role("button", name="Import the file").click()
    assessment = re.match(r"(.*/a/[^/#?]+)", page.url).group(1)
    page.goto(assessment + "/profile/screening")
    assert re.match(r"Progress: \d+ of \d+ questions answered", page.locator("#progress").inner_text())
    page.locator("input[name='PR-17'][value='dont_know']").check()
    page.get_by_role("button", name="Save and continue").click()
    assert (
        page.locator(".govuk-notification-banner--success .govuk-notification-banner__heading").inner_text()
        == "Saved your answers to What the system does to people."
    )
    assert "PR-17" in page.locator(".ft-banner--warning .govuk-notification-banner__heading").inner_text()
    axe(page, "a question page after a save, with a warning")
    page.goto(assessment + "/profile/screening")
    assert page.locator("#PR-17-warning").is_visible()

    # Finding 4 and 2: a summary of the risks, one page per risk, radios and three date boxes.
    page.goto(assessment + "/surveillance/actions")
    axe(page, "the actions summary")
    page.locator(".ft-summary-list__actions a").first.click()
    assert page.locator("select").count() == 0
    axe(page, "one risk's actions")
    risk = re.search(r"/actions/([^/#?]+)", page.url).group(1)
    page.fill(f"[name='{risk}-review_date-day']", "15")
    page.fill(f"[name='{risk}-review_date-month']", "1")
    page.fill(f"[name='{risk}-review_date-year']", "2027")
    declined = page.locator("input[type=radio][name$='-status'][value=declined]").first
    mitigation = declined.get_attribute("name").removesuffix("-status")
    declined.check()
    page.get_by_role("button", name="Save the actions").click()
    assert (
        page.locator(".govuk-error-summary a")
        .first.inner_text()
        .startswith(f"Say why you are declining {mitigation} (")
    )
    axe(page, "one risk's actions with an error")
    page.fill(f"[name='{mitigation}-note']", "Covered by the council's own policy")
    page.get_by_role("button", name="Save the actions").click()
    assert "Review by 15 January 2027" in page.locator(f"#{risk}").inner_text()

    # Finding 3: the history in words.
    page.goto(assessment + "/history")
    history = page.locator("main").inner_text()
    assert "PR-17 Part in decisions, answer:" in history and "“Don't know”" in history and "dont_know" not in history
    assert "“Declined”" in history

    # Finding 1 and 9: publish, land on the confirmation panel, copy for the next stage, publish v2.
    for version in (1, 2):
        page.goto(assessment + "/publish")
        page.get_by_label("Name", exact=True).fill("Sam Patel")
        page.get_by_label("Role", exact=True).fill("Director of Place")
        page.get_by_label("Proceed with conditions").check()
        page.get_by_role("button", name="Preview what will be published").click()
        page.get_by_role("button", name=f"Confirm and publish version {version}").click()
        assert page.locator(".govuk-panel--confirmation h1").inner_text() == f"Version {version} published"
        if version == 1:
            page.goto(assessment + "/duplicate")
            page.get_by_label("Delivery").check()
            page.get_by_role("button", name=re.compile("Make the copy|Copy")).click()
            assessment = re.match(r"(.*/a/[^/#?]+)", page.url).group(1)
    page.get_by_role("link", name="Read version 2 as the public sees it").click()
    page.get_by_role("link", name="What changed from version 1").click()
    assert "PR-03" in page.locator("main").inner_text()
    axe(page, "what changed between the stages")
    assert not [u for u in missing if "favicon" in u], missing
    assert page.request.get(server.url + "/favicon.ico").status == 200
