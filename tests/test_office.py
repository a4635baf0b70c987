"""Word and OpenDocument files from the neutral document: opened by their own libraries,
and by LibreOffice, with hostile text left as text."""

from __future__ import annotations

import io
import zipfile

import docx as python_docx
import pypdf
import pytest
from odf import opendocument
from odf.draw import Frame
from odf.draw import Image as DrawImage
from odf.table import Table, TableHeaderRows, TableRow
from odf.text import H
from PIL import Image as PilImage

from forethought import office

from .office_suite import to_pdf
from .test_register import PAYLOAD


def png(width: int = 40, height: int = 20) -> bytes:
    out = io.BytesIO()
    PilImage.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def sample() -> office.Document:
    rows = [[f"R{i}", PAYLOAD] for i in range(60)]
    return office.Document(
        title="Register " + PAYLOAD[:40],
        organisation="Anytown Council",
        date="2026-11-21",
        content_hash="sha256:" + "ab" * 32,
        subject="Risk register",
        blocks=[
            office.Heading("Summary", 1),
            office.Paragraph(["Plain ", office.Run("bold", bold=True), " " + PAYLOAD]),
            office.Bullets(["one", PAYLOAD]),
            office.Image(png=png(), alt="A heat map", width_cm=8, height_cm=4, title="Heat map"),
            office.Heading("Detail", 2),
            office.Table(header=["ID", "Risk"], rows=rows, widths=[1, 5]),
            office.Page(landscape=True),
            office.Heading("Appendix", 1),
            office.Table(header=["A", "B", "C"], rows=[["1", "2", "3"]]),
        ],
    )


def test_the_word_file_has_headings_a_repeating_header_an_image_and_properties():
    word = python_docx.Document(io.BytesIO(office.docx(sample())))
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "Summary"), ("Heading 2", "Detail"), ("Heading 1", "Appendix")]
    table = word.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["ID", "Risk"]
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")
    assert len(table.rows) == 61
    # The payload is text in a cell: no markup of its own, only its invisible characters gone.
    assert table.rows[1].cells[1].text == PAYLOAD.replace("\u202e", "")
    assert len(word.inline_shapes) == 1
    assert word.inline_shapes[0]._inline.docPr.get("descr") == "A heat map"
    props = word.core_properties
    assert (props.title, props.author, props.identifier) == (
        "Register " + PAYLOAD[:40],
        "Anytown Council",
        "sha256:" + "ab" * 32,
    )
    assert props.created.date().isoformat() == "2026-11-21"
    sections = word.sections
    assert [round(s.page_width.cm, 1) for s in sections] == [21.0, 29.7]


def test_the_opendocument_file_has_headings_a_repeating_header_an_image_and_properties():
    data = office.odt(sample())
    text = opendocument.load(io.BytesIO(data))
    headings = [(str(h.getAttribute("outlinelevel")), str(h)) for h in text.getElementsByType(H)]
    assert headings == [("1", "Summary"), ("2", "Detail"), ("1", "Appendix")]
    table = text.getElementsByType(Table)[0]
    header = table.getElementsByType(TableHeaderRows)
    assert len(header) == 1 and str(header[0]) == "IDRisk"
    assert len(table.getElementsByType(TableRow)) == 61
    frames = text.getElementsByType(Frame)
    assert len(frames) == 1 and frames[0].getElementsByType(DrawImage)
    meta = text.meta
    assert "Anytown Council" in str(meta) and "sha256:" + "ab" * 32 in str(meta)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        content = z.read("content.xml").decode()
        assert "<script>" not in content and "&lt;script&gt;" in content
        assert "\u202e" not in content
        assert any(n.startswith("Pictures/") for n in z.namelist())


@pytest.mark.slow  # starts LibreOffice: in make test and CI, not make test-fast
def test_libreoffice_opens_both_and_prints_the_payload_as_text(tmp_path):
    document = sample()
    files = [tmp_path / "sample-word.docx", tmp_path / "sample-open.odt"]
    files[0].write_bytes(office.docx(document))
    files[1].write_bytes(office.odt(document))
    for source, pdf in to_pdf(files, tmp_path / "pdf").items():
        reader = pypdf.PdfReader(pdf)
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert "<script>alert(1)</script>" in text, source.name
        sizes = {(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages}
        assert sizes == {(595, 842), (842, 595)}, (source.name, sizes)
        # The long table runs over pages, and its header row comes with it.
        assert sum(page.extract_text().lstrip().startswith("ID") for page in reader.pages) >= 2, source.name
