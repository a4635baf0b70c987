"""Question banks as plain objects: the model every other module reads.

A bank is built from a JSON file that has passed its schema and the checks in
`checks.py`; `loading.py` reads the files and assembles a `Library`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import conditions
from .canonical import digest, without_schema_key
from .method import ScoringMethod

YES_NO = ("yes", "no")
CHOICE_TYPES = ("single_choice", "multiple_choice", "yes_no")


# --- The model -------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    bank_id: str
    section_id: str
    type: str
    prompt: str
    short: str
    hint: str | None
    required: bool
    show_when: dict | None
    evidence: str | None
    bidder_question: str | None
    sources: tuple[str, ...]
    options: tuple[Option, ...]
    dont_know: bool
    not_decided: bool = False
    multiline: bool = False
    max_length: int | None = None
    item_pattern: str | None = None
    item_pattern_message: str | None = None
    max_items: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    unit: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """Every value an answer may hold, "don't know" included where offered."""
        base: tuple[str, ...]
        if self.type == "yes_no":
            base = YES_NO
        else:
            base = tuple(o.value for o in self.options)
        return (
            base
            + ((conditions.DONT_KNOW,) if self.dont_know else ())
            + ((conditions.NOT_DECIDED,) if self.not_decided else ())
        )

    def label_of(self, value: Any) -> str:
        """The words a person chose, for any stored value."""
        if value is None:
            return "not answered"
        if isinstance(value, list):
            if self.type == "multiple_choice":
                return "; ".join(self.label_of(v) for v in value)
            return "; ".join(str(v) for v in value)
        if value == conditions.DONT_KNOW and self.dont_know:
            return "Don't know"
        if value == conditions.NOT_DECIDED and self.not_decided:
            return "Not decided yet: ask bidders"
        if self.type == "yes_no":
            return {"yes": "Yes", "no": "No"}.get(value, str(value))
        for option in self.options:
            if option.value == value:
                return option.label
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value} {self.unit}" if self.unit else str(value)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str | None
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str | None = None
    date: str | None = None
    note: str | None = None
    checked: str | None = None  # when someone last checked it still says what the bank relies on


@dataclass(frozen=True)
class Driver:
    question: str
    points: dict | None
    bands: tuple[tuple[float, int], ...]  # for a number question; () when points are given
    when: dict | None
    note: str | None

    @property
    def max_points(self) -> int:
        if self.points is not None:
            return max(self.points.values())
        return max(points for _, points in self.bands)


@dataclass(frozen=True)
class Factor:
    base: int
    drivers: tuple[Driver, ...]
    note: str | None = None


@dataclass(frozen=True)
class RedFlag:
    id: str
    when: dict
    reason: str
    cleared_by: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Risk:
    id: str
    bank_id: str
    title: str
    category: str | None
    cause: str
    event: str
    effect: str
    harmed: str
    applies_when: dict | None
    likelihood: Factor
    impact: Factor
    red_flags: tuple[RedFlag, ...]
    sources: tuple[str, ...]
    statement: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "statement",
            (
                f"Because {_lower_first(self.cause)}, there is a risk that "
                f"{_lower_first(self.event)}, leading to {_lower_first(self.effect)}"
            ),
        )


@dataclass(frozen=True)
class Lowering:
    risk: str
    likelihood: int
    impact: int


@dataclass(frozen=True)
class Mitigation:
    id: str
    bank_id: str
    action: str
    where: str  # "contract" or "governance"
    applies_when: dict | None
    in_place_when: dict | None
    lowers: tuple[Lowering, ...]
    sources: tuple[str, ...]

    def lowering_for(self, risk_id: str) -> Lowering | None:
        for lowering in self.lowers:
            if lowering.risk == risk_id:
                return lowering
        return None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Bank:
    id: str
    kind: str  # "profile" or "risk"
    prefix: str
    title: str
    version: str
    summary: str
    applies_when: dict | None
    not_applicable_reason: str | None
    sources: dict[str, Source]
    sections: tuple[Section, ...]
    questions: dict[str, Question]
    risks: tuple[Risk, ...]
    mitigations: tuple[Mitigation, ...]
    path: str
    content_hash: str
    data: dict = field(repr=False, compare=False)
    changelog: tuple[dict, ...] = ()  # {"version", "date", "changes"}, newest first

    def mitigations_for(self, risk_id: str) -> list[Mitigation]:
        return [m for m in self.mitigations if m.lowering_for(risk_id)]

    def counts(self) -> dict:
        return {
            "questions": len(self.questions),
            "risks": len(self.risks),
            "mitigations": len(self.mitigations),
            "sources": len(self.sources),
            "red_flags": sum(len(r.red_flags) for r in self.risks),
        }


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Library:
    """The banks an assessment is scored against: the project profile, the
    risk banks (sorted by id) and the scoring method."""

    profile: Bank
    banks: tuple[Bank, ...]
    method: ScoringMethod
    questions: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Question] = {}
        for bank in self.all_banks:
            index.update(bank.questions)
        object.__setattr__(self, "questions", index)

    @property
    def all_banks(self) -> tuple[Bank, ...]:
        return (self.profile,) + self.banks

    def bank(self, bank_id: str) -> Bank:
        for bank in self.all_banks:
            if bank.id == bank_id:
                return bank
        raise KeyError(bank_id)


def _lower_first(text: str) -> str:
    text = text.strip().rstrip(".")
    # Keep acronyms and names ("ICO", "DPIA") as written.
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def content_hash(data: dict) -> str:
    """The digest of the bank's canonical JSON, so a register pins the exact method."""
    return digest(without_schema_key(data))


# --- Building the model from checked data ----------------------------------


def build_bank(data: dict, name: str) -> Bank:
    """The model of a bank that passed every check."""
    bank_id = data["id"]
    questions: dict[str, Question] = {}
    sections = []
    for section in data["sections"]:
        for q in section["questions"]:
            questions[q["id"]] = Question(
                id=q["id"],
                bank_id=bank_id,
                section_id=section["id"],
                type=q["type"],
                prompt=q["prompt"],
                short=q.get("short", q["prompt"]),
                hint=q.get("hint"),
                required=q.get("required", False),
                show_when=q.get("show_when"),
                evidence=q.get("evidence"),
                bidder_question=q.get("bidder_question"),
                sources=tuple(q.get("sources", [])),
                options=tuple(Option(o["value"], o["label"], o.get("hint")) for o in q.get("options", [])),
                dont_know=q.get("dont_know", False),
                not_decided=q.get("not_decided", False),
                multiline=q.get("multiline", False),
                max_length=q.get("max_length"),
                item_pattern=q.get("item_pattern"),
                item_pattern_message=q.get("item_pattern_message"),
                max_items=q.get("max_items"),
                minimum=q.get("minimum"),
                maximum=q.get("maximum"),
                integer=q.get("integer", False),
                unit=q.get("unit"),
            )
        sections.append(
            Section(section["id"], section["title"], section.get("intro"), tuple(q["id"] for q in section["questions"]))
        )

    def factor(f: dict) -> Factor:
        return Factor(
            f["base"],
            note=f.get("note"),
            drivers=tuple(
                Driver(
                    d["question"],
                    d.get("points"),
                    tuple((b["at_least"], b["points"]) for b in d.get("bands", ())),
                    d.get("when"),
                    d.get("note"),
                )
                for d in f["drivers"]
            ),
        )

    risks = tuple(
        Risk(
            id=r["id"],
            bank_id=bank_id,
            title=r["title"],
            category=r.get("category"),
            cause=r["cause"],
            event=r["event"],
            effect=r["effect"],
            harmed=r["harmed"],
            applies_when=r.get("applies_when"),
            likelihood=factor(r["likelihood"]),
            impact=factor(r["impact"]),
            red_flags=tuple(
                RedFlag(f["id"], f["when"], f["reason"], tuple(f.get("cleared_by", [])), tuple(f.get("sources", [])))
                for f in r.get("red_flags", [])
            ),
            sources=tuple(r.get("sources", [])),
        )
        for r in data.get("risks", [])
    )
    mitigations = tuple(
        Mitigation(
            id=m["id"],
            bank_id=bank_id,
            action=m["action"],
            where=m["where"],
            applies_when=m.get("applies_when"),
            in_place_when=m.get("in_place_when"),
            lowers=tuple(Lowering(x["risk"], x.get("likelihood", 0), x.get("impact", 0)) for x in m["lowers"]),
            sources=tuple(m.get("sources", [])),
        )
        for m in data.get("mitigations", [])
    )
    return Bank(
        id=bank_id,
        kind=data["kind"],
        prefix=data["prefix"],
        title=data["title"],
        version=data["version"],
        summary=data["summary"],
        applies_when=data.get("applies_when"),
        not_applicable_reason=data.get("not_applicable_reason"),
        sources={
            s["id"]: Source(
                s["id"], s["title"], s["publisher"], s.get("url"), s.get("date"), s.get("note"), s.get("checked")
            )
            for s in data["sources"]
        },
        sections=tuple(sections),
        questions=questions,
        risks=risks,
        mitigations=mitigations,
        path=name,
        content_hash=content_hash(data),
        data=data,
        changelog=tuple(data.get("changelog", [])),
    )
