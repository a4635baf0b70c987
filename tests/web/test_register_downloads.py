"""The register's downloads from the web app: Word, OpenDocument, a web page, the heat map as
SVG and PNG; each linked from the results and register pages, each made once per version."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import docx as python_docx
import pytest
from odf import opendocument
from odf.text import H
from PIL import Image

from forethought import engine, outputs

from .test_pages import ALL_BANKS_APPLY, seeded

DOWNLOADS = {
    "register.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "register.odt": "application/vnd.oasis.opendocument.text",
    "register.html": "text/html",
    "heatmap.svg": "image/svg+xml",
    "heatmap.png": "image/png",
}


@pytest.fixture
def assessment_id(store):
    return seeded(store, ALL_BANKS_APPLY)


def test_the_results_page_shows_the_heat_map_picture_and_links_each_download(client_request, assessment_id):
    page = client_request.get(f"/a/{assessment_id}/results")
    svg = page.select_one("figure.ft-heatmap-figure svg[role=img]")
    assert svg is not None and svg.title.get_text().startswith("Heat map: Town centre cameras")
    links = {a["href"] for a in page.select("a[download]")}
    for name in DOWNLOADS:
        assert f"/a/{assessment_id}/{name}" in links, name
    # The table of links to each risk stays, under the picture.
    assert page.select("table.ft-heatmap")


def test_the_register_page_has_the_picture_and_every_download(client_request, assessment_id):
    page = client_request.get(f"/a/{assessment_id}/register")
    assert page.select_one(".ft-register figure.ft-heatmap-figure svg[role=img]")
    assert page.select_one(".ft-register section.ft-register-summary")
    assert len(page.select(".ft-register section.ft-register-appendix")) == 2
    assert page.select_one("table.ft-register-table td[data-label=Inherent]")
    links = {a["href"] for a in page.select("a[download]")}
    for name in (*DOWNLOADS, "register.md", "register.csv", "register.json"):
        assert f"/a/{assessment_id}/{name}" in links, name


@pytest.mark.parametrize("name", list(DOWNLOADS))
def test_each_download_is_the_file_it_says(client_request, assessment_id, name):
    response = client_request.client.get(f"/a/{assessment_id}/{name}")
    assert response.status_code == 200
    assert response.mimetype == DOWNLOADS[name]
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="town-centre-cameras-{name}"'
    data = response.get_data()
    if name == "register.docx":
        word = python_docx.Document(io.BytesIO(data))
        assert word.paragraphs[0].text == "Risk register: Town centre cameras"
        assert word.core_properties.author == "Anytown Council"
    elif name == "register.odt":
        assert str(opendocument.load(io.BytesIO(data)).getElementsByType(H)[0]) == "Risk register: Town centre cameras"
    elif name == "register.html":
        text = data.decode()
        assert text.startswith("<!DOCTYPE html>") and "<style>" in text and "<script" not in text
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in text
    elif name == "heatmap.svg":
        assert ET.fromstring(data).get("role") == "img"
    else:
        assert Image.open(io.BytesIO(data)).format == "PNG"


def test_each_file_is_made_once_per_version_and_nothing_is_scored_again(client_request, assessment_id, count_calls):
    scorings = count_calls(engine, "score")
    made = count_calls(outputs, "office_document")
    client_request.get(f"/a/{assessment_id}/results")
    for _ in range(2):
        for name in DOWNLOADS:
            assert client_request.client.get(f"/a/{assessment_id}/{name}").status_code == 200
    client_request.get(f"/a/{assessment_id}/register")
    assert len(scorings) == 1  # scored once, when first loaded into the cache
    assert len(made) == 1  # one office document for both the Word and the OpenDocument file


def test_an_unknown_assessment_has_no_downloads(client_request):
    for name in DOWNLOADS:
        assert client_request.client.get(f"/a/nope/{name}").status_code == 404
