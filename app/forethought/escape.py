"""Escaping user text for every place it goes: Markdown, table cells, CSV, file names.

User text (answers, notes, evidence, owners) must come out as text: it must not
break a table, start a heading, make a link or an image, or carry HTML. Bank
text is trusted Markdown written by bank authors and is marked with `Markdown`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Characters that change meaning anywhere in a line (code, emphasis, links,
# table cells, strikethrough, maths on GitHub). Block markers ("#", "-", "+",
# "=", "1.") matter only at the start of a line and are escaped only there, so
# ordinary prose such as "well-known" or dates stays readable in the raw file.
_BACKSLASHED = set("\\`*_[]|~$")
# A CommonMark block marker at the start of a line: heading, list item,
# setext underline or thematic break. "1.0.0", "-1" and "#1" are not markers.
_LINE_START = re.compile(
    r"^([ \t]*)(#{1,6}(?=[ \t]|$)|[-+](?=[ \t]|$)|=+(?=[ \t]*$)|-{2,}(?=[ \t-]*$)|\d{1,9}[.)](?=[ \t]|$))",
    re.MULTILINE,
)
_MARKER_STARTS = frozenset("#+-=0123456789 \t")
_SAFE_URL = re.compile(r"^https://[^\s<>\\`]+$")
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www)([.:])")
_TRANSLATION = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in _BACKSLASHED}})
# Any character _TRANSLATION changes. Most text has none, and finding that out
# costs a fraction of translating it character by character.
_TRANSLATED = re.compile("[" + re.escape("&<>" + "".join(sorted(_BACKSLASHED))) + "]")
# Every match of _AUTOLINK ends in one of these once case-folded: IGNORECASE
# matches t, p, s, o and w only to themselves, their capitals and (s) "ſ", all
# of which casefold() turns back into them (tests/test_escape_speed.py checks every
# code point). Looking for them is far cheaper than the case-blind search itself.
_AUTOLINK_ENDS = ("tp:", "tp.", "ps:", "ps.", "to:", "to.", "ww:", "ww.")
# Control characters, and invisible format characters that can reorder or hide
# text (bidirectional overrides, zero-width joiners, byte-order marks).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


class Markdown(str):
    """Text already safe to put into Markdown as it is."""


# Within `remembering()`, each text escaped so far: a register prints the same
# bank text and answers many times over. Held per context (so per thread and per
# render) and dropped when the render ends, so no text outlives it.
_REMEMBERED: ContextVar[dict[str, Markdown] | None] = ContextVar("forethought_escaped", default=None)


@contextmanager
def remembering() -> Iterator[None]:
    """Escape each distinct text once inside the block; `md` gives the same result either way."""
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def md(text: object) -> Markdown:
    """Escape text so Markdown (GitHub-flavoured or Python-Markdown) shows it literally."""
    if isinstance(text, Markdown):
        return text
    remembered = _REMEMBERED.get()
    if remembered is None or type(text) is not str:
        return _md(text)
    found = remembered.get(text)
    if found is None:
        found = remembered[text] = _md(text)
    return found


def _md(text: object) -> Markdown:
    text = _strip_controls("" if text is None else str(text))
    escaped = text.translate(_TRANSLATION) if _TRANSLATED.search(text) else text
    # Break bare-URL and e-mail autolinks ("https://", "www.", "a@b.org"), which
    # GitHub turns into links without any Markdown syntax. The cheap tests skip
    # the regular expressions for the plain prose most text is.
    if "@" in escaped:
        escaped = escaped.replace("@", "&#64;")
    # In any mix of case ("wWw." autolinks as "www." does); every autolink the pattern breaks
    # ends in "." or ":", so text with neither is skipped.
    if ("." in escaped or ":" in escaped) and _may_autolink(escaped):
        escaped = _AUTOLINK.sub(r"\1\\\2", escaped)
    if "\n" in escaped or escaped[:1] in _MARKER_STARTS:
        escaped = _LINE_START.sub(_escape_marker, escaped)
    return Markdown(escaped)


def _may_autolink(text: str) -> bool:
    """False where _AUTOLINK cannot match, so it need not search."""
    folded = text.casefold()
    return any(end in folded for end in _AUTOLINK_ENDS)


def _escape_marker(match: re.Match) -> str:
    marker = match.group(2)
    if marker[0].isdigit():
        return match.group(1) + marker[:-1] + "\\" + marker[-1]
    return match.group(1) + "\\" + marker


def link(url: object) -> Markdown:
    """A bank's source address as a Markdown autolink, or escaped text if it is not a plain https address."""
    text = str(url or "")
    if _SAFE_URL.match(text):
        return Markdown(f"<{text}>")
    return md(text)


def cell(text: object) -> Markdown:
    """Text for one GitHub-flavoured Markdown table cell: escaped, on one line."""
    escaped = text if isinstance(text, Markdown) else md(text)
    escaped = escaped.replace("|", "\\|") if isinstance(text, Markdown) else escaped
    if escaped.isprintable():  # the common case: one line (every line break is unprintable)
        return Markdown(escaped.strip() or " ")
    lines = [line.strip() for line in escaped.splitlines() if line.strip()]
    return Markdown("<br>".join(lines) if lines else " ")


def one_line(text: object) -> Markdown:
    """Escaped text with its line breaks folded into spaces (headings, list items)."""
    escaped = md(text)
    if escaped.isprintable():  # the common case: one line (every line break is unprintable)
        return Markdown(escaped.strip())
    return Markdown(" ".join(line.strip() for line in escaped.splitlines() if line.strip()))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value: object) -> str:
    """A value for a CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = _strip_controls(str(value), keep_newlines=True)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START[:4]):
        return "'" + text
    return text


def visible(text: object) -> str:
    """Text with control characters and invisible format characters (bidirectional overrides,
    zero-width characters, NUL, ESC) taken out, tab and line breaks kept: what every form takes
    in and every page, document and picture prints, so no text can be hidden, reordered or made
    to look like other text. None is the empty text."""
    return _strip_controls("" if text is None else str(text))


def filename(text: object, default: str = "assessment", limit: int = 60) -> str:
    """A safe file-name stem: ASCII letters, digits and hyphens only."""
    normalised = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", normalised).strip("-").lower()[:limit].strip("-")
    return stem or default


def _strip_controls(text: str, keep_newlines: bool = True) -> str:
    if text.isprintable():  # the common case: nothing to strip
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    return text if keep_newlines else text.replace("\n", " ")
