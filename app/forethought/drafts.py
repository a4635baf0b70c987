"""The shape every drafted document shares (the ATRS record, the DPIA), and its Markdown and office files.

A `Draft` is parts; each part holds fields (a label, the words the answers give, and
what the field still asks for), tables and notes. `atrs.py` and `dpia.py` fill one
from a scored assessment and their data files in `reports/`; this module writes it.
Every text in a draft is plain text, user text or not: the Markdown escapes all of it
(`escape.py`) and the office files take it as text (`office.py`), so an answer can
never become a heading, a link or markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import canonical, conditions, documents, escape, resources
from .banks import Library
from .decisions import DECISIONS
from .engine import AssessmentResult

# What each part of an assessment's sign-off (see documents.assessment_schema) is called in a draft.
SIGN_OFF_WORDS = {
    "name": "Signed off by",
    "role": "Role",
    "date": "Date",
    "decision": "Decision",
    "note": "Conditions or comments",
    "dpo_name": "Data protection officer",
    "dpo_date": "Date the data protection officer signed it off",
}
# Marks a field, or its number, that could not be confirmed from the standard's own template.
CHECK_MARK = "†"
FROM_ANSWERS = "from answers"
TO_COMPLETE = "to complete"


@dataclass
class Entry:
    """One field of a form: what the answers say for it, and what it asks for."""

    key: str
    name: str
    prompt: str
    lines: list[str]  # plain text, one paragraph each; empty: nothing from the answers
    sources: list[str]  # the question ids (or "sign-off", "register") the lines came from
    ref: str = ""
    unknown: list[str] = field(default_factory=list)  # questions answered "don't know" or not at all
    check: bool = False

    @property
    def status(self) -> str:
        return FROM_ANSWERS if self.lines else TO_COMPLETE

    @property
    def title(self) -> str:
        """The field's number and name, marked where the field could not be confirmed."""
        title = f"{self.ref} {self.name}" if self.ref else self.name
        return title + (f" {CHECK_MARK}" if self.check else "")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[int] | None = None


@dataclass
class Note:
    """A paragraph the draft itself says; `strong` for a warning that must not be missed."""

    text: str
    strong: bool = False


@dataclass
class Part:
    key: str
    title: str
    items: list = field(default_factory=list)  # Entry, Table and Note, in order
    landscape: bool = False  # wide tables: the office files print this part on A4 landscape


@dataclass
class Draft:
    kind: str
    title: str
    organisation: str
    date: str
    content_hash: str
    intro: list[str]
    parts: list[Part]
    sources: list[dict]

    def entries(self) -> list[Entry]:
        return [item for part in self.parts for item in part.items if isinstance(item, Entry)]


class NotApplicable(Exception):
    """The assessment is not one this draft is made for; the message says why."""


def visible_json(value: Any) -> Any:
    """A draft's JSON form with invisible and control characters taken out of every text."""
    if isinstance(value, str):
        return escape.visible(value)
    if isinstance(value, dict):
        return {k: visible_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [visible_json(v) for v in value]
    return value


@lru_cache(maxsize=4)
def data(name: str) -> dict:
    """A bundled draft definition from `reports/` (checked against its schema by the tests)."""
    return json.loads((resources.reports_dir() / name).read_text(encoding="utf-8"))


def header(doc: dict) -> tuple[str, str, str, str]:
    """The assessment's title, organisation, date and content hash."""
    return (
        str(documents.about(doc, "title") or "Untitled assessment"),
        str(documents.about(doc, "organisation") or "Organisation not given"),
        str(doc.get("assessment_date") or ""),
        canonical.digest(doc),
    )


# --- Filling a field from the answers -------------------------------------------


def fill(filler: dict, doc: dict, library: Library, result: AssessmentResult, shown: dict) -> tuple[list[str], bool]:
    """The lines one source gives a field, and whether it was asked but is still open."""
    if "sign_off" in filler:
        value = (doc.get("sign_off") or {}).get(filler["sign_off"])
        if filler["sign_off"] == "decision":
            value = DECISIONS.get(value, value)
        return ([f"{SIGN_OFF_WORDS[filler['sign_off']]}: {value}"] if value else []), False
    qid = filler["question"]
    question = library.questions.get(qid)
    if question is None or shown.get(qid) is False:
        return [], False  # not in this library, or not asked on these answers
    bank = next((b for b in result.banks if b.id == question.bank_id), None)
    if bank is not None and not bank.applies:
        return [], False
    answer = documents.answer(doc, question.bank_id, qid)
    value = answer.get("value")
    if value is None or _unknown(value):
        return [], True
    label = question.label_of(value)
    words = filler.get("values", {}).get(value) if isinstance(value, str) else None
    if words:  # the answer in the standard's own words, and the answer it came from
        lines = [f"{words} ({question.short}: {label})"]
    elif question.type == "text" and filler.get("bare"):
        lines = [label]
    else:
        lines = [f"{question.short}: {label}"]
    lines += [f"Note: {answer['note']}"] if answer.get("note") else []
    lines += [f"Evidence: {answer['evidence']}"] if answer.get("evidence") else []
    return lines, False


def _unknown(value: Any) -> bool:
    if isinstance(value, list):
        return all(v in conditions.UNKNOWN_VALUES for v in value)
    return value in conditions.UNKNOWN_VALUES


def entry(spec: dict, doc: dict, library: Library, result: AssessmentResult, shown: dict) -> Entry:
    """A field filled from every answer its definition names."""
    lines: list[str] = []
    sources: list[str] = []
    unknown: list[str] = []
    fillers = spec.get("from", [])
    for filler in fillers:
        if "register" in filler:
            continue  # filled by the caller, from the scored register
        # A field filled by one text answer takes the words as they are ("Name": the project's name).
        filler = {**filler, "bare": len(fillers) == 1}
        got, open_ = fill(filler, doc, library, result, shown)
        name = filler.get("question") or "sign-off"
        if got:
            lines += got
            sources += [name] if name not in sources else []
        elif open_:
            unknown.append(f"{library.questions[name].short} ({name})")
    return Entry(
        key=spec.get("attribute") or spec["id"],
        name=spec["name"],
        prompt=spec["prompt"],
        lines=lines,
        sources=sources,
        ref=spec.get("ref", ""),
        unknown=unknown,
        check=bool(spec.get("check")),
    )


# --- Markdown -------------------------------------------------------------------


def markdown(draft: Draft) -> str:
    """The draft as Markdown: every text escaped, all the syntax ours."""
    out = [f"# {escape.one_line(draft.title)}", ""]
    out += [f"{escape.md(line)}\n" for line in draft.intro]
    for part in draft.parts:
        out += [f"## {escape.one_line(part.title)}", ""]
        for item in part.items:
            out += _md_item(item)
    if draft.sources:
        out += ["## Sources", ""]
        out += [f"- {_md_source(s)}" for s in draft.sources]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_item(item) -> list[str]:
    if isinstance(item, Note):
        text = escape.md(item.text)
        return [f"**{text}**" if item.strong else text, ""]
    if isinstance(item, Table):
        return _md_table(item)
    title = item.title
    out = [f"### {escape.one_line(title)}", ""]
    if item.lines:
        out += [f"{escape.md(line)}\n" for line in item.lines]
        out += [f"*Check and add:* {escape.md(item.prompt)}", ""]
    else:
        out += [f"**To complete.** {escape.md(item.prompt)}", ""]
    if item.unknown:
        out += [f"*Still open in the assessment:* {escape.md(', '.join(item.unknown))}", ""]
    return out


def _md_table(table: Table) -> list[str]:
    out = ["| " + " | ".join(escape.cell(h) for h in table.header) + " |"]
    out.append("|" + "---|" * len(table.header))
    out += ["| " + " | ".join(escape.cell(c) for c in row) + " |" for row in table.rows]
    return out + [""]


def _md_source(source: dict) -> str:
    text = f"{escape.one_line(source['publisher'])}, *{escape.one_line(source['title'])}* ({source['date']})"
    if source.get("url"):
        text += f": {escape.link(source['url'])}"
    return text + (f". {escape.one_line(source['note'])}" if source.get("note") else "")


# --- Word and OpenDocument ------------------------------------------------------


def office_document(draft: Draft, subject: str):
    """The draft as the office module's neutral document (write it with office.docx or office.odt)."""
    from . import office

    blocks: list = [office.Heading(draft.title, 1)]
    blocks += [office.Paragraph(line) for line in draft.intro]
    landscape = False
    for part in draft.parts:
        if part.landscape != landscape:
            landscape = part.landscape
            blocks.append(office.Page(landscape=landscape))
        blocks.append(office.Heading(part.title, 1))
        for item in part.items:
            blocks += _office_item(office, item)
    if draft.sources:
        blocks.append(office.Heading("Sources", 1))
        blocks.append(office.Bullets([_plain_source(s) for s in draft.sources]))
    return office.Document(
        title=draft.title,
        organisation=draft.organisation,
        date=draft.date,
        content_hash=draft.content_hash,
        subject=subject,
        blocks=blocks,
    )


def _office_item(office, item) -> list:
    if isinstance(item, Note):
        return [office.Paragraph(office.Run(item.text, bold=item.strong))]
    if isinstance(item, Table):
        return [office.Table(header=item.header, rows=item.rows, widths=item.widths)]
    title = item.title
    out: list = [office.Heading(title, 2)]
    if item.lines:
        out += [office.Paragraph(line) for line in item.lines]
        out.append(office.Paragraph([office.Run("Check and add: ", italic=True), item.prompt]))
    else:
        out.append(office.Paragraph([office.Run("To complete. ", bold=True), item.prompt]))
    if item.unknown:
        out.append(
            office.Paragraph(office.Run("Still open in the assessment: " + ", ".join(item.unknown), italic=True))
        )
    return out


def _plain_source(source: dict) -> str:
    text = f"{source['publisher']}, {source['title']} ({source['date']})"
    text += f": {source['url']}" if source.get("url") else ""
    return text + (f". {source['note']}" if source.get("note") else "")


def offered(scored, formats: dict[str, tuple[str, ...]]) -> list[tuple[str, tuple[str, ...]]]:
    """The drafts a scored version can make, each with the formats `formats` allows for it:
    an ATRS record where the algorithm bank applies, a DPIA unless no personal data is used."""
    from . import atrs, dpia  # they build on this module

    def find() -> list[tuple[str, tuple[str, ...]]]:
        found = []
        if atrs.applies(scored):
            found.append(("atrs", formats.get("atrs", ())))
        if dpia.applies(scored) is not False:
            found.append(("dpia", formats.get("dpia", ())))
        return [(kind, fmts) for kind, fmts in found if fmts]

    return scored.once(("drafts offered", tuple(sorted(formats.items()))), find)
