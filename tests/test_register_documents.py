"""The register as Word and OpenDocument files, for every example: the structure of the
Markdown (its headings, its tables with header rows that repeat on every page), the heat map
picture, the document's properties; opened by each file's own library, and by LibreOffice,
with the injection corpus in every free-text field left as text."""

from __future__ import annotations

import io
import re
import zipfile

import docx as python_docx
import pypdf
import pytest
from odf import opendocument
from odf.draw import Frame
from odf.draw import Image as DrawImage
from odf.table import Table, TableHeaderRows
from odf.text import H

from forethought import documents, office
from forethought.canonical import digest
from forethought.scored import Scored

from .conftest import ROOT
from .office_suite import to_pdf
from .test_register import PAYLOAD, injected_document

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def markdown_headings(text: str) -> list[tuple[int, str]]:
    """Each Markdown heading's level and text, escapes undone."""
    found = []
    for line in text.splitlines():
        if m := re.match(r"(#{1,6}) (.*)", line):
            words = re.sub(r"\\(.)", r"\1", m.group(2)).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            found.append((min(len(m.group(1)), 4), words.strip()))
    return found


def markdown_tables(text: str) -> int:
    return sum(1 for line in text.splitlines() if re.fullmatch(r"\|(---\|)+", line))


@pytest.fixture(scope="module")
def scored_examples(library):
    return {p.stem: Scored.score(documents.load(p, library), library) for p in EXAMPLES}


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_the_word_file_has_the_registers_structure(name, scored_examples):
    scored = scored_examples[name]
    word = python_docx.Document(io.BytesIO(scored.register_docx()))
    headings = [
        (int(p.style.name.removeprefix("Heading ")), p.text)
        for p in word.paragraphs
        if p.style.name.startswith("Heading")
    ]
    assert headings == markdown_headings(scored.register())
    # Every table but the heat map, which is a picture here; each header row repeats on every page.
    assert len(word.tables) == markdown_tables(scored.register()) - 1
    for table in word.tables:
        assert table.rows[0]._tr.trPr.find(f"{WORD_NS}tblHeader") is not None
        assert all(run.bold for cell in table.rows[0].cells for p in cell.paragraphs for run in p.runs if run.text)
        # Every cell is set in the small table text, with no space after it, through one style.
        styles = {p.style.name for row in table.rows for cell in row.cells for p in cell.paragraphs}
        assert styles == {office.TABLE_STYLE}
    table_text = word.styles[office.TABLE_STYLE]
    assert table_text.font.size.pt == office.TABLE_PT and table_text.paragraph_format.space_after == 0
    # An id in a cell never breaks at its hyphen: "AL-" on one line and "R02" on the next.
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert any("\u2011" in c for c in cells)
    assert not any(re.search(r"(?<![\w-])[A-Z]{2,3}-[A-Z]?\d{1,3}(?![\w-])", c) for c in cells)
    assert len(word.inline_shapes) == 1
    assert word.inline_shapes[0]._inline.docPr.get("descr") == scored.heatmap().description
    props = word.core_properties
    assert props.title == f"Risk register: {documents.about(scored.doc, 'title')}"
    assert props.author == scored.context()["profile"]["PR-02"]
    assert props.identifier == digest(scored.doc)
    assert props.created.date().isoformat() == scored.result.assessment_date
    # The summary on A4 portrait, the full register on A4 landscape, the working portrait again.
    assert [round(s.page_width.cm, 1) for s in word.sections] == [21.0, 29.7, 21.0]


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_the_opendocument_file_has_the_registers_structure(name, scored_examples):
    scored = scored_examples[name]
    data = scored.register_odt()
    text = opendocument.load(io.BytesIO(data))
    headings = [(int(str(h.getAttribute("outlinelevel"))), str(h)) for h in text.getElementsByType(H)]
    assert headings == markdown_headings(scored.register())
    tables = text.getElementsByType(Table)
    assert len(tables) == markdown_tables(scored.register()) - 1
    assert all(len(t.getElementsByType(TableHeaderRows)) == 1 for t in tables)
    frames = text.getElementsByType(Frame)
    assert len(frames) == 1 and frames[0].getElementsByType(DrawImage)
    meta = str(text.meta)
    assert digest(scored.doc) in meta and scored.context()["profile"]["PR-02"] in meta
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert [n for n in z.namelist() if n.startswith("Pictures/")]
        styles = z.read("styles.xml").decode()
        assert 'style:print-orientation="landscape"' in styles


def _inert_in_word(data: bytes) -> None:
    word = python_docx.Document(io.BytesIO(data))
    body = word.element.body
    # No hyperlink, field or embedded object: the payload's links and markup are text.
    assert not body.findall(f".//{WORD_NS}hyperlink") and not body.findall(f".//{WORD_NS}fldSimple")
    assert not body.findall(f".//{WORD_NS}instrText")
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert not any(h in ("Heading", "item", "quote") for h in headings)
    cells = {c.text for t in word.tables for row in t.rows for c in row.cells}
    # The corpus comes through whole as the words it is (its invisible override removed).
    assert any("<script>alert(1)</script><img src=x onerror=alert(2)>" in c for c in cells)
    assert not any("\u202e" in c for c in cells)


def _inert_in_opendocument(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        content = z.read("content.xml").decode()
    assert "<text:a " not in content and "<script" not in content and "\u202e" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    text = opendocument.load(io.BytesIO(data))
    assert not any(str(h) in ("Heading", "item", "quote") for h in text.getElementsByType(H))


@pytest.mark.parametrize("which", ["bundled", "fixture"])
def test_the_injection_corpus_is_inert_in_both(which, library, fixture_library):
    lib = library if which == "bundled" else fixture_library
    scored = Scored.score(injected_document(lib), lib)
    _inert_in_word(scored.register_docx())
    _inert_in_opendocument(scored.register_odt())
    assert PAYLOAD


@pytest.mark.slow  # starts LibreOffice: in make test and CI, not make test-fast
def test_libreoffice_opens_every_register_and_the_injection_corpus(scored_examples, library, tmp_path):
    files = []
    injected = Scored.score(injected_document(library), library)
    for name, scored in [*scored_examples.items(), ("injected", injected)]:
        for suffix, data in (("docx", scored.register_docx()), ("odt", scored.register_odt())):
            path = tmp_path / f"{name}-{suffix}.{suffix}"
            path.write_bytes(data)
            files.append(path)
    for source, pdf in to_pdf(files, tmp_path / "pdf").items():
        reader = pypdf.PdfReader(pdf)
        first = reader.pages[0].extract_text()
        assert first.lstrip().startswith("Risk register:"), source.name
        texts = [p.extract_text() for p in reader.pages]
        at = next(i for i, t in enumerate(texts) if "Appendix A: the full register" in t)
        width = round(float(reader.pages[at].mediabox.width))
        assert width == 842, (source.name, width)  # the full register on A4 landscape
        print(f"{source.name}: {source.stat().st_size // 1024} KB, {len(texts)} pages, summary {at}")
        if source.name.startswith("injected"):
            assert "<script>alert(1)</script>" in "\n".join(texts)


@pytest.mark.parametrize("which", ["bundled", "fixture"])
def test_the_injection_corpus_is_inert_in_the_html_file(which, library, fixture_library):
    from bs4 import BeautifulSoup

    lib = library if which == "bundled" else fixture_library
    page = BeautifulSoup(Scored.score(injected_document(lib), lib).register_page(), "html.parser")
    assert not page.find_all(["script", "img", "iframe", "object", "embed", "form", "input"])
    for tag in page.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name
        assert not str(tag.get("href", "")).lower().startswith(("javascript:", "data:")), tag
    assert len(page.find_all("svg")) == 1 and page.svg.title.get_text().startswith("Heat map: <script>")
    assert "<script>alert(1)</script>" in page.get_text() and "\u202e" not in page.get_text()
    # A title holding a bidirectional override loses it in the page's <title> too.
    doc = documents.new_document(lib, "2026-11-21")
    doc["banks"]["profile"]["answers"]["PR-01"] = {"value": "Door \u202ecounters <b>"}
    checked, problems = documents.check(doc, lib)
    assert not problems
    titled = Scored.score(checked, lib).register_page()
    assert "<title>Risk register: Door counters &lt;b&gt;</title>" in titled
    # The only stylesheet is the one the file carries.
    assert len(page.find_all("style")) == 1 and not page.find_all("link")
