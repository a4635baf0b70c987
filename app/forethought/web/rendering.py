"""Markdown to HTML for the web pages, safely.

Bank hints, intros and the register are Markdown. Banks can come from other
organisations, so raw HTML in them is shown as text, links may only go to
http(s), mailto or within the page, and images become their alt text. User text
in the register is already escaped by `escape.md` before it gets here.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from functools import lru_cache
from types import CodeType

import jinja2
import markdown
from jinja2.bccache import Bucket
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from .. import dates, documents
from ..decisions import DECISIONS
from ..escape import visible
from . import wording

SAFE_SCHEMES = ("https://", "http://", "mailto:", "#")


class _SafeLinks(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "img":
                    index = list(parent).index(child)
                    parent.remove(child)
                    span = etree.Element("span")
                    span.text = child.get("alt", "")
                    span.tail = child.tail
                    parent.insert(index, span)
                elif child.tag == "a":
                    href = child.get("href", "")
                    if not href.lower().startswith(SAFE_SCHEMES):
                        child.attrib.pop("href", None)
                        child.tag = "span"


class SafeMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (the library's name)
        # Raw HTML blocks and inline HTML are escaped, not passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


@lru_cache(maxsize=2048)
def markdown_html(text: str) -> Markup:
    """Bank Markdown (hints, intros, summaries) as safe HTML."""
    return Markup(markdown.markdown(text, extensions=[SafeMarkdown()], output_format="html"))


def register_html(text: str) -> Markup:
    """The register's Markdown as HTML. The register's only raw HTML is the
    <br> the template puts in table cells, so that is the one tag kept."""
    md = markdown.Markdown(extensions=["tables", "toc", SafeMarkdown()], output_format="html")
    html = md.convert(text.replace("<br>", "\u2028"))
    return Markup(html.replace("\u2028", "<br>"))


def when(iso: str | None) -> str:
    """A stored UTC timestamp as "21 Nov 2026, 14:05 UTC"."""
    if not iso:
        return ""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.strftime("%-d %b %Y, %H:%M UTC")


class Shown(Markup):
    """HTML one of our templates made: every value in it has been through `shown` already, so a
    page that prints it again need not look through it again (a kept results body is large)."""


def shown(value: object) -> object:
    """Jinja's finalize for every HTML page, the app's and the static site's: each value a
    template prints has its invisible and control characters taken out (escape.visible)."""
    if isinstance(value, Shown):
        return value
    if isinstance(value, Markup):
        return Markup(visible(value))
    if isinstance(value, str):
        return visible(value)
    return value


class CompiledTemplates(jinja2.BytecodeCache):
    """Each template's compiled code, kept for the life of the process and shared by every
    environment that compiles it alike, so a new app (the test suite makes hundreds) or a
    site build compiles nothing already compiled. Code objects stay in memory: nothing is
    written out or read back in."""

    def __init__(self) -> None:
        self._code: dict[tuple[str, str], CodeType] = {}

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str):
        key = repr((_compiled_alike(environment, name), self.get_cache_key(name, filename)))
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        bucket.code = self._code.get((bucket.key, bucket.checksum))
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[(bucket.key, bucket.checksum)] = bucket.code


def _compiled_alike(environment: jinja2.Environment, name: str) -> tuple:
    """What the compiled code of template `name` depends on besides its source: the
    lexer's settings, extensions, finalize, autoescaping and optimisation."""
    e = environment
    autoescape = e.autoescape(name) if callable(e.autoescape) else e.autoescape
    return (
        e.block_start_string, e.block_end_string, e.variable_start_string, e.variable_end_string,
        e.comment_start_string, e.comment_end_string, e.line_statement_prefix, e.line_comment_prefix,
        e.trim_blocks, e.lstrip_blocks, e.newline_sequence, e.keep_trailing_newline,
        tuple(sorted(e.extensions)), e.finalize, autoescape, e.optimized, e.is_async,
    )  # fmt: skip


# One for the process: the app's environments and the static site's share it.
COMPILED = CompiledTemplates()


def with_design_system(loader: jinja2.BaseLoader) -> jinja2.BaseLoader:
    """Our templates, and GOV.UK Frontend's own macros under "govuk_frontend_jinja/", for the app
    and the static site alike."""
    frontend = jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")})
    return jinja2.ChoiceLoader([loader, frontend])


# What every template may use, in the app and in the static site alike.
FILTERS = {"markdown": markdown_html, "when": when, "date": dates.long_date}
GLOBALS = {"about": documents.about, "answer_text": wording.answer_text, "decisions": DECISIONS}
