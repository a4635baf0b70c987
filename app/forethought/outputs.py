"""The register as people read it beyond Markdown: HTML with the heat map picture, and
Word and OpenDocument files.

All are made from the register's Markdown (`reports/register.md.j2`), so each
has its structure: a summary, then Appendix A (the full register) and Appendix
B (the working). Where the Markdown has the heat map as a table, the HTML has
the SVG picture and the Word and OpenDocument files its PNG. Each function
takes a `scored.Scored`, which keeps what is made, so nothing is scored or
made twice (`Scored.register_html`, `register_page`, `register_docx`, ...).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from . import blocks, documents, heatmap, office
from .canonical import digest
from .escape import visible

if TYPE_CHECKING:
    from .scored import Scored

HEAT_MAP_ID = "heat-map"
RISK_TABLE_ID = "risk-register"
APPENDIX_A = "appendix-a-the-full-register"
APPENDIX_B = "appendix-b-the-working"
STYLESHEET = Path(__file__).parent / "web" / "static" / "register.css"


def markdown_html(scored: Scored) -> str:
    """The register's Markdown as safe HTML, as it is (the heat map still a table)."""
    from .web.rendering import register_html

    # Made once for the page and the office files alike: it is most of the cost of either.
    return scored.once("register markdown html", lambda: str(register_html(scored.register())))


def figure(scored: Scored, prefix: str = "register-heatmap") -> Markup:
    """The heat map picture with its caption, for a page."""
    return Markup(
        '<figure class="ft-heatmap-figure">{svg}<figcaption class="ft-heatmap-figure__caption">{caption}'
        "</figcaption></figure>"
    ).format(
        svg=Markup(heatmap.svg(scored.heatmap(), id_prefix=prefix)),
        caption=(
            "Where each risk sits now, with the mitigations in place. Each cell names its rating; a risk in a "
            "dark box has a red flag."
        ),
    )


def html_fragment(scored: Scored) -> Markup:
    """The register as HTML for a page: the summary, then each appendix in a section of its
    own (so print can start each on a new page, the full register on A4 landscape), the heat
    map as a picture, and the register's table labelled for reading one risk at a time."""
    html = _unbroken_ids(markdown_html(scored))
    html = _replace_table_after(html, HEAT_MAP_ID, str(figure(scored)))
    html = _label_cells(html, RISK_TABLE_ID)
    return Markup(_sections(html))


def html_page(scored: Scored) -> str:
    """The register as one HTML file that needs nothing else: its own styles, no scripts."""
    title = "Risk register: " + str(documents.about(scored.doc, "title") or "Untitled assessment")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>{escape(visible(title))}</title>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Forethought">\n'
        # Opened from a disk or any host, the file carries its own policy: its styles, no script.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'\">\n"
        f"<style>\n{stylesheet()}</style>\n</head>\n"
        f'<body>\n<main class="ft-register ft-register--page">\n{html_fragment(scored)}\n</main>\n</body>\n</html>\n'
    )


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def office_document(scored: Scored) -> office.Document:
    """The register as an office document: real headings, tables with header rows, the heat
    map as a picture, the summary on A4 portrait and the full register on A4 landscape."""
    picture = scored.heatmap()
    width_cm = 15.0
    image = office.Image(
        png=scored.heatmap_png(),
        alt=picture.description,
        title=picture.title,
        width_cm=width_cm,
        height_cm=round(width_cm * picture.height / picture.width, 2),
    )
    content = blocks.from_html(
        markdown_html(scored),
        replace={HEAT_MAP_ID: [image]},
        before={APPENDIX_A: [office.Page(landscape=True)], APPENDIX_B: [office.Page(landscape=False)]},
    )
    title = str(documents.about(scored.doc, "title") or "Untitled assessment")
    context = scored.context()
    return office.Document(
        title=f"Risk register: {title}",
        organisation=str(documents.about(scored.doc, "organisation") or ""),
        date=scored.result.assessment_date,
        content_hash=digest(scored.doc),
        subject="Risk register",
        blocks=content,
        generator=f"Forethought {context['version']}",
    )


def _replace_table_after(html: str, heading_id: str, replacement: str) -> str:
    """The first table after the heading with this id, swapped for `replacement`.
    Headings and tables come only from the template: user text cannot make either."""
    at = html.find(f'id="{heading_id}"')
    if at < 0:
        return html
    start = html.find("<table>", at)
    end = html.find("</table>", start)
    if start < 0 or end < 0:
        return html
    return html[:start] + replacement + html[end + len("</table>") :]


_CELL = re.compile(r"<td>")


def _label_cells(html: str, heading_id: str) -> str:
    """Every table with each cell labelled with its column's header, so on a narrow screen
    each row can be read as a block of its own; the table after the heading with this id
    (the full register) is marked for its own column widths."""
    at = html.find(f'id="{heading_id}"')
    register_at = html.find("<table>", at) if at >= 0 else -1
    pieces = html.split("<table>")
    out = [pieces[0]]
    offset = len(pieces[0])
    for piece in pieces[1:]:
        table, end, rest = piece.partition("</table>")
        # Headers come from the template; made plain text and quoted all the same.
        headers = [
            str(escape(Markup(h).striptags())) for h in re.findall(r"<th>(.*?)</th>", table.split("</thead>")[0])
        ]
        rows = table.split("<tr>")
        labelled = [rows[0]]
        for row in rows[1:]:
            labelled.append(_labelled_row(row, headers))
        opening = '<table class="ft-register-table">' if offset == register_at else "<table>"
        out.append(opening + "<tr>".join(labelled) + end + rest)
        offset += len("<table>") + len(piece)
    return "".join(out)


def _labelled_row(row: str, headers: list[str]) -> str:
    labels = iter(headers)
    return _CELL.sub(lambda _: f'<td data-label="{next(labels, "")}">', row)


# A question, risk, mitigation or red flag id: "PR-17", "DV-R02", "AL-M08", "SV-F03".
_ID = re.compile(r"(?<![\w-])([A-Z]{2,3}-[A-Z]?\d{1,3})(?![\w-])")
_TAG = re.compile(r"(<[^>]*>)")


def _unbroken_ids(html: str) -> str:
    """Each id in the text kept on one line: a browser may break a line after a hyphen,
    and "AL-" at the end of one line and "M08" on the next reads as two things."""
    parts = _TAG.split(html)
    for i in range(0, len(parts), 2):  # the text between tags, never a tag's attributes
        parts[i] = _ID.sub(r'<span class="ft-id">\1</span>', parts[i])
    return "".join(parts)


def _sections(html: str) -> str:
    """The summary and each appendix wrapped in a section of its own."""
    parts = re.split(r'(?=<h2 id="(?:summary|appendix-[ab]-[^"]*)">)', html)
    out = [parts[0]]
    for part in parts[1:]:
        kind = "summary" if part.startswith('<h2 id="summary"') else "appendix"
        ident = re.match(r'<h2 id="([^"]*)"', part)
        name = ident.group(1) if ident else kind
        out.append(f'<section class="ft-register-{kind} ft-register-part--{name}">\n{part}</section>\n')
    return "".join(out)


def docx(scored: Scored) -> bytes:
    return office.docx(scored.register_document())


def odt(scored: Scored) -> bytes:
    return office.odt(scored.register_document())
