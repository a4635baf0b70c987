"""The static site opened straight from disk in a real browser, with axe-core on each page type."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from forethought.cli import cli

from ..conftest import ROOT

# Drives Debian's chromium: left out of `make test-fast`.
pytestmark = pytest.mark.browser


def test_the_static_site_works_from_disk(page, axe, tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(out), "--from", str(ROOT / "examples" / "published")])
    assert result.exit_code == 0, result.output
    page.goto((out / "index.html").as_uri())
    assert page.title().startswith("Published assessments")
    axe(page, "the static index")
    page.get_by_role("link", name="Town centre CCTV renewal").click()
    assert page.title().startswith("Town centre CCTV renewal, version 2")
    # The stylesheet loads from disk: the header takes its colour from it.
    # Both stylesheets load from disk: GOV.UK Frontend's colours the service navigation, ours the rating tags.
    for styled in (".govuk-service-navigation", ".ft-tag"):
        colour = page.locator(styled).first.evaluate("h => getComputedStyle(h).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), styled
    # Both readings, side by side, on a published page too.
    assert page.locator(".ft-panel__label").inner_text().startswith("Overall rating with the mitigations in place")
    assert "On what you have told us" in page.locator("section.ft-risk thead").first.inner_text()
    axe(page, "a published version")
    page.get_by_role("link", name="What changed from version 1").click()
    assert page.title().startswith("What changed")
    axe(page, "a diff")
    page.get_by_role("link", name="version 1", exact=True).first.click()
    assert page.title().startswith("Town centre CCTV renewal, version 1")
    page.get_by_role("link", name="All published assessments").click()
    page.get_by_role("link", name="Compare them all side by side").click()
    assert page.title().startswith("Compare published assessments")
    axe(page, "compare")
    page.goto((out / "p" / "dfe-welfare-model" / "index.html").as_uri())
    assert "This version has been withdrawn" in page.content()
    axe(page, "a withdrawn version")
    # Every other page the site has, each version's register as a web page among them.
    checked = len(axe.seen)
    for path in sorted(out.rglob("*.html")):
        page.goto(path.as_uri())
        axe(page, str(path.relative_to(out)))
    assert len(axe.seen) - checked == 14
