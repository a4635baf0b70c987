"""Labels, not codes: how a stored id or value reads to a person.

The history keeps what changed as data (an item id, a field, the values before and after);
the pages say it in words: "PR-17 Part in decisions, answer: Don't know → It gives
information that people use", a mitigation by its action, a decision by its label, a
date as "1 April 2027". What a review note is about is named by its risk or question."""

from __future__ import annotations

from typing import Any

from .. import dates
from ..banks import Library, Question
from ..decisions import DECISIONS

MITIGATION_STATUSES = {
    "recommended": "Recommended, not yet decided",
    "planned": "Planned",
    "in_place": "In place",
    "declined": "Declined",
}
TREATMENTS = {
    "treat": "Treat: put mitigations in place",
    "tolerate": "Tolerate: accept it as it is",
    "transfer": "Transfer: share it, for example by contract or insurance",
    "terminate": "Terminate: stop the activity that causes it",
}
FIELDS = {
    "value": "answer",
    "evidence": "evidence",
    "note": "note",
    "status": "decision",
    "owner": "owner",
    "due": "due date",
    "review_date": "review date",
    "treatment": "treatment",
    "decision": "decision",
    "name": "name",
    "role": "role",
    "date": "date",
    "dpo_name": "data protection officer",
    "dpo_date": "data protection officer's date",
}
_DATE_FIELDS = {"due", "review_date", "date", "dpo_date"}
_CODED = {"status": MITIGATION_STATUSES, "treatment": TREATMENTS, "decision": DECISIONS}


def answer_text(question: Question | None, value: Any) -> str:
    """An answer as the person chose it; a date as "1 April 2027"."""
    if question is None:
        return str(value)
    if question.type == "date" and isinstance(value, str):
        return dates.long_date(value)
    return question.label_of(value)


def item_label(library: Library, bank_id: str, item: str) -> str:
    """A question, risk or mitigation by its id and words; the sign-off as "Sign-off"."""
    if item == "sign_off":
        return "Sign-off"
    question = library.questions.get(item)
    if question is not None:
        return f"{item} {question.short}"
    try:
        bank = library.bank(bank_id)
    except KeyError:
        return item
    for risk in bank.risks:
        if risk.id == item:
            return f"{item} {risk.title}"
    for mitigation in bank.mitigations:
        if mitigation.id == item:
            return f"{item} {mitigation.action}"
    return item


def value_text(library: Library, change: dict, value: Any) -> str | None:
    """One side of a change in words, or None for nothing."""
    if value is None:
        return None
    field = change.get("field")
    question = library.questions.get(change.get("item", ""))
    if question is not None and field == "value":
        return answer_text(question, value)
    if field in _CODED:
        return _CODED[field].get(value, str(value))
    if field in _DATE_FIELDS:
        return dates.long_date(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def change_rows(library: Library, changes: list[dict]) -> list[dict]:
    """The history's changes in words: what, which field, before and after (None: nothing)."""
    return [
        {
            "item": item_label(library, c.get("bank", ""), c.get("item", "")),
            "field": FIELDS.get(c.get("field", ""), c.get("field", "")),
            "before": value_text(library, c, c.get("before")),
            "after": value_text(library, c, c.get("after")),
        }
        for c in changes
    ]


def target_choices(targets: list[str], risks: dict[str, str], questions: dict[str, Question]) -> list[tuple]:
    """What a review note can be about, each with its words: (value, label)."""
    out = []
    for t in targets:
        if t == "general":
            out.append((t, "The assessment as a whole"))
        elif t in risks:
            out.append((t, f"Risk {t}: {risks[t]}"))
        elif t in questions:
            out.append((t, f"Question {t}: {questions[t].short}"))
        else:
            out.append((t, t))
    return out
