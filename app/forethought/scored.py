"""One version of an assessment, scored once.

A `Scored` holds a checked document, the library it was scored with and the
result. What is made from them (the register's context, its Markdown, its
HTML) is made the first time it is asked for and kept, so a page that shows
a version that has not changed repeats no work. The web app's cache, the
public pages, the review pages and the static site all read these."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from . import engine, heatmap, office, outputs, register
from .banks import Library
from .engine import AssessmentResult


@dataclass
class Scored:
    doc: dict
    library: Library
    result: AssessmentResult
    _made: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def score(cls, doc: dict, library: Library) -> Scored:
        return cls(doc, library, engine.score(doc, library))

    def once(self, name: Hashable, make: Callable[[], Any]) -> Any:
        """`make()`'s value, made on the first call for this name and kept."""
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def context(self) -> dict:
        """What the register templates read."""
        return self.once("context", lambda: register.context(self.doc, self.result, self.library))

    def register(self) -> str:
        """The register's Markdown."""
        return self.once("register", lambda: register.markdown(self.doc, self.result, self.library))

    def heatmap(self) -> heatmap.Picture:
        """The heat map picture's layout, for its SVG and its PNG."""
        return self.once("heatmap", lambda: heatmap.layout(self.context()))

    def heatmap_svg(self) -> str:
        """The heat map as an SVG file."""
        return self.once("heatmap.svg", lambda: heatmap.svg(self.heatmap(), standalone=True))

    def heatmap_png(self) -> bytes:
        """The heat map as a PNG file."""
        return self.once("heatmap.png", lambda: heatmap.png(self.heatmap()))

    def heatmap_figure(self, prefix: str = "heatmap") -> Markup:
        """The heat map picture with its caption, for a page; `prefix` keeps its ids unique there."""
        return self.once(("heatmap figure", prefix), lambda: outputs.figure(self, prefix))

    def register_html(self) -> Markup:
        """The register as HTML for a page, with the heat map as a picture."""
        return self.once("register_html", lambda: outputs.html_fragment(self))

    def register_page(self) -> str:
        """The register as an HTML file that stands alone."""
        return self.once("register.html", lambda: outputs.html_page(self))

    def register_document(self) -> office.Document:
        """The register as an office document, for Word and OpenDocument."""
        return self.once("register document", lambda: outputs.office_document(self))

    def register_docx(self) -> bytes:
        return self.once("register.docx", lambda: outputs.docx(self))

    def register_odt(self) -> bytes:
        return self.once("register.odt", lambda: outputs.odt(self))


@dataclass(frozen=True)
class Output:
    """One file made from a scored version: what its name starts with, its media type, and how
    it is made (once per version, through the Scored)."""

    stem: str
    media_type: str
    make: Callable[[Scored], str | bytes]


# Every register file and picture made from one version, by extension: the results page, the
# public pages, the static site and `forethought register` all offer these.
OUTPUTS = {
    "md": Output("register", "text/markdown", Scored.register),
    "csv": Output("register", "text/csv", lambda s: register.csv_text(s.result)),
    "html": Output("register", "text/html", Scored.register_page),
    "docx": Output("register", office.DOCX_TYPE, Scored.register_docx),
    "odt": Output("register", office.ODT_TYPE, Scored.register_odt),
    "svg": Output("heatmap", "image/svg+xml", Scored.heatmap_svg),
    "png": Output("heatmap", "image/png", Scored.heatmap_png),
}
