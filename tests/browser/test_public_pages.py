"""The public pages and the review pages in a real browser, with axe-core on each: the sign-off
form (empty and with its errors), the listing (with a filter's error), a version, the latest
version, comparing, the register as a web page, reviewing (a bad file, a published version, with
notes), withdrawing and a withdrawn version."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import ROOT

# Drives Debian's chromium: left out of `make test-fast`.
pytestmark = pytest.mark.browser


def publish_the_cctv_example(page, server, axe) -> str:
    """Import the CCTV example and publish version 1 through the sign-off form; the assessment's
    address."""
    page.goto(server.url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "cctv-upgrade.json"))
    page.get_by_role("button", name="Import the file").click()
    assessment = re.match(r"(.*/a/[^/#?]+)", page.url).group(1)
    page.goto(assessment + "/publish")
    axe(page, "the sign-off form")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Preview what will be published").click()
    expect(page).to_have_title(re.compile("^Error: "))
    axe(page, "the sign-off form with errors")
    page.get_by_label("Name", exact=True).fill("Sam Patel")
    page.get_by_label("Role", exact=True).fill("Director of Place")
    page.get_by_label("Proceed with conditions").check()
    page.get_by_role("button", name="Preview what will be published").click()
    page.get_by_role("button", name="Confirm and publish version 1").click()
    return assessment


def test_every_public_and_review_page_passes_axe(page, server, axe, tmp_path):
    assessment = publish_the_cctv_example(page, server, axe)
    page.get_by_role("link", name="Read version 1 as the public sees it").click()
    version = page.url
    assert page.title().startswith("Town centre CCTV renewal, version 1")
    axe(page, "a public version")
    with page.expect_download() as download:
        page.get_by_role("link", name="a web page").click()
    register = tmp_path / "register.html"
    download.value.save_as(register)
    page.goto(register.as_uri())
    axe(page, "a public version's register as a web page, opened from disk")
    page.goto(server.url + "/published/")
    assert page.get_by_role("link", name="Town centre CCTV renewal").count() == 1
    axe(page, "the public listing")
    page.goto(server.url + "/published/?from-day=31&from-month=2&from-year=2027")
    assert "Date must be a real date" in page.locator("#from-error").inner_text()
    axe(page, "the public listing with a filter's error")
    publication = version.split("/published/")[1].split("/")[0]
    page.goto(f"{server.url}/published/{publication}")
    assert page.url == version
    page.goto(f"{server.url}/published/compare?id={publication}&answers=all")
    assert page.title().startswith("Compare")
    axe(page, "compare")

    page.goto(server.url + "/review/")
    axe(page, "the review page")
    page.set_input_files(
        "input[type=file]", files=[{"name": "bad.json", "mimeType": "application/json", "buffer": b"{nope"}]
    )
    page.get_by_role("button", name="Review the file").click()
    expect(page).to_have_title(re.compile("^Error: "))
    axe(page, "the review page with an error")
    page.get_by_role("link", name=re.compile("Review Town centre CCTV renewal, version 1")).click()
    axe(page, "a review of a published version")
    page.locator("#target").select_option(index=1)
    page.get_by_label("Note", exact=True).fill("Ask for the masking test results")
    page.get_by_role("button", name="Add the note").click()
    # Waits for the page the post leads to: content() read mid-navigation can be empty.
    expect(page.locator("main")).to_contain_text("Ask for the masking test results")
    axe(page, "a review with a note")

    page.goto(assessment + "/publish")
    page.get_by_role("link", name=re.compile("Withdraw")).first.click()
    axe(page, "withdrawing a version")
    page.get_by_role("button", name="Withdraw this version").click()
    expect(page).to_have_title(re.compile("^Error: "))
    axe(page, "withdrawing a version, with an error")
    page.get_by_label("Why are you withdrawing it?").fill("Published before the contract was signed")
    with page.expect_navigation():  # the withdrawal is kept before the public page is opened
        page.get_by_role("button", name="Withdraw this version").click()
    page.goto(version)
    expect(page.locator("main")).to_contain_text("This version has been withdrawn")
    axe(page, "a withdrawn public version")
    assert len(axe.seen) == 14
