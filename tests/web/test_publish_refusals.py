"""The publish page never stores a version that cannot be read: a reason for withholding over the
limit is a form error, anything else that would not verify is refused with nothing stored, and a
version stored before these checks cannot stop `forethought site --db` writing the others."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from forethought import documents, engine
from forethought.cli import cli
from forethought.loading import bundled_library
from forethought.publishing import publish, reading
from forethought.web import journey

from ..conftest import ROOT

LIBRARY = bundled_library()
SIGN_OFF = {"name": "Sam Patel", "role": "Director of Place", "date": "2026-11-30", "decision": "proceed"}
OWNER = "/banks/public-trust/mitigations/PT-M04/owner"


@pytest.fixture
def aid(store):
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", LIBRARY)
    return store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")


def post_publish(client_request, aid: str, reason: str):
    """Publish, withholding the owner of PT-M04 with `reason`; the page and response."""
    page = client_request.get(f"/a/{aid}/publish")
    index = page.find("input", attrs={"value": OWNER})["name"].removeprefix("withhold-")
    data = {**SIGN_OFF, f"withhold-{index}": OWNER, f"reason-{index}": reason}
    return client_request.post(f"/a/{aid}/publish", data, expected_status=200)


def test_a_reason_over_the_limit_is_a_form_error(client_request, store, aid):
    page, _ = post_publish(client_request, aid, "x" * 201)
    summary = page.select_one(".govuk-error-summary").get_text()
    assert f"The reason is 201 characters long; shorten it to at most {publish.REASON_LIMIT}" in summary
    assert store.published_for(aid) == []


def test_a_version_that_would_not_verify_is_not_stored(client_request, store, aid, monkeypatch):
    monkeypatch.setattr(publish, "REASON_LIMIT", 1000)  # the limit as it was, before the bug was found
    page, _ = post_publish(client_request, aid, "x" * 201)
    summary = page.select_one(".govuk-error-summary").get_text()
    assert "Nothing was published, because the published file would not verify" in summary
    assert f"/assessment{OWNER}: is 213 characters long; at most 200 are allowed" in summary
    link = next(a for a in page.select(".govuk-error-summary a") if "would not verify" in a.get_text())
    assert page.find(id=link["href"].removeprefix("#"))["name"].startswith("reason-")  # the field to shorten
    assert store.published_for(aid) == []
    assert not any("Signed off" in str(entry) for entry in store.history(aid))


def test_the_site_from_the_database_leaves_out_a_version_that_cannot_be_read(
    tmp_path, store, aid, monkeypatch, client_request
):
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", LIBRARY)

    def build(redactions):
        return lambda s, v, p, at: publish.publish(
            doc,
            LIBRARY,
            sign_off=SIGN_OFF,
            redactions=redactions,
            series=s,
            version=v,
            published_at=at,
            previous_content_hash=p,
        )

    good = store.publish(aid, build([]), reading.summary, "Test")
    other = store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")
    # A version stored before publishing checked what it wrote: its owner field is too long.
    monkeypatch.setattr(publish, "REASON_LIMIT", 1000)
    monkeypatch.setattr(publish, "refuse_unreadable", lambda published: None)
    bad = store.publish(other, build([{"pointer": OWNER, "reason": "x" * 201}]), reading.summary, "Test")
    monkeypatch.undo()

    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(out), "--db", str(store.path)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    bad_id, good_id = bad["publication"]["id"], good["publication"]["id"]
    assert f"{bad_id} version 1" in result.stderr and "at most 200" in result.stderr, result.stderr
    assert "for 1 published assessment (1 version)" in result.stdout
    assert (out / "p" / good_id / "v1" / "index.html").is_file()
    assert not (out / "p" / bad_id).exists()
    # In the app its page says why it cannot be shown, rather than failing.
    page = client_request.get(f"/published/{bad_id}/v/1", expected_status=422)
    assert "This cannot be shown" in page.text and "cannot be re-scored" in page.text
