"""Our own documents' HTML as the blocks of an `office.Document`.

The register (and any document written the same way: Markdown from our own
template, made into safe HTML by `web.rendering.register_html`) becomes the
headings, paragraphs, lists and tables that `office.docx` and `office.odt`
write, so a Word or OpenDocument file has exactly the structure of the page.

    blocks.from_html(html, replace={"heat-map": [office.Image(...)]},
                     before={"appendix-a-the-full-register": [office.Page(landscape=True)]})

`replace` swaps the first table after the heading with that id for other
blocks (a picture of it, say); `before` puts blocks before a heading. Text
comes out as text: the HTML parser decodes every entity, and the office
writer escapes it again for its own format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from . import office

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
# Elements whose text is dropped: nothing in our documents uses them for words.
SKIPPED = {"svg", "style", "script", "figure"}
VOID = {"br", "img", "hr", "meta", "link", "input"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)  # Node or str


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element; a stray end tag changes nothing.
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def runs(node: Node, bold: bool = False, italic: bool = False) -> list[office.Run]:
    """The text inside an element, as runs; <br> is a line break."""
    out: list[office.Run] = []
    for child in node.children:
        if isinstance(child, str):
            out.append(office.Run(child.replace("\n", " "), bold, italic))
        elif child.tag == "br":
            out.append(office.Run("\n", bold, italic))
        elif child.tag in SKIPPED:
            continue
        else:
            out.extend(runs(child, bold or child.tag in ("strong", "b", "th"), italic or child.tag in ("em", "i")))
    return _joined(out)


def _joined(items: list[office.Run]) -> list[office.Run]:
    """Neighbouring runs of one style as one, and no space at either end of a line."""
    merged: list[office.Run] = []
    for run in items:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = office.Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(run)
    if merged:
        merged[0] = office.Run(merged[0].text.lstrip(), merged[0].bold, merged[0].italic)
        merged[-1] = office.Run(merged[-1].text.rstrip(), merged[-1].bold, merged[-1].italic)
    return [office.Run(r.text.replace(" \n", "\n").replace("\n ", "\n"), r.bold, r.italic) for r in merged if r.text]


def _text(node: Node) -> str:
    return "".join(r.text for r in runs(node))


# A question, risk, mitigation or red flag id: "PR-17", "DV-R02", "AL-M08".
_ID = re.compile(r"(?<![\w-])([A-Z]{2,3})-([A-Z]?\d{1,3})(?![\w-])")


def unbroken_ids(cell: list[office.Run]) -> list[office.Run]:
    """A cell's ids with a non-breaking hyphen, so a narrow column never ends a line with "AL-"
    and starts the next with "R02" (the HTML keeps them whole with a style instead)."""
    return [office.Run(_ID.sub("\\1\u2011\\2", r.text), r.bold, r.italic) for r in cell]


def _table(node: Node) -> office.Table:
    header: list = []
    rows: list = []
    for row in _all(node, "tr"):
        cells = [c for c in row.children if isinstance(c, Node) and c.tag in ("th", "td")]
        values = [unbroken_ids(runs(c)) for c in cells]
        if not header and all(c.tag == "th" for c in cells):
            header = values
        else:
            rows.append(values)
    if not header and rows:
        header, rows = rows[0], rows[1:]
    return office.Table(header=header, rows=rows, widths=widths(header, rows))


def widths(header: list, rows: list) -> list[float]:
    """Relative column widths from how much each column holds, so a column of long text is
    wide and a column of ids is narrow (but never so narrow that a word breaks)."""
    columns = len(header)
    out = []
    for i in range(columns):
        lengths = [_length(row[i]) for row in rows if i < len(row)] or [0]
        longest_word = max((len(w) for row in [header, *rows] if i < len(row) for w in _words(row[i])), default=4)
        typical = sum(lengths) / len(lengths)
        out.append(max(float(longest_word) + 2, min(typical, 60.0) ** 0.8 + 4))
    return out


def _length(cell: list[office.Run]) -> int:
    return max((len(line) for line in "".join(r.text for r in cell).split("\n")), default=0)


def _words(cell: list[office.Run]) -> list[str]:
    return "".join(r.text for r in cell).split()


def _all(node: Node, tag: str) -> list[Node]:
    found = []
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                found.append(child)
            else:
                found.extend(_all(child, tag))
    return found


def from_html(html: str, replace: dict | None = None, before: dict | None = None) -> list:
    """The blocks of a document from its HTML (see the module's docstring)."""
    replace, before = replace or {}, before or {}
    out: list = []
    pending: str | None = None  # a heading whose next table is replaced
    for node in _flat(parse(html)):
        if node.tag in HEADINGS:
            ident = node.attrs.get("id", "")
            out.extend(before.get(ident, []))
            out.append(office.Heading(_text(node), HEADINGS[node.tag]))
            pending = ident if ident in replace else pending
        elif node.tag == "p":
            if node_runs := runs(node):
                out.append(office.Paragraph(node_runs))
        elif node.tag in ("ul", "ol"):
            items = [runs(li) for li in node.children if isinstance(li, Node) and li.tag == "li"]
            out.append(office.Bullets(items, numbered=node.tag == "ol"))
        elif node.tag == "table":
            if pending:
                out.extend(replace[pending])
                pending = None
            else:
                out.append(_table(node))
    return out


def _flat(root: Node) -> list[Node]:
    """The block elements in document order, looking inside wrappers (article, section, div)."""
    found = []
    for child in root.children:
        if not isinstance(child, Node) or child.tag in SKIPPED:
            continue
        if child.tag in ("article", "section", "div", "main", "body", "html", "root"):
            found.extend(_flat(child))
        else:
            found.append(child)
    return found
