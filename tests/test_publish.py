"""Publishing and verifying, from the command line and as functions: a published
file verifies with the definitions it carries, even after the banks change; a
tampered file fails, naming exactly what differs."""

from __future__ import annotations

import copy
import json
import shutil

import pytest
from click.testing import CliRunner

from forethought import documents, engine, loading, resources
from forethought.cli import cli
from forethought.publishing import publish, verify

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
PUBLISHED = sorted((EXAMPLES / "published").glob("*.json"))
SIGN_OFF = {"name": "Sam Patel", "role": "Director of Place", "date": "2026-11-30", "decision": "proceed"}


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def doc(library):
    return documents.load(EXAMPLES / "cctv-upgrade.json", library)


@pytest.fixture
def published(doc, library):
    return publish.publish(
        doc,
        library,
        sign_off=SIGN_OFF,
        series="test-series",
        version=1,
        published_at="2026-12-01T09:00:00+00:00",
        previous_content_hash=None,
        redactions=[{"pointer": "/banks/surveillance/answers/SV-18/note", "reason": "Names a private address"}],
    )


def test_a_published_assessment_verifies(published):
    report = verify.verify(published)
    assert report.ok, report.problems
    assert report.content_hash == published["integrity"]["content_hash"]
    assert verify.check_shape(published, "x") == []


def test_it_still_verifies_after_the_bundled_banks_change(published, doc, library, tmp_path, monkeypatch):
    # Change the installed banks: a different number of points for a capability.
    changed = tmp_path / "questionnaires"
    shutil.copytree(resources.questionnaires_dir(), changed)
    bank = json.loads((changed / "surveillance.json").read_text())
    bank["risks"][0]["likelihood"]["base"] = 4
    bank["version"] = "2.0.0"
    (changed / "surveillance.json").write_text(json.dumps(bank))
    monkeypatch.setattr(resources, "questionnaires_dir", lambda: changed)
    loading.bundled_library.cache_clear()
    try:
        new_library = loading.load_library()
        # The change matters: scored with the new banks, the same answers give other numbers...
        rescored = engine.score(doc, new_library)
        original = engine.score(doc, library)
        assert (
            rescored.risks[0].inherent.score != original.risks[0].inherent.score
            or rescored.bank("surveillance").risks[0].inherent.likelihood
            != original.bank("surveillance").risks[0].inherent.likelihood
        )
        # ...yet the old publication verifies, because it carries its own definitions.
        assert verify.verify(published).ok
        path = tmp_path / "old.json"
        path.write_text(json.dumps(published))
        result = invoke("verify", path)
        assert result.exit_code == 0, result.output
    finally:
        loading.bundled_library.cache_clear()


def test_an_edited_answer_fails_naming_the_answer_and_the_scores_it_moves(published, tmp_path):
    tampered = copy.deepcopy(published)
    tampered["assessment"]["banks"]["surveillance"]["answers"]["SV-03"]["value"] = ["service_premises"]
    report = verify.verify(tampered)
    assert not report.ok and not report.hash_ok
    assert (
        "The answer to SV-03 (/assessment/banks/surveillance/answers/SV-03) does not match its recorded digest"
        in report.problems
    )
    assert any(line.startswith("SV-R01 ") and "stored" in line and "recomputed" in line for line in report.problems)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tampered))
    result = invoke("verify", path)
    assert result.exit_code == 1
    assert "DOES NOT MATCH" in result.output and "The answer to SV-03" in result.output


def test_an_edited_score_fails_naming_the_risk_the_stage_and_both_numbers(published):
    tampered = copy.deepcopy(published)
    risk = next(r for b in tampered["result"]["banks"] for r in b["risks"] if r["id"] == "SV-R01")
    stored = risk["residual"]["score"]
    risk["residual"]["score"] = 1
    report = verify.verify(tampered)
    assert not report.ok
    assert f"SV-R01 residual score: stored 1, recomputed {stored}" in report.problems
    assert (
        "The stored result for risk SV-R01 (/result/banks/surveillance/risks/SV-R01) does not match its recorded digest"
        in report.problems
    )


def test_a_consistent_forgery_still_fails_on_the_content_hash(published):
    forged = copy.deepcopy(published)
    forged["assessment"]["banks"]["surveillance"]["answers"]["SV-17"]["evidence"] = "https://example.org/forged"
    forged["integrity"]["parts"] = publish.integrity(forged)["parts"]
    report = verify.verify(forged)
    assert not report.hash_ok and len(report.problems) == 1 and report.problems[0].startswith("content hash: stored")


def test_only_words_no_score_depends_on_can_be_withheld(doc, library):
    allowed = {w.pointer for w in publish.withholdable(doc, library)}
    assert "/banks/surveillance/answers/SV-18/note" in allowed
    assert "/banks/surveillance/answers/SV-02/value" not in allowed  # a scored answer
    assert "/banks/profile/answers/PR-06/value" not in allowed  # the ocids link to the procurement record
    with pytest.raises(ValueError, match="cannot be withheld"):
        publish.redact(doc, [{"pointer": "/banks/surveillance/answers/SV-02/value", "reason": "x"}], library)
    with pytest.raises(ValueError, match="needs a reason"):
        publish.redact(doc, [{"pointer": "/banks/surveillance/answers/SV-18/note", "reason": " "}], library)


def test_a_withheld_field_says_so_wherever_it_appears(published, doc):
    original = doc["banks"]["surveillance"]["answers"]["SV-18"]["note"]
    text = json.dumps(published)
    assert original not in text
    assert (
        published["assessment"]["banks"]["surveillance"]["answers"]["SV-18"]["note"]
        == "[withheld: Names a private address]"
    )
    assert published["redactions"] == [
        {"pointer": "/banks/surveillance/answers/SV-18/note", "reason": "Names a private address"}
    ]
    findings = [f for f in verify.verify(published).findings if f.kind == "withheld"]
    assert [f.where for f in findings] == ["/banks/surveillance/answers/SV-18/note"]


def test_the_cli_publishes_a_chain_of_versions(tmp_path):
    first, second = tmp_path / "v1.json", tmp_path / "v2.json"
    common = ["--name", "Sam Patel", "--role", "Director", "--decision", "proceed", "--date", "2026-11-30"]
    assert invoke("publish", EXAMPLES / "cctv-upgrade.json", "-o", first, *common).exit_code == 0
    result = invoke("publish", EXAMPLES / "cctv-upgrade.json", "-o", second, "--previous", first, *common)
    assert result.exit_code == 0, result.output
    one, two = json.loads(first.read_text()), json.loads(second.read_text())
    assert two["publication"]["id"] == one["publication"]["id"] and two["publication"]["version"] == 2
    assert two["publication"]["previous_content_hash"] == one["integrity"]["content_hash"]
    # A tampered earlier version cannot be continued.
    one["result"]["overall"]["rating"] = "low"
    first.write_text(json.dumps(one))
    refused = invoke(
        "publish", EXAMPLES / "cctv-upgrade.json", "-o", tmp_path / "v3.json", "--previous", first, *common
    )
    assert refused.exit_code == 1 and "does not verify" in refused.output


def test_the_cli_keeps_what_the_earlier_version_withheld_unless_lifted(tmp_path):
    common = ["--name", "Sam Patel", "--role", "Director", "--decision", "proceed", "--date", "2026-11-30"]
    pointer = "/banks/surveillance/answers/SV-18/note"
    first = tmp_path / "v1.json"
    made = invoke(
        "publish", EXAMPLES / "cctv-upgrade.json", "-o", first, "--withhold", f"{pointer}=Names a refuge", *common
    )
    assert made.exit_code == 0, made.output
    kept = invoke("publish", EXAMPLES / "cctv-upgrade.json", "-o", tmp_path / "v2.json", "--previous", first, *common)
    assert kept.exit_code == 0 and f"Still withheld, as in the earlier version: {pointer}" in kept.output
    assert json.loads((tmp_path / "v2.json").read_text())["redactions"] == [
        {"pointer": pointer, "reason": "Names a refuge"}
    ]
    lifted = invoke(
        "publish",
        EXAMPLES / "cctv-upgrade.json",
        "-o",
        tmp_path / "v3.json",
        "--previous",
        first,
        "--lift",
        pointer,
        *common,
    )
    assert lifted.exit_code == 0, lifted.output
    assert json.loads((tmp_path / "v3.json").read_text())["redactions"] == []


def test_the_cli_refuses_an_incomplete_assessment(tmp_path):
    result = invoke(
        "publish",
        EXAMPLES / "draft-chatbot.json",
        "-o",
        tmp_path / "x.json",
        "--name",
        "A",
        "--role",
        "B",
        "--decision",
        "proceed",
    )
    assert result.exit_code == 1 and "is not complete" in result.output
    assert not (tmp_path / "x.json").exists()


def test_withdrawing_keeps_the_content_and_its_hash(tmp_path, published):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(published))
    result = invoke("withdraw", path, "--reason", "Superseded by a corrected version")
    assert result.exit_code == 0, result.output
    withdrawn = json.loads(path.read_text())
    assert withdrawn["withdrawal"]["reason"] == "Superseded by a corrected version"
    assert verify.verify(withdrawn).ok
    assert invoke("withdraw", path, "--reason", "again").exit_code == 1


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.stem)
def test_the_published_examples_verify_and_match_the_schema(path):
    document = json.loads(path.read_text())
    assert verify.check_shape(document, path.name) == []
    report = verify.verify(document, path.name)
    assert report.ok, report.problems


def test_the_published_schema_rejects_a_broken_file(published):
    broken = copy.deepcopy(published)
    broken["method"]["banks"][1]["risks"][0]["likelihood"]["base"] = 9
    del broken["integrity"]["content_hash"]
    problems = [f"{p.where}: {p.message}" for p in verify.check_shape(broken, "x")]
    assert any(p.startswith("/integrity: missing required key 'content_hash'") for p in problems), problems
    assert any(p.startswith("/method/banks/1/risks/0/likelihood/base") for p in problems), problems


def test_verify_lists_what_a_reviewer_looks_for(library):
    document = json.loads((EXAMPLES / "published" / "town-centre-lfr.v1.json").read_text())
    report = verify.verify(document)
    kinds = {f.kind for f in report.findings}
    assert {"red_flag", "unanswered"} <= kinds
    as_json = invoke("verify", EXAMPLES / "published" / "town-centre-lfr.v1.json", "--json")
    data = json.loads(as_json.output)
    assert data["ok"] is True and data["findings"]


def test_verify_explains_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{")
    result = invoke("verify", path)
    assert result.exit_code == 1 and "not valid JSON" in result.output and "Traceback" not in result.output


def test_the_cli_asks_for_a_reason_to_proceed_against_critical_ratings(tmp_path):
    out = tmp_path / "risky.json"
    common = ["-o", out, "--name", "Sam Patel", "--role", "Director", "--decision", "proceed", "--date", "2026-11-30"]
    refused = invoke("publish", EXAMPLES / "high-risk-surveillance.json", *common)
    assert refused.exit_code == 1 and "rated Critical (" in refused.output and "SV-R01" in refused.output
    assert "--note" in refused.output and not out.exists()
    dpo = ["--dpo-name", "Ada Jones", "--dpo-date", "2026-12-01"]
    note = ["--note", "Accepted until March"]
    result = invoke("publish", EXAMPLES / "high-risk-surveillance.json", *common, *dpo, *note)
    assert result.exit_code == 0, result.output
    sign_off = json.loads(out.read_text())["assessment"]["sign_off"]
    assert (sign_off["note"], sign_off["dpo_name"], sign_off["dpo_date"]) == ("Accepted until March", *dpo[1::2])
