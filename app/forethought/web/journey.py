"""The questionnaire journey as plain functions: which pages come in which
order, what each page shows, what a save changes. No Flask here, so every
rule can be tested directly; the views only call these."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from .. import documents, engine
from ..banks import Bank, Library, Section
from ..canonical import digest
from ..engine import AssessmentResult, BankResult

STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "completed": "Completed",
    "cannot_start": "Cannot start yet",
    "not_applicable": "Not needed",
}


@dataclass
class Task:
    bank: Bank
    result: BankResult
    href_section: str  # the section to open: the first with something unanswered

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.result.status]


def form_visibility(doc: dict, library: Library) -> dict[str, bool | None]:
    """Which questions the forms ask now: a follow-up appears once the question it depends on
    is answered (or answered "don't know"). The journey's functions below all read this."""
    return engine.visibility(doc, library, for_form=True)


def tasks(library: Library, result: AssessmentResult, visible: dict[str, bool | None]) -> list[Task]:
    """The profile and every bank, each pointing at its first section with a gap."""
    out = []
    for bank in library.all_banks:
        bank_result = result.bank(bank.id)
        unanswered = {q.id for q in bank_result.unanswered if visible[q.id] is not False}
        target = next((s.id for s in bank.sections if unanswered & set(s.question_ids)), bank.sections[0].id)
        out.append(Task(bank, bank_result, target))
    return out


def summary(doc: dict, result: AssessmentResult, library: Library) -> dict:
    """The columns the home page lists, so it never has to score 1,000 documents."""
    stage = documents.about(doc, "stage")
    return {
        "title": documents.about(doc, "title"),
        "organisation": documents.about(doc, "organisation"),
        "stage": documents.stage_question(library).label_of(stage) if stage else None,
        "status": result.status,
        "rating": result.overall.get("rating"),
        # "none" when nothing is established yet, to tell it from a record saved before the two readings.
        "established_rating": result.overall["established"]["residual"] or "none",
    }


# A "don't know" that could move this many risks on its own is worth a warning when it is given.
MANY_RISKS = 5


@dataclass
class Progress:
    """How far through the questions that apply a person is."""

    answered: int
    shown: int
    banks_done: int
    banks: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.shown) if self.shown else 100


def progress(result: AssessmentResult) -> Progress:
    """Questions answered ("don't know" counts) of those the banks that apply now ask."""
    applying = [b for b in result.banks if b.applies]
    return Progress(
        answered=sum(b.answered for b in applying),
        shown=sum(b.questions_shown for b in applying),
        banks_done=sum(b.status == "completed" for b in applying),
        banks=len(applying),
    )


def dont_know_reach(result: AssessmentResult, question_ids: tuple[str, ...]) -> dict[str, int]:
    """Of these questions, those answered "don't know" that could move many risks on their own
    (the engine's "answer these next" ranking): {question id: how many risks}."""
    wanted = set(question_ids)
    out = {}
    for item in result.answer_next:
        reach = max(len(item.moves), len(item.unsettled))
        if item.id in wanted and item.answer != "not answered" and reach >= MANY_RISKS:
            out[item.id] = reach
    return out


def shown_on_form(visible: dict[str, bool | None], section: Section) -> tuple[str, ...]:
    """The questions a section's form asks now, given `form_visibility`."""
    return tuple(qid for qid in section.question_ids if visible[qid] is not False)


def fingerprints(doc: dict, bank_id: str, ids: tuple[str, ...], kind: str = "answers") -> str:
    """What a page was built from, one short hash per item, carried in the form
    so a save can tell which items someone else has changed since."""
    records = doc.get("banks", {}).get(bank_id, {}).get(kind, {})
    return ",".join(f"{i}:{_digest(records.get(i))}" for i in ids)


def _digest(record: dict | None) -> str:
    return digest(record or {}).removeprefix("sha256:")[:12]


def overwritten(
    current: dict, bank_id: str, mine: dict[str, dict], base: str | None, kind: str = "answers"
) -> list[str]:
    """The items this save would overwrite after someone else changed them: saved
    now differs from what the page was built from, and from what this save writes.
    Without a readable fingerprint, every item that differs counts."""
    saved = current.get("banks", {}).get(bank_id, {}).get(kind, {})
    seen = dict(part.split(":", 1) for part in (base or "").split(",") if ":" in part)
    return [i for i, record in mine.items() if saved.get(i, {}) != record and seen.get(i) != _digest(saved.get(i))]


def with_answers(doc: dict, bank: Bank, answers: dict[str, dict]) -> dict:
    """A copy of the document with these answers set (an empty answer removes one)."""
    new = copy.deepcopy(doc)
    entry = new.setdefault("banks", {}).setdefault(bank.id, {"version": bank.version, "answers": {}})
    entry["version"] = bank.version
    stored = entry.setdefault("answers", {})
    for qid, answer in answers.items():
        if answer:
            stored[qid] = answer
        else:
            stored.pop(qid, None)
    return new


def with_records(doc: dict, bank: Bank, kind: str, records: dict[str, dict]) -> dict:
    """A copy with mitigation or risk records set (an empty record removes one)."""
    new = copy.deepcopy(doc)
    entry = new.setdefault("banks", {}).setdefault(bank.id, {"version": bank.version, "answers": {}})
    stored = entry.setdefault(kind, {})
    for key, record in records.items():
        if record:
            stored[key] = record
        else:
            stored.pop(key, None)
    if not stored:
        entry.pop(kind)
    return new


def changes(before: dict, after: dict, bank_id: str, ids: tuple[str, ...], kind: str = "answers") -> list[dict]:
    """Field-level differences for the history: what each item was and became."""
    old = before.get("banks", {}).get(bank_id, {}).get(kind, {})
    new = after.get("banks", {}).get(bank_id, {}).get(kind, {})
    out = []
    for item in ids:
        a, b = old.get(item, {}), new.get(item, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out.append({"bank": bank_id, "item": item, "field": key, "before": a.get(key), "after": b.get(key)})
    return out


def next_section(visible: dict[str, bool | None], bank: Bank, section_id: str) -> str | None:
    """The next section with something to ask, skipping any whose questions
    all depend on answers that rule them out."""
    ids = [s.id for s in bank.sections]
    for section in bank.sections[ids.index(section_id) + 1 :]:
        if shown_on_form(visible, section):
            return section.id
    return None


def previous_section(visible: dict[str, bool | None], bank: Bank, section_id: str) -> str | None:
    ids = [s.id for s in bank.sections]
    for section in reversed(bank.sections[: ids.index(section_id)]):
        if shown_on_form(visible, section):
            return section.id
    return None
