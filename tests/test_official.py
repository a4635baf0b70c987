"""Publications are checked against the official releases of the banks and scoring method.

Each forgery here is made the way an attacker would: rewrite the carried rules, score the answers
again with them and publish, so every hash and every score in the file is consistent."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from forethought import documents, loading
from forethought.banks import content_hash
from forethought.cli import cli
from forethought.problems import ProblemsFound
from forethought.publishing import official, publish, verify

from .conftest import ROOT

SIGN_OFF = {"name": "Sam Patel", "role": "Director of Place", "date": "2026-11-30", "decision": "proceed"}
WELFARE = ROOT / "examples" / "welfare-fraud-risk-scoring.json"


def bundled_definitions() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in loading.bundled_files()]


def publish_with(definitions: list[dict], doc: dict) -> dict:
    """Publish `doc` scored with these definitions, hashes and all."""
    library, problems = loading.library_from_data([(d["id"], d) for d in definitions])
    assert not problems, problems
    return publish.publish(
        doc,
        library,
        sign_off=SIGN_OFF,
        series="forged",
        version=1,
        published_at="2026-12-01T09:00:00+00:00",
        previous_content_hash=None,
        redactions=[],
    )


@pytest.fixture
def welfare(library):
    return documents.load(WELFARE, library)


def verify_cli(tmp_path, published: dict):
    path = tmp_path / "file.json"
    path.write_text(json.dumps(published), encoding="utf-8")
    return CliRunner().invoke(cli, ["verify", str(path)])


def test_every_bundled_version_is_released_with_its_content():
    released = official.releases()
    for data in bundled_definitions():
        key = ("scoring" if data["kind"] == "scoring" else "bank", data["id"], data["version"])
        assert key in released, f"{key} is not in schemas/{official.OFFICIAL_FILE}: run make generate"
        assert released[key]["content_hash"] == content_hash(data), (
            f"{data['id']} {data['version']} has changed since it was released: give it a new version"
        )


def test_a_released_version_cannot_be_changed_and_a_new_one_is_added():
    manifest = json.loads((ROOT / "schemas" / official.OFFICIAL_FILE).read_text(encoding="utf-8"))
    changed = bundled_definitions()
    changed[0]["title"] += " (edited)"
    with pytest.raises(ProblemsFound, match="already released with other content"):
        official.updated_manifest(changed, manifest, "2026-12-02")
    changed[0]["version"] = "99.0.0"
    added = official.updated_manifest(changed, manifest, "2026-12-02")
    assert len(added["releases"]) == len(manifest["releases"]) + 1
    assert {"id": changed[0]["id"], "version": "99.0.0", "released": "2026-12-02"}.items() <= next(
        e for e in added["releases"] if e["version"] == "99.0.0"
    ).items()


def test_a_publication_with_the_official_definitions_says_so(tmp_path, welfare):
    published = publish_with(bundled_definitions(), welfare)
    report = verify.verify(published)
    assert report.ok and report.official
    result = verify_cli(tmp_path, published)
    assert result.exit_code == 0, result.output
    assert "Scored with official releases: Project profile 3.0.0" in result.output


def test_the_published_examples_used_official_releases():
    for path in sorted((ROOT / "examples" / "published").glob("*.json")):
        report = verify.verify(json.loads(path.read_text(encoding="utf-8")))
        assert report.official, [p.text for p in report.not_official]


def test_moved_rating_bands_are_not_an_official_release(tmp_path, welfare):
    honest = verify.verify(publish_with(bundled_definitions(), welfare))
    definitions = bundled_definitions()
    method = definitions[-1]
    bands = {"low": (1, 22), "medium": (23, 23), "high": (24, 24), "critical": (25, 25)}
    for rating in method["ratings"]:
        rating["min"], rating["max"] = bands[rating["id"]]
    forged = publish_with(definitions, welfare)
    report = verify.verify(forged)
    assert report.ok, "the forgery is consistent with itself"

    def critical(result: dict) -> int:
        return sum(r["residual"]["rating"] == "critical" for b in result["banks"] for r in b["risks"])

    assert critical(forged["result"]) < critical(honest.rescored.result.to_dict())
    assert not report.official
    [method_provenance] = report.not_official
    assert method_provenance.kind == "scoring" and method_provenance.version == method["version"]
    assert "its ratings differ from the release" in method_provenance.text
    result = verify_cli(tmp_path, forged)
    assert result.exit_code == 1
    assert "NOT an official release: the scoring method" in result.output
    assert "ratings differ" in result.output


def test_zeroed_drivers_in_a_carried_bank_are_named(tmp_path, welfare):
    definitions = bundled_definitions()
    bank = next(d for d in definitions if d["id"] == "algorithmic-decisions")
    for risk in bank["risks"]:
        for part in ("likelihood", "impact"):
            for driver in risk[part].get("drivers", []):
                driver["points"] = {k: 0 for k in driver["points"]}
    forged = publish_with(definitions, welfare)
    report = verify.verify(forged)
    assert report.ok
    [bad] = report.not_official
    assert bad.id == "algorithmic-decisions" and bad.version == bank["version"]
    changed = [d for d in bad.differs if d.startswith("risk ")]
    assert changed and all("likelihood" in d or "impact" in d for d in changed)
    result = verify_cli(tmp_path, forged)
    assert result.exit_code == 1
    assert f"NOT an official release: the bank {bank['title']} {bank['version']}: risk" in result.output


def test_a_version_that_was_never_released_is_not_official(welfare):
    definitions = bundled_definitions()
    definitions[0]["version"] = "3.9.9"
    report = verify.verify(publish_with(definitions, welfare))
    [bad] = report.not_official
    assert bad.differs == ("no official release has version 3.9.9",)


def test_the_json_report_lists_each_definition(tmp_path, welfare):
    path = tmp_path / "file.json"
    path.write_text(json.dumps(publish_with(bundled_definitions(), welfare)), encoding="utf-8")
    out = json.loads(CliRunner().invoke(cli, ["verify", "--json", str(path)]).output)
    assert out["official"] is True
    assert {d["id"] for d in out["definitions"]} == {d["id"] for d in bundled_definitions()}
    assert all(d["official"] for d in out["definitions"])


def forged_bands(welfare) -> dict:
    definitions = bundled_definitions()
    for rating in definitions[-1]["ratings"]:
        rating["min"], rating["max"] = {"low": (1, 22), "medium": (23, 23), "high": (24, 24), "critical": (25, 25)}[
            rating["id"]
        ]
    return publish_with(definitions, welfare)


def test_the_static_site_shows_the_same_verdict(tmp_path, welfare):
    from forethought.publishing import site

    site.build(tmp_path / "site", [site.Source.of(forged_bands(welfare))])
    page = (tmp_path / "site" / "p" / "forged" / "v1" / "index.html").read_text(encoding="utf-8")
    assert "Not scored with the official rules" in page and "NOT an official release: the scoring method" in page


def test_official_definitions_are_trusted_by_hash_and_any_other_is_checked_in_full(monkeypatch):
    """The carried definitions are most of a file. An official release's content was checked
    against its schema when it was released, so its hash stands for that check; a definition
    with any other content gets the whole schema, and its problems are named where they are."""
    published = json.loads((ROOT / "examples" / "published" / "town-centre-lfr.v1.json").read_text())
    checked = []
    real = verify.schema_problems
    monkeypatch.setattr(verify, "schema_problems", lambda d, v, n: checked.append(v) or real(d, v, n))
    assert verify.check_shape(published, "lfr") == []
    assert checked == [verify._envelope_validator()]

    checked.clear()
    published["method"]["banks"][1]["risks"][0]["likelihood"] = "very likely"
    problems = verify.check_shape(published, "lfr")
    assert checked == [verify._envelope_validator(), verify.published_validator()]
    assert [p.where for p in problems] == ["/method/banks/1/risks/0/likelihood"]

    # Outside the definitions, the envelope is checked as fully as ever.
    published = json.loads((ROOT / "examples" / "published" / "town-centre-lfr.v1.json").read_text())
    published["publication"]["version"] = "one"
    assert [p.where for p in verify.check_shape(published, "lfr")] == ["/publication/version"]
    assert checked[-2:] == [verify._envelope_validator(), verify.published_validator()]
