"""The heat map picture in a real browser: an image with a name and a description, axe-clean
where it is embedded (the results page and the register), and downloadable."""

from __future__ import annotations

import io
import re

import docx as python_docx
import pytest

from ..conftest import ROOT

pytestmark = pytest.mark.browser


def test_the_heat_map_picture_is_named_described_and_downloadable(page, server, axe, tmp_path):
    page.goto(server.url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "draft-chatbot.json"))
    page.get_by_role("button", name="Import the file").click()
    page.get_by_role("link", name="Results and actions").click()
    picture = page.get_by_role("img", name="Heat map: Benefits and money advice chatbot")
    assert picture.count() == 1
    described = picture.evaluate(
        "svg => svg.getAttribute('aria-labelledby').split(' ').map(i => document.getElementById(i).textContent)"
    )
    assert described[1].startswith("Residual likelihood") and "AL-R05 (red flag: Critical)" in described[1]
    # It fits the page: scaled to the column, not cut off or scrolled.
    box, column = picture.bounding_box(), page.locator("main").bounding_box()
    assert box["width"] <= column["width"] + 1
    axe(page, "the results page with its heat map picture")
    with page.expect_download() as svg:
        page.locator("a[href$='/heatmap.svg']").first.click()
    saved = tmp_path / "heatmap.svg"
    svg.value.save_as(saved)
    assert saved.read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    page.goto(re.match(r"(.*/a/[^/]+)/", page.url).group(1) + "/register")
    assert page.get_by_role("img", name="Heat map: Benefits and money advice chatbot").count() == 1
    axe(page, "the register with its heat map picture")
    with page.expect_download() as word:
        page.get_by_role("link", name="Word (.docx)").click()
    assert word.value.suggested_filename == "benefits-and-money-advice-chatbot-register.docx"
    document = python_docx.Document(io.BytesIO(open(word.value.path(), "rb").read()))
    assert document.paragraphs[0].text == "Risk register: Benefits and money advice chatbot"
