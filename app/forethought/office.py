"""Word (.docx) and OpenDocument (.odt) files from one neutral document.

Build a `Document` of blocks and hand it to `docx()` or `odt()`, which return
the file's bytes. Nothing here knows about registers: any document made of
headings, paragraphs, lists, tables and images can use it.

    from forethought import office

    document = office.Document(
        title="Risk register: Parking permits",
        organisation="Anytown Council",
        date="2026-11-21",                    # ISO date: the document's date
        content_hash="sha256:…",              # what the document was made from
        subject="Risk register",              # optional
        blocks=[
            office.Heading("Summary", level=1),          # level 1 to 4
            office.Paragraph("Plain text.\\nA line break."),
            office.Paragraph([office.Run("Bold", bold=True), " then plain"]),
            office.Bullets(["one", "two"]),              # numbered=True for 1, 2, 3
            office.Table(
                header=["ID", "Risk"],                    # repeated on every page
                rows=[["R1", "Data breach"]],             # each cell a str or a list of runs
                widths=[1, 4],                            # relative column widths (optional)
            ),
            office.Image(png=png_bytes, alt="Heat map…", width_cm=16, height_cm=12),
            office.PageBreak(),
            office.Page(landscape=True),                 # a new page, A4 landscape from here on
        ],
    )
    office.docx(document)  # bytes of a Word file
    office.odt(document)   # bytes of an OpenDocument text file

Every text is user text as far as this module is concerned: it goes into the
file as text, never as markup, with control and invisible format characters
removed (they are not allowed in XML, or can reorder what a reader sees).
A "\\n" in a text is a line break. Pages are A4 with 2 cm margins.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from . import escape

# --- The neutral document -----------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A stretch of text, perhaps bold or italic."""

    text: str
    bold: bool = False
    italic: bool = False


Text = str | Run | list  # a str, a Run, or a list of str and Run


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Bullets:
    items: list
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    """A table whose header row repeats at the top of every page it runs onto."""

    header: list
    rows: list
    widths: list | None = None


@dataclass(frozen=True)
class Image:
    """A PNG picture with its text alternative, as wide and tall as given."""

    png: bytes
    alt: str
    width_cm: float
    height_cm: float
    title: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Page:
    """Start a new page in this orientation; the pages after it follow it."""

    landscape: bool = False


@dataclass
class Document:
    title: str
    organisation: str
    date: str
    content_hash: str
    blocks: list = field(default_factory=list)
    subject: str = ""
    language: str = "en-GB"
    generator: str = "Forethought"


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"

A4 = (21.0, 29.7)
MARGIN_CM = 2.0
BODY_PT = 10
TABLE_PT = 8.5


def runs(text: Text) -> list[Run]:
    """Any text as a list of runs, each run's text made safe for a document."""
    if isinstance(text, Run):
        items: list = [text]
    elif isinstance(text, list):
        items = text
    else:
        items = [text]
    out = []
    for item in items:
        run = item if isinstance(item, Run) else Run(str(item))
        out.append(Run(escape.visible(run.text), run.bold, run.italic))
    return out


def _when(date: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(date[:10]).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _usable_width(landscape: bool) -> float:
    return (A4[1] if landscape else A4[0]) - 2 * MARGIN_CM


def _column_widths(table: Table, landscape: bool) -> list[float]:
    """Each column's width in centimetres, sharing the page's width."""
    weights = table.widths or [1] * len(table.header)
    total = sum(weights)
    return [_usable_width(landscape) * w / total for w in weights]


# --- Word ---------------------------------------------------------------------


def docx(document: Document) -> bytes:
    """The document as a Word file."""
    import docx as python_docx

    word = python_docx.Document()
    _docx_page(word.sections[0], landscape=False)
    _docx_properties(word, document)
    _docx_styles(word)
    # Style ids found once: python-docx looks a style up by name on every paragraph otherwise.
    ids = {name: word.styles[name].style_id for name in (*HEADING_STYLES, "List Bullet", "List Number", TABLE_STYLE)}
    landscape = False
    for block in document.blocks:
        if isinstance(block, Page):
            from docx.enum.section import WD_SECTION

            landscape = block.landscape
            _docx_page(word.add_section(WD_SECTION.NEW_PAGE), landscape)
        else:
            _docx_block(word, block, landscape, ids)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


HEADING_STYLES = ("Heading 1", "Heading 2", "Heading 3", "Heading 4")
# The paragraph style of a table cell: its size and spacing set once, not on every run.
TABLE_STYLE = "Table Text"


def _docx_paragraph(word, style_id: str | None = None):
    paragraph = word.add_paragraph()
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _docx_block(word, block, landscape: bool, ids: dict[str, str]) -> None:
    from docx.shared import Cm

    if isinstance(block, Heading):
        _docx_runs(_docx_paragraph(word, ids[HEADING_STYLES[min(max(block.level, 1), 4) - 1]]), block.text)
    elif isinstance(block, Paragraph):
        _docx_runs(_docx_paragraph(word), block.text)
    elif isinstance(block, Bullets):
        for item in block.items:
            _docx_runs(_docx_paragraph(word, ids["List Number" if block.numbered else "List Bullet"]), item)
    elif isinstance(block, Table):
        _docx_table(word, block, landscape, ids[TABLE_STYLE])
    elif isinstance(block, Image):
        shape = word.add_picture(io.BytesIO(block.png), width=Cm(block.width_cm), height=Cm(block.height_cm))
        shape._inline.docPr.set("descr", escape.visible(block.alt))
        shape._inline.docPr.set("title", escape.visible(block.title))
    elif isinstance(block, PageBreak):
        word.add_page_break()
    else:
        raise TypeError(f"Not a document block: {block!r}")


def _docx_styles(word) -> None:
    """Sizes for a document read on paper: 10 point text, 8.5 point tables, tight spacing."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    normal = word.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(4)
    for level, size in ((1, 16), (2, 14), (3, 12), (4, 10.5)):
        heading = word.styles[f"Heading {level}"]
        heading.font.size = Pt(size)
        heading.paragraph_format.space_before = Pt(8)
        heading.paragraph_format.space_after = Pt(3)
    cell = word.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(TABLE_PT)
    cell.paragraph_format.space_after = Pt(0)


def _docx_page(section, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    width, height = (A4[1], A4[0]) if landscape else A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(width), Cm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))


def _docx_properties(word, document: Document) -> None:
    props = word.core_properties
    props.title = escape.visible(document.title)
    props.subject = escape.visible(document.subject)
    # Core properties have no "organisation": the author is the organisation
    # the document speaks for, and the identifier is what it was made from.
    props.author = escape.visible(document.organisation)
    props.last_modified_by = escape.visible(document.organisation)
    props.identifier = escape.visible(document.content_hash)
    props.keywords = escape.visible(f"{document.subject}; {document.content_hash}".strip("; "))
    props.comments = escape.visible(f"Made with {document.generator} from {document.content_hash}")
    props.language = document.language
    props.created = props.modified = _when(document.date)
    props.revision = 1


def _docx_runs(paragraph, text: Text) -> None:
    for run in runs(text):
        for i, line in enumerate(run.text.split("\n")):
            piece = paragraph.add_run()
            if i:
                piece.add_break()
            piece.add_text(line)
            # Set only where true: a run is plain unless told, and each setting costs a lookup.
            if run.bold:
                piece.bold = True
            if run.italic:
                piece.italic = True


def _docx_table(word, table: Table, landscape: bool, style_id: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    grid = word.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = "Table Grid"
    grid.autofit = False
    widths = [Cm(w) for w in _column_widths(table, landscape)]
    header = grid.rows[0]
    # The header row repeats at the top of each page the table runs onto.
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for n, (row, values) in enumerate(zip(grid.rows, [table.header, *table.rows], strict=True)):
        for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[i]
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style_id
            _docx_runs(paragraph, [Run(r.text, True, r.italic) for r in runs(value)] if n == 0 else value)
    for i, column in enumerate(grid.columns):
        column.width = widths[i]


# --- OpenDocument -------------------------------------------------------------


def odt(document: Document) -> bytes:
    """The document as an OpenDocument text file."""
    from odf.opendocument import OpenDocumentText

    text = OpenDocumentText()
    styles = _OdtStyles(text)
    _odt_properties(text, document)
    landscape = False
    switch_to: str | None = None
    for block in document.blocks:
        if isinstance(block, Page):
            landscape = block.landscape
            switch_to = "Landscape" if landscape else "Portrait"
            continue
        # A page change rides on the first paragraph after it, as ODF asks.
        for element in _odt_block(text, styles, block, landscape, switch_to):
            text.text.addElement(element)
        switch_to = None
    if switch_to:
        text.text.addElement(styles.paragraph(switch_to))
    out = io.BytesIO()
    text.write(out)
    return out.getvalue()


class _OdtStyles:
    """The named and automatic styles an ODT needs, each made once."""

    def __init__(self, text) -> None:
        from odf.style import (
            ListLevelProperties,
            MasterPage,
            PageLayout,
            PageLayoutProperties,
            ParagraphProperties,
            Style,
            TableCellProperties,
            TextProperties,
        )
        from odf.text import ListLevelStyleBullet, ListLevelStyleNumber, ListStyle

        self.text = text
        self._made: dict[str, object] = {}
        margins = {f"margin{side}": f"{MARGIN_CM}cm" for side in ("top", "bottom", "left", "right")}
        for name, (width, height), orientation in (
            ("Portrait", A4, "portrait"),
            ("Landscape", (A4[1], A4[0]), "landscape"),
        ):
            layout = PageLayout(name=f"{name}Layout")
            layout.addElement(
                PageLayoutProperties(
                    pagewidth=f"{width}cm", pageheight=f"{height}cm", printorientation=orientation, **margins
                )
            )
            text.automaticstyles.addElement(layout)
            text.masterstyles.addElement(MasterPage(name=name, pagelayoutname=layout))
        body = Style(name="Text_20_body", displayname="Text body", family="paragraph")
        body.addElement(ParagraphProperties(marginbottom="0.14cm"))
        body.addElement(TextProperties(fontsize=f"{BODY_PT}pt"))
        text.styles.addElement(body)
        for level, size in ((1, "16pt"), (2, "14pt"), (3, "12pt"), (4, "10.5pt")):
            heading = Style(
                name=f"Heading_20_{level}",
                displayname=f"Heading {level}",
                family="paragraph",
                defaultoutlinelevel=str(level),
                nextstylename="Text_20_body",
            )
            heading.addElement(ParagraphProperties(margintop="0.4cm", marginbottom="0.2cm", keepwithnext="always"))
            heading.addElement(TextProperties(fontsize=size, fontweight="bold"))
            text.styles.addElement(heading)
        for name, display, bold in (
            ("Table_20_Contents", "Table Contents", False),
            ("Table_20_Heading", "Table Heading", True),
        ):
            style = Style(name=name, displayname=display, family="paragraph")
            style.addElement(TextProperties(fontsize=f"{TABLE_PT}pt", fontweight="bold" if bold else "normal"))
            text.styles.addElement(style)
        cell = Style(name="Cell", family="table-cell")
        cell.addElement(TableCellProperties(border="0.5pt solid #000000", padding="0.1cm"))
        text.automaticstyles.addElement(cell)
        for name, level_style in (("Bullets", ListLevelStyleBullet), ("Numbers", ListLevelStyleNumber)):
            listing = ListStyle(name=name)
            kind = {"bulletchar": "•"} if name == "Bullets" else {"numformat": "1", "numsuffix": "."}
            level = level_style(level=1, **kind)
            level.addElement(ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.6cm"))
            listing.addElement(level)
            text.automaticstyles.addElement(listing)
        self.cell = cell

    def once(self, name: str, make):
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def span(self, bold: bool, italic: bool):
        from odf.style import Style, TextProperties

        def make():
            style = Style(name=f"T{int(bold)}{int(italic)}", family="text")
            style.addElement(
                TextProperties(fontweight="bold" if bold else "normal", fontstyle="italic" if italic else "normal")
            )
            self.text.automaticstyles.addElement(style)
            return style

        return self.once(f"span {bold} {italic}", make)

    def starting_page(self, parent: str, master: str):
        """A paragraph style like `parent` that starts a page of the master page named."""
        from odf.style import Style

        def make():
            style = Style(name=f"{parent}_{master}", family="paragraph", parentstylename=parent, masterpagename=master)
            self.text.automaticstyles.addElement(style)
            return style

        return self.once(f"page {parent} {master}", make)

    def page_break(self):
        from odf.style import ParagraphProperties, Style

        def make():
            style = Style(name="PageBreak", family="paragraph", parentstylename="Text_20_body")
            style.addElement(ParagraphProperties(breakbefore="page"))
            self.text.automaticstyles.addElement(style)
            return style

        return self.once("page break", make)

    def column(self, width_cm: float):
        from odf.style import Style, TableColumnProperties

        def make():
            style = Style(name=f"Col{len(self._made)}", family="table-column")
            style.addElement(TableColumnProperties(columnwidth=f"{width_cm:.2f}cm"))
            self.text.automaticstyles.addElement(style)
            return style

        return self.once(f"column {width_cm:.2f}", make)

    def table(self, width_cm: float):
        from odf.style import Style, TableProperties

        def make():
            style = Style(name=f"Table{len(self._made)}", family="table")
            style.addElement(TableProperties(width=f"{width_cm:.2f}cm", align="margins"))
            self.text.automaticstyles.addElement(style)
            return style

        return self.once(f"table {width_cm:.2f}", make)

    def paragraph(self, master: str):
        from odf.text import P

        return P(stylename=self.starting_page("Text_20_body", master))


def _odt_properties(text, document: Document) -> None:
    from odf import dc, meta

    moment = _when(document.date).strftime("%Y-%m-%dT%H:%M:%S")
    for element in (
        dc.Title(text=escape.visible(document.title)),
        dc.Subject(text=escape.visible(document.subject)),
        dc.Creator(text=escape.visible(document.organisation)),
        meta.InitialCreator(text=escape.visible(document.organisation)),
        dc.Date(text=moment),
        meta.CreationDate(text=moment),
        dc.Language(text=document.language),
        meta.Keyword(text=escape.visible(document.content_hash)),
        meta.UserDefined(name="Organisation", text=escape.visible(document.organisation)),
        meta.UserDefined(name="Content hash", text=escape.visible(document.content_hash)),
    ):
        text.meta.addElement(element)


def _odt_fill(styles: _OdtStyles, element, text: Text):
    """Put text into an ODF element as text: spans for bold and italic, line breaks for "\\n"."""
    from odf import teletype
    from odf.text import Span

    for run in runs(text):
        if run.bold or run.italic:
            span = Span(stylename=styles.span(run.bold, run.italic))
            teletype.addTextToElement(span, run.text)
            element.addElement(span)
        else:
            teletype.addTextToElement(element, run.text)
    return element


def _odt_block(text, styles: _OdtStyles, block, landscape: bool, switch_to: str | None) -> list:
    from odf.text import H, P

    def paragraph_style(parent: str):
        return styles.starting_page(parent, switch_to) if switch_to else parent

    if isinstance(block, Heading):
        level = min(max(block.level, 1), 4)
        return [_odt_fill(styles, H(outlinelevel=level, stylename=paragraph_style(f"Heading_20_{level}")), block.text)]
    if isinstance(block, Paragraph):
        return [_odt_fill(styles, P(stylename=paragraph_style("Text_20_body")), block.text)]
    if isinstance(block, PageBreak):
        return [P(stylename=styles.page_break())]
    lead = [styles.paragraph(switch_to)] if switch_to else []
    if isinstance(block, Bullets):
        return lead + [_odt_list(styles, block)]
    if isinstance(block, Table):
        return lead + [_odt_table(styles, block, landscape)]
    if isinstance(block, Image):
        return lead + [_odt_image(text, styles, block)]
    raise TypeError(f"Not a document block: {block!r}")


def _odt_list(styles: _OdtStyles, block: Bullets):
    from odf.text import List, ListItem, P

    listing = List(stylename="Numbers" if block.numbered else "Bullets")
    for item in block.items:
        entry = ListItem()
        entry.addElement(_odt_fill(styles, P(stylename="Text_20_body"), item))
        listing.addElement(entry)
    return listing


def _odt_table(styles: _OdtStyles, block: Table, landscape: bool):
    from odf.table import Table as OdfTable
    from odf.table import TableCell, TableColumn, TableHeaderRows, TableRow
    from odf.text import P

    widths = _column_widths(block, landscape)
    grid = OdfTable(name=f"Table{id(block) % 100000}", stylename=styles.table(sum(widths)))
    for width in widths:
        grid.addElement(TableColumn(stylename=styles.column(width)))

    def row(values: list, heading: bool):
        line = TableRow()
        for value in values:
            cell = TableCell(valuetype="string", stylename=styles.cell)
            cell.addElement(
                _odt_fill(styles, P(stylename="Table_20_Heading" if heading else "Table_20_Contents"), value)
            )
            line.addElement(cell)
        return line

    # Rows inside table:table-header-rows repeat at the top of every page.
    header = TableHeaderRows()
    header.addElement(row(block.header, True))
    grid.addElement(header)
    for values in block.rows:
        grid.addElement(row(values, False))
    return grid


def _odt_image(text, styles: _OdtStyles, block: Image):
    from odf.draw import Frame
    from odf.draw import Image as DrawImage
    from odf.svg import Desc, Title
    from odf.text import P

    href = text.addPicture(f"Pictures/image{len(text.Pictures)}.png", "image/png", block.png)
    frame = Frame(width=f"{block.width_cm}cm", height=f"{block.height_cm}cm", anchortype="as-char")
    frame.addElement(DrawImage(href=href))
    frame.addElement(Title(text=escape.visible(block.title or block.alt)))
    frame.addElement(Desc(text=escape.visible(block.alt)))
    holder = P(stylename="Text_20_body")
    holder.addElement(frame)
    return holder
