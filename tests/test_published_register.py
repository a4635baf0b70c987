"""A published version's register in every format, beside its page in the static site and
linked from it, with its heat map picture on the page. Each is made from the published
document (a `Verified`), so only what was published can appear in it."""

from __future__ import annotations

import io
import json

import docx as python_docx
from bs4 import BeautifulSoup
from click.testing import CliRunner
from PIL import Image

from forethought.cli import cli

from .conftest import ROOT

FILES = ("register.md", "register.csv", "register.html", "register.docx", "register.odt", "heatmap.svg", "heatmap.png")


def test_the_static_site_has_each_versions_register_files_and_its_heat_map(tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(out), "--from", str(ROOT / "examples" / "published")])
    assert result.exit_code == 0, result.output
    version = out / "p" / "anytown-cctv" / "v2"
    for name in FILES:
        assert (version / name).is_file(), name
    page = BeautifulSoup((version / "index.html").read_text(), "html.parser")
    assert page.select_one("figure.ft-heatmap-figure svg[role=img] title").get_text().startswith("Heat map:")
    links = {a["href"].rsplit("/", 1)[-1] for a in page.find_all("a")}
    assert set(FILES) <= links
    assert (out / "static" / "register.css").is_file()
    assert any(link["href"] == "../../../static/register.css" for link in page.find_all("link"))
    published = json.loads((ROOT / "examples" / "published" / "cctv-upgrade.v2.json").read_text())
    word = python_docx.Document(io.BytesIO((version / "register.docx").read_bytes()))
    assert word.paragraphs[0].text == f"Risk register: {published['title']}"
    assert word.core_properties.identifier.startswith("sha256:")
    assert Image.open(version / "heatmap.png").format == "PNG"
