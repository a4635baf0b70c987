"""Publishing in a real browser, with axe-core on each page: a field withheld in version 1 stays
withheld unless the signer lifts it, the preview shows what will be public before anything is
stored, and the "what changed" page says in words what was made public."""

from __future__ import annotations

import re

import pytest

from ..conftest import ROOT

# Drives Debian's chromium: left out of `make test-fast`.
pytestmark = pytest.mark.browser

NOTE = "Footfall counts are about 3 million visits a year"


def preview_and_confirm(page, axe, version: int) -> None:
    """From the sign-off form: preview, check the preview, confirm, and land on the panel."""
    page.get_by_role("button", name="Preview what will be published").click()
    assert page.get_by_role("heading", name="Preview: nothing is published yet").count() == 1
    assert page.locator("h1").inner_text() == f"Town centre CCTV renewal, version {version}"
    axe(page, f"the preview of version {version}")
    page.get_by_role("button", name=f"Confirm and publish version {version}").click()
    assert page.locator(".govuk-panel--confirmation h1").inner_text() == f"Version {version} published"
    axe(page, "the confirmation panel")


def test_a_withholding_carries_forward_and_its_lifting_shows_on_the_diff(page, server, axe):
    page.goto(server.url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "cctv-upgrade.json"))
    page.get_by_role("button", name="Import the file").click()
    assessment = re.match(r"(.*/a/[^/#?]+)", page.url).group(1)

    # Version 1 withholds the note on PR-11.
    page.goto(assessment + "/publish")
    page.get_by_label("Withhold PR-11 note").check()
    page.get_by_label("Reason for withholding PR-11 note").fill("Footfall figures are commercially sensitive")
    preview_and_confirm(page, axe, 1)
    page.get_by_role("link", name="Read version 1 as the public sees it").click()
    assert NOTE not in page.content() and "[withheld: Footfall figures are commercially sensitive]" in page.content()
    page.go_back()
    page.get_by_role("link", name="Back to the task list").click()
    assert page.url == assessment

    # Version 2's form starts from what version 1 withheld; the signer chooses to make it public.
    page.goto(assessment + "/publish")
    keep = page.get_by_role("group", name="PR-11 note").get_by_label("Keep it withheld")
    assert keep.is_checked()
    axe(page, "the sign-off form with a carried withholding")
    page.get_by_role("group", name="PR-11 note").get_by_label("Make it public").check()
    page.get_by_role("button", name="Preview what will be published").click()
    changes = page.locator("#changes + ul").inner_text()
    assert "Made public in version 2: the note on PR-11" in changes
    page.get_by_role("button", name="Confirm and publish version 2").click()
    page.get_by_role("link", name="Read version 2 as the public sees it").click()
    assert NOTE in page.content()
    page.get_by_role("link", name="What changed from version 1").click()
    assert page.title().startswith("What changed")
    said = page.locator("main").inner_text()
    assert "Made public in version 2: the note on PR-11" in said
    assert "Version 1 withheld it because: Footfall figures are commercially sensitive" in said
    axe(page, "the diff with a lifted withholding")
