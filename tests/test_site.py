"""The static site: built from the example publications, valid pages, links that
all resolve on disk, JSON that validates against the published schema."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from forethought.cli import cli
from forethought.problems import ProblemsFound
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
    # index, compare, latest per publication, each version, one diff, each version's register as a web page
    assert len(pages) == 1 + 1 + 3 + 4 + 1 + 4
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
    with pytest.raises(ProblemsFound) as refused:
        build(tmp_path / "out", collect([tmp_path]))
    lines = [str(p) for p in refused.value.problems]
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


def _build_counting(out, paths, monkeypatch) -> tuple[object, list[str]]:
    """Build the site from `paths`, with the names of the versions it verified. The process's
    memory of what it read is emptied first, so the count is what the site's folder saves."""
    from forethought.publishing import reading, site

    site._READ.clear()
    verified, real = [], reading.verified

    def counting(document, *args, **kwargs):
        verified.append(kwargs.get("name", ""))
        return real(document, *args, **kwargs)

    monkeypatch.setattr(reading, "verified", counting)
    return build(out, collect(paths)), verified


def test_a_rebuild_reads_only_what_changed(tmp_path, monkeypatch):
    source = tmp_path / "in"
    source.mkdir()
    for path in PUBLISHED.glob("*.json"):
        (source / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "site"
    first, verified = _build_counting(out, [source], monkeypatch)
    assert first.unchanged == 0 and len(verified) == 4
    page = out / "p" / "northshire-lfr" / "v1" / "index.html"
    before = page.stat().st_mtime_ns

    again, verified = _build_counting(out, [source], monkeypatch)
    # The compare page is kept too, so nothing at all is verified again.
    assert again.unchanged == 3 and verified == [] and page.stat().st_mtime_ns == before
    assert len(again.shown) == 4 and json.loads((out / "index.json").read_text()) == json.loads(
        (out / "index.json").read_text()
    )

    # A file changed without its hashes (an edit anyone could make) is read and checked again,
    # though its recorded content hash is the same: a build trusts bytes, never a claim.
    lfr = source / "town-centre-lfr.v1.json"
    document = json.loads(lfr.read_text())
    document["title"] = "Quietly renamed"
    lfr.write_text(json.dumps(document))
    third, verified = _build_counting(out, [source], monkeypatch)
    assert third.unchanged == 2 and "northshire-lfr version 1" in verified
    assert "Quietly renamed" in page.read_text() and "this file does not verify" in page.read_text()

    # A publication taken out of the sources is taken out of the site.
    (source / "welfare-risk-model.v1.json").unlink()
    fourth, _ = _build_counting(out, [source], monkeypatch)
    assert not (out / "p" / "dfe-welfare-model" / "v1" / "index.html").exists()
    assert {e["id"] for e in json.loads((out / "index.json").read_text())} == {"anytown-cctv", "northshire-lfr"}


def test_a_rebuild_with_other_keys_builds_everything_again(tmp_path, monkeypatch):
    """Keys change what every page says of its signature, so every page is written again; the
    versions themselves need no second verification in the same process (their bytes are the same)."""
    out = tmp_path / "site"
    _build_counting(out, [PUBLISHED], monkeypatch)
    from forethought.publishing import reading

    verified, real = [], reading.verified
    monkeypatch.setattr(reading, "verified", lambda d, *a, **k: verified.append(1) or real(d, *a, **k))
    listing = {"organisation": "Anytown Council", "keys": []}
    rebuilt = build(out, collect([PUBLISHED]), listing)
    pages = {p.relative_to(out).as_posix() for p in rebuilt.written if p.name == "index.html"}
    assert rebuilt.unchanged == 0 and verified == []
    assert {f"p/{r['publication_id']}/v{r['version']}/index.html" for r in rebuilt.shown} <= pages
    assert json.loads((out / "keys.json").read_text())["organisation"] == "Anytown Council"


def test_a_process_reads_and_makes_each_version_once_whatever_folder_it_builds_into(tmp_path, monkeypatch):
    """A second build into a new folder has no folder memory to use, but the process verifies
    no version again and makes no Word file again: each is kept by the hash of its bytes."""
    from forethought import office

    _build_counting(tmp_path / "first", [PUBLISHED], monkeypatch)
    made, real = [], office.docx
    monkeypatch.setattr(office, "docx", lambda document: made.append(1) or real(document))
    from forethought.publishing import reading

    verified, counting = [], reading.verified
    monkeypatch.setattr(reading, "verified", lambda d, *a, **k: verified.append(1) or counting(d, *a, **k))
    second = build(tmp_path / "second", collect([PUBLISHED]))
    assert second.unchanged == 0 and len(second.shown) == 4
    assert verified == [] and made == []
    for page in (tmp_path / "first").rglob("*"):
        if page.is_file() and ".forethought-build" not in page.parts:
            assert page.read_bytes() == (tmp_path / "second" / page.relative_to(tmp_path / "first")).read_bytes()


def test_a_build_cut_short_is_not_remembered(tmp_path, monkeypatch):
    """The manifest is written last, so a build that fails part way leaves the next to build all."""
    from forethought.publishing import site

    out = tmp_path / "site"

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(site, "_write_listings", fail)
    with pytest.raises(OSError):
        build(out, collect([PUBLISHED]))
    monkeypatch.undo()
    assert build(out, collect([PUBLISHED])).unchanged == 0
