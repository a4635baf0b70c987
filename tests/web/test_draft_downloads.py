"""The ATRS and DPIA drafts on the results page: offered where they apply, downloaded in each
format, made once per version, and refused where they do not apply."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx as python_docx

from forethought import atrs, documents, dpia, engine
from forethought.loading import bundled_library
from forethought.web import journey

LIBRARY = bundled_library()
ROOT = Path(__file__).resolve().parents[2]


def imported(store, name: str) -> str:
    doc = documents.load(ROOT / "examples" / name, LIBRARY)
    return store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")


def test_the_results_page_offers_both_drafts_and_each_downloads(client_request, store):
    aid = imported(store, "welfare-fraud-risk-scoring.json")
    page = client_request.get(f"/a/{aid}/results")
    links = {a["href"] for a in page.select("#drafts ~ ul a")}
    expected = {f"/a/{aid}/atrs-draft.{f}" for f in atrs.FORMATS} | {f"/a/{aid}/dpia-draft.{f}" for f in dpia.FORMATS}
    assert links == expected
    client = client_request.client
    response = client.get(f"/a/{aid}/atrs-draft.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].endswith('-atrs-draft.json"')
    assert json.loads(response.get_data(as_text=True))["record"]["summary_information"]["name"]["value"]
    response = client.get(f"/a/{aid}/dpia-draft.docx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    word = python_docx.Document(io.BytesIO(response.data))
    assert any(p.text.startswith("Step 5") for p in word.paragraphs)
    markdown = client.get(f"/a/{aid}/dpia-draft.md").get_data(as_text=True)
    assert "## Prior consultation with the ICO (UK GDPR Article 36)" in markdown


def test_a_draft_is_made_once_per_version(client_request, store, count_calls):
    aid = imported(store, "welfare-fraud-risk-scoring.json")
    made = count_calls(atrs, "_draft")
    for _ in range(3):
        assert client_request.client.get(f"/a/{aid}/atrs-draft.md").status_code == 200
        assert client_request.client.get(f"/a/{aid}/atrs-draft.json").status_code == 200
    assert len(made) == 1


def test_no_draft_where_it_does_not_apply(client_request, store):
    aid = imported(store, "low-risk-room-booking.json")
    page = client_request.get(f"/a/{aid}/results")
    assert not page.select("a[href*='atrs-draft']")
    assert client_request.client.get(f"/a/{aid}/atrs-draft.md").status_code == 404
    assert client_request.client.get(f"/a/{aid}/atrs-draft.docx").status_code == 404
    assert client_request.client.get("/a/nowhere/dpia-draft.md").status_code == 404
