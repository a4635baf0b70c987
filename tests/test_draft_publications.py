"""The ATRS and DPIA drafts of published versions, on the public pages and in the static site:
made from the published document, so what it withholds stays withheld in every format."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from forethought.cli import cli
from forethought.loading import bundled_library
from forethought.publishing import reading
from forethought.store import Store
from forethought.web import create_app

from .conftest import ROOT
from .test_drafts import office_text

PUBLISHED = ROOT / "examples" / "published"
WITHHELD = "[withheld: Refers to requests from named police investigations]"


def withheld_note() -> str:
    source = json.loads((PUBLISHED / "sources" / "cctv-upgrade-delivery.json").read_text())
    return source["banks"]["surveillance"]["answers"]["SV-13"]["note"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = CliRunner().invoke(cli, ["site", str(out), "--from", str(PUBLISHED)])
    assert result.exit_code == 0, result.output
    return out


def test_the_site_writes_each_versions_drafts_and_links_them(site):
    cctv = site / "p" / "anytown-cctv" / "v2"
    page = (cctv / "index.html").read_text()
    for fmt in ("md", "json"):
        assert f'href="dpia-draft.{fmt}"' in page or f"v2/dpia-draft.{fmt}" in page
        text = (cctv / f"dpia-draft.{fmt}").read_text()
        assert WITHHELD in text.replace("\\", "")
        assert withheld_note() not in text
    # The welfare model uses the algorithm bank, so its record is drafted; the cameras do not.
    assert (site / "p" / "dfe-welfare-model" / "v1" / "atrs-draft.md").is_file()
    assert not (cctv / "atrs-draft.md").exists()
    assert not list(site.rglob("*-draft.docx"))


@pytest.fixture
def public_client(tmp_path):
    store = Store(tmp_path / "forethought.db")
    for name in ("cctv-upgrade.v1.json", "cctv-upgrade.v2.json"):
        document = json.loads((PUBLISHED / name).read_text())
        store.add_published(document, reading.summary(document))
    app = create_app(store, bundled_library())
    app.config["TESTING"] = True
    return app.test_client()


@pytest.mark.parametrize("fmt", ["md", "json", "docx", "odt"])
def test_the_public_page_offers_drafts_that_keep_what_was_withheld(public_client, fmt):
    page = public_client.get("/published/anytown-cctv/v/2").get_data(as_text=True)
    href = f"/published/anytown-cctv/v/2/dpia-draft.{fmt}"
    assert f'href="{href}"' in page
    response = public_client.get(href)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'-v2-dpia-draft.{fmt}"')
    text = office_text(response.data, fmt) if fmt in ("docx", "odt") else response.get_data(as_text=True)
    assert WITHHELD in text.replace("\\", "")
    assert withheld_note() not in text


def test_a_draft_that_does_not_apply_is_not_found(public_client):
    assert public_client.get("/published/anytown-cctv/v/2/atrs-draft.md").status_code == 404
    assert public_client.get("/published/anytown-cctv/v/9/dpia-draft.md").status_code == 404
    assert io.BytesIO(public_client.get("/published/anytown-cctv/v/1/dpia-draft.odt").data).read(2) == b"PK"
