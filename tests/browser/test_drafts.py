"""The drafts on the results page, as a person gets them: found under their heading, each format
a download that opens, and the page passing axe."""

from __future__ import annotations

import docx as python_docx
import pytest

from ..conftest import ROOT

pytestmark = pytest.mark.browser


def test_the_results_page_downloads_the_drafts(page, server, axe, tmp_path):
    page.goto(server.url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "welfare-fraud-risk-scoring.json"))
    page.get_by_role("button", name="Import the file").click()
    page.get_by_role("link", name="Results and actions").click()
    assert page.get_by_role("heading", name="Documents your answers start").count() == 1
    axe(page, "the results page with drafts")
    with page.expect_download() as download:
        page.get_by_role("link", name="Word draft DPIA").click()
    path = tmp_path / "dpia.docx"
    download.value.save_as(path)
    assert download.value.suggested_filename == "housing-support-grant-fraud-risk-model-dpia-draft.docx"
    word = python_docx.Document(str(path))
    assert any(p.text == "Prior consultation with the ICO (UK GDPR Article 36)" for p in word.paragraphs)
    with page.expect_download() as download:
        page.get_by_role("link", name="Markdown draft ATRS").click()
    path = tmp_path / "atrs.md"
    download.value.save_as(path)
    assert path.read_text().startswith("# ATRS record draft: Housing Support Grant fraud risk model")
