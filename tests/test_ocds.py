"""Each published version whose profile names an ocid is also OCDS data: a release package whose
releases put the risk register in `planning.documents` as `riskProvisions`. Every package is checked
with the OCDS 1.1.5 release package and release schemas and codelists, as the Open Contracting
Partnership publishes them (tests/data/ocds)."""

from __future__ import annotations

import csv
import json

import jsonschema
import pytest
from click.testing import CliRunner
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from forethought.cli import cli
from forethought.publishing import ocds, reading
from forethought.store import Store
from forethought.web import create_app

from .conftest import ROOT

OCDS = ROOT / "tests" / "data" / "ocds"
PUBLISHED = ROOT / "examples" / "published"
LABELS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}


def _schema(name: str) -> dict:
    return json.loads((OCDS / name).read_text(encoding="utf-8"))


def _codes(name: str) -> set[str]:
    with (OCDS / name).open(encoding="utf-8") as f:
        return {row["Code"] for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def check():
    """A checker of an OCDS release package: the standard's schemas, then its closed codelists."""
    release = _schema("release-schema.json")
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    validator = jsonschema.Draft4Validator(
        _schema("release-package-schema.json"),
        registry=registry,
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )
    document_types, tags = _codes("documentType.csv"), _codes("releaseTag.csv")

    def problems(package: dict) -> list[str]:
        found = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package)]
        for release in package["releases"]:
            found += [f"tag {t} is not in the releaseTag codelist" for t in release["tag"] if t not in tags]
            found += [
                f"documentType {d['documentType']} is not in the codelist"
                for d in release["planning"]["documents"]
                if d["documentType"] not in document_types
            ]
        return found

    return problems


def _published(name: str) -> dict:
    return json.loads((PUBLISHED / name).read_text(encoding="utf-8"))


def _package(published: dict) -> dict | None:
    base = f"https://example.org/p/{published['publication']['id']}/v{published['publication']['version']}"
    return ocds.package(
        published,
        package_url=f"{base}/ocds.json",
        link={"html": f"{base}/index.html", "json": f"{base}/assessment.json"}.__getitem__,
        rating_labels=LABELS,
    )


def test_every_example_with_an_ocid_is_a_valid_release_package(check):
    checked = 0
    for path in sorted(PUBLISHED.glob("*.json")):
        published = json.loads(path.read_text(encoding="utf-8"))
        package = _package(published)
        if not ocds.ocids(published):
            assert package is None, f"{path.name} names no ocid, so it has nothing to join to"
            continue
        assert check(package) == [], path.name
        assert [r["ocid"] for r in package["releases"]] == ocds.ocids(published)
        for release in package["releases"]:
            assert release["tag"] == ["planning"]
            documents = release["planning"]["documents"]
            assert {d["documentType"] for d in documents} == {"riskProvisions"}
            assert published["integrity"]["content_hash"] in documents[0]["description"]
        checked += 1
    assert checked == 2


def test_a_withdrawn_version_says_so_and_a_broken_package_is_refused(check):
    welfare = _published("welfare-risk-model.v1.json")
    package = _package(welfare)
    document = package["releases"][0]["planning"]["documents"][0]
    assert document["dateModified"] == package["releases"][0]["date"] and "Withdrawn on" in document["description"]
    # The checker can fail: the standard's own schema and codelist refuse what is not OCDS.
    broken = json.loads(json.dumps(package))
    broken["releases"][0]["ocid"] = 7
    broken["releases"][0]["planning"]["documents"][0]["documentType"] = "riskRegister"
    assert any("/releases/0/ocid" in p for p in check(broken))
    assert any("riskRegister is not in the codelist" in p for p in check(broken))


def test_the_app_serves_the_package_and_links_it_only_where_there_is_one(tmp_path, check):
    store = Store(tmp_path / "app.db")
    for name in ("cctv-upgrade.v1.json", "cctv-upgrade.v2.json"):
        published = _published(name)
        store.add_published(published, reading.summary(published))
    client = create_app(tmp_path / "app.db").test_client()
    with_ocid = client.get("/published/anytown-cctv/v/2/ocds.json", base_url="http://localhost")
    assert with_ocid.status_code == 200 and with_ocid.mimetype == "application/json"
    package = with_ocid.get_json()
    assert check(package) == []
    assert package["releases"][0]["planning"]["documents"][0]["url"] == "http://localhost/published/anytown-cctv/v/2"
    assert 'href="/published/anytown-cctv/v/2/ocds.json"' in client.get("/published/anytown-cctv/v/2").text
    assert client.get("/published/anytown-cctv/v/1/ocds.json").status_code == 404
    assert "ocds.json" not in client.get("/published/anytown-cctv/v/1").text


def test_the_site_writes_a_package_for_each_version_with_an_ocid_when_it_knows_its_address(tmp_path, check):
    out = tmp_path / "site"
    result = CliRunner().invoke(
        cli, ["site", str(out), "--from", str(PUBLISHED), "--base-url", "https://example.org/r/"]
    )
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("ocds.json"))
    assert written == ["p/anytown-cctv/v2/ocds.json", "p/dfe-welfare-model/v1/ocds.json"]
    package = json.loads((out / written[0]).read_text())
    assert check(package) == []
    url = package["releases"][0]["planning"]["documents"][0]["url"]
    assert url == "https://example.org/r/p/anytown-cctv/v2/index.html"
    assert 'href="../../../p/anytown-cctv/v2/ocds.json"' in (out / "p/anytown-cctv/v2/index.html").read_text()

    plain = tmp_path / "plain"
    assert CliRunner().invoke(cli, ["site", str(plain), "--from", str(PUBLISHED)]).exit_code == 0
    assert not list(plain.rglob("ocds.json"))
    refused = CliRunner().invoke(cli, ["site", str(plain), "--from", str(PUBLISHED), "--base-url", "example.org"])
    assert refused.exit_code == 1 and "--base-url must be a web address" in refused.output
