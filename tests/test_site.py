"""The static site: built from the example publications, valid pages, links that
all resolve on disk, JSON that validates against the published schema."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from forethought.cli import cli
from forethought.publishing import verify
from forethought.publishing.site import build, collect

from .conftest import ROOT
from .web.conftest import check_page

PUBLISHED = ROOT / "examples" / "published"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = CliRunner().invoke(cli, ["site", str(out), "--from", str(PUBLISHED)])
    assert result.exit_code == 0, result.output
    assert "for 3 published assessments (4 versions)" in result.output
    return out


def test_every_page_is_valid_and_every_link_resolves_on_disk(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + 1 + 3 + 4 + 1  # index, compare, latest per publication, each version, one diff
    for page in pages:
        html = page.read_text()
        check_page(html)
        for href in re.findall(r'(?:href|src)="([^"]+)"', html):
            if href.startswith(("https://", "http://", "mailto:", "#")):
                continue
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to {href}, which is not a file"
            assert site.resolve() in target.parents, f"{href} leaves the site"


def test_the_json_validates_and_verifies(site):
    files = sorted(site.rglob("assessment.json"))
    assert len(files) == 4
    for path in files:
        document = json.loads(path.read_text())
        assert verify.check_shape(document, str(path)) == []
        assert verify.verify(document).ok


def test_the_index_for_machines(site):
    index = json.loads((site / "index.json").read_text())
    assert len(index) == 3
    for entry in index:
        assert (site / entry["url"]).is_file()
    withdrawn = {e["id"]: e["withdrawn"] for e in index}
    assert withdrawn == {"anytown-cctv": False, "northshire-lfr": False, "dfe-welfare-model": True}
    assert next(e for e in index if e["id"] == "anytown-cctv")["version"] == 2


def test_withdrawn_and_withheld_are_shown(site):
    welfare = (site / "p" / "dfe-welfare-model" / "v1" / "index.html").read_text()
    assert "This version has been withdrawn" in welfare
    cctv = (site / "p" / "anytown-cctv" / "v2" / "index.html").read_text()
    assert "[withheld: Refers to requests from named police investigations]" in cctv
    source = json.loads((PUBLISHED / "sources" / "cctv-upgrade-delivery.json").read_text())
    assert source["banks"]["surveillance"]["answers"]["SV-13"]["note"] not in cctv
    diff = (site / "p" / "anytown-cctv" / "diff-1-2.html").read_text()
    assert "SV-13" in diff and "PR-03" in diff


def test_a_site_from_only_bad_files_is_refused_with_clear_errors(tmp_path):
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    documents, problems = collect([tmp_path])
    lines = [str(p) for p in problems]
    assert documents == []
    assert any("bad.json" in line and "cannot be read as JSON" in line for line in lines)
    assert any("other.json" in line and "missing required key" in line for line in lines)
    result = CliRunner().invoke(cli, ["site", str(tmp_path / "out"), "--from", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no site was written" in result.output and "bad.json" in result.output
    assert not (tmp_path / "out").exists()


def test_a_file_whose_definitions_cannot_be_used_stops_the_site_before_anything_is_written(tmp_path):
    broken = json.loads((PUBLISHED / "town-centre-lfr.v1.json").read_text(encoding="utf-8"))
    bank = broken["method"]["banks"][1]
    bank["risks"][0]["likelihood"]["drivers"][0]["question"] = bank["prefix"] + "-99"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    result = CliRunner().invoke(cli, ["site", str(tmp_path / "out"), "--from", str(tmp_path / "in")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert f"refers to question '{bank['prefix']}-99', which does not exist" in result.output
    assert not (tmp_path / "out").exists()


def test_the_site_from_the_app_database(tmp_path):
    from forethought import documents, engine
    from forethought.loading import bundled_library
    from forethought.publishing import publish, reading
    from forethought.store import Store
    from forethought.web import journey

    library = bundled_library()
    store = Store(tmp_path / "app.db")
    doc = documents.load(ROOT / "examples" / "low-risk-room-booking.json", library)
    aid = store.create(doc, journey.summary(doc, engine.score(doc, library), library), "Test", "Imported")
    store.publish(
        aid,
        lambda s, v, p, at: publish.publish(
            doc,
            library,
            sign_off={"name": "A", "role": "B", "date": "2026-11-30", "decision": "proceed"},
            redactions=[],
            series=s,
            version=v,
            published_at=at,
            previous_content_hash=p,
        ),
        reading.summary,
        "Test",
    )
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(out), "--db", str(tmp_path / "app.db")])
    assert result.exit_code == 0, result.output
    assert len(json.loads((out / "index.json").read_text())) == 1
    built = build(tmp_path / "empty", [])
    assert (tmp_path / "empty" / "index.html").exists() and built
