"""Publishing never writes something that cannot be read: a reason for withholding too long for
the published format is refused in words; anything else that would not verify is refused before
the file is written; and the static site leaves out a file it cannot read or re-score, naming it,
and writes everything else."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from forethought import documents, loading, resources
from forethought.cli import cli
from forethought.publishing import publish, verify
from forethought.publishing.schema import PUBLISHED_FILE

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
PUBLISHED = EXAMPLES / "published"
SIGN_OFF = {"name": "Sam Patel", "role": "Director of Place", "date": "2026-11-30", "decision": "proceed"}
OWNER = "/banks/public-trust/mitigations/PT-M04/owner"  # an owner: 200 characters at most
COMMON = ["--name", "Sam Patel", "--role", "Director", "--decision", "proceed", "--date", "2026-11-30"]


@pytest.fixture
def doc(library):
    return documents.load(EXAMPLES / "cctv-upgrade.json", library)


def make(doc, library, redactions):
    return publish.publish(
        doc,
        library,
        sign_off=SIGN_OFF,
        redactions=redactions,
        series="test-series",
        version=1,
        published_at="2026-12-01T09:00:00+00:00",
        previous_content_hash=None,
    )


def test_the_published_schema_accepts_every_reason_publishing_writes_and_names_the_limit():
    schema = json.loads(resources.schema_path(PUBLISHED_FILE).read_text(encoding="utf-8"))
    reason = schema["properties"]["redactions"]["items"]["properties"]["reason"]
    assert publish.REASON_LIMIT <= reason["maxLength"]
    assert f"at most {publish.REASON_LIMIT} characters" in reason["description"]


def test_a_reason_at_the_limit_fits_every_field_that_can_be_withheld(doc, library):
    # The sign-off note is the one given at publishing, here none.
    fields = [f for f in publish.withholdable(doc, library) if f.pointer != "/sign_off/note"]
    assert OWNER in {f.pointer for f in fields}
    longest = "x" * publish.REASON_LIMIT
    report = verify.verify(make(doc, library, [{"pointer": f.pointer, "reason": longest} for f in fields]))
    assert report.ok, report.problems
    # And every bundled text question a person could withhold, not only those this example answers.
    marker = len(publish.withheld_text(longest))
    short = [q.id for q in library.questions.values() if q.type == "text" and q.max_length and q.max_length < marker]
    assert short == []


def test_a_reason_over_the_limit_is_refused_in_words(doc, library):
    with pytest.raises(ValueError, match=f"at most {publish.REASON_LIMIT}") as caught:
        make(doc, library, [{"pointer": OWNER, "reason": "x" * 201}])
    assert OWNER in str(caught.value) and "201 characters" in str(caught.value)


def test_a_publication_that_would_not_verify_is_refused(doc, library, monkeypatch):
    """The bug as it was: with the old limit, a 201-character reason made an owner field too
    long and the version failed verify for ever. The check before writing refuses it now."""
    monkeypatch.setattr(publish, "REASON_LIMIT", 1000)
    with pytest.raises(publish.Unreadable) as caught:
        make(doc, library, [{"pointer": OWNER, "reason": "x" * 201}])
    assert caught.value.problems == [f"/assessment{OWNER}: is 213 characters long; at most 200 are allowed"]
    assert "would not verify, so nothing was published" in str(caught.value)


def test_a_field_too_short_for_its_withheld_marker_is_refused(tmp_path, fixture_data):
    """An organisation's own bank can have a text answer shorter than any limit we could pick."""
    question = next(q for s in fixture_data["sections"] for q in s["questions"] if q["id"] == "FX-07")
    question["max_length"] = 50
    (tmp_path / "fixture.json").write_text(json.dumps(fixture_data), encoding="utf-8")
    library = loading.load_library([tmp_path / "fixture.json"])
    doc = documents.new_document(library, "2026-11-21")
    doc["banks"]["fixture"]["answers"]["FX-07"] = {"value": "Jo Bloggs"}
    with pytest.raises(publish.Unreadable) as caught:
        make(doc, library, [{"pointer": "/banks/fixture/answers/FX-07/value", "reason": "x" * 60}])
    assert caught.value.problems == [
        "/assessment/banks/fixture/answers/FX-07/value: is 72 characters long; at most 50 are allowed"
    ]


def test_the_cli_refuses_a_long_reason_and_writes_nothing(tmp_path):
    out = tmp_path / "v1.json"
    result = CliRunner().invoke(
        cli,
        ["publish", str(EXAMPLES / "cctv-upgrade.json"), "-o", str(out), *COMMON, "--withhold", f"{OWNER}={'x' * 181}"],
    )
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "--withhold" in result.output and f"at most {publish.REASON_LIMIT}" in result.output
    assert not out.exists()


def test_the_cli_writes_nothing_that_would_not_verify(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "REASON_LIMIT", 1000)
    out = tmp_path / "v1.json"
    result = CliRunner().invoke(
        cli,
        ["publish", str(EXAMPLES / "cctv-upgrade.json"), "-o", str(out), *COMMON, "--withhold", f"{OWNER}={'x' * 201}"],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "would not verify, so nothing was published" in result.output
    assert f"/assessment{OWNER}: is 213 characters long; at most 200" in result.output
    assert not out.exists()


@pytest.fixture
def folder(tmp_path):
    """The published examples, a file that is not JSON, and one whose definitions cannot be used."""
    folder = tmp_path / "in"
    shutil.copytree(PUBLISHED, folder, ignore=shutil.ignore_patterns("sources"))
    (folder / "not-json.json").write_text("{", encoding="utf-8")
    broken = json.loads((PUBLISHED / "town-centre-lfr.v1.json").read_text(encoding="utf-8"))
    broken["publication"]["id"] = "broken-lfr"
    bank = broken["method"]["banks"][1]
    bank["risks"][0]["likelihood"]["drivers"][0]["question"] = bank["prefix"] + "-99"
    (folder / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    return folder


def test_the_site_leaves_out_what_it_cannot_read_and_writes_the_rest(tmp_path, folder):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(out), "--from", str(folder)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "Left out of the site, because they cannot be read or re-scored:" in result.stderr
    assert re.search(r"not-json\.json .*cannot be read as JSON", result.stderr), result.stderr
    assert (
        f"refers to question '{json.loads((folder / 'broken.json').read_text())['method']['banks'][1]['prefix']}-99'"
        in (result.stderr)
    )
    assert "broken-lfr version 1" in result.stderr
    assert "for 3 published assessments (4 versions)" in result.stdout
    assert not (out / "p" / "broken-lfr").exists()
    for page in out.rglob("*.html"):
        for href in re.findall(r'href="([^"#]+)', page.read_text(encoding="utf-8")):
            if not href.startswith(("https://", "http://", "mailto:")):
                assert (page.parent / href).resolve().is_file(), f"{page} links to {href}"
    assert "broken-lfr" not in (out / "index.json").read_text(encoding="utf-8")
