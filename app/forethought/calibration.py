"""Calibration: do the ratings agree with what a careful reviewer expects?

A calibration case is a dossier (`examples/calibration/<id>.json`): the facts of a
real purchase from public documents, their sources, and the rating a reviewer
gives each bank and the whole purchase, written before the answers were filled
in. Its `assessment` names an ordinary assessment file answered from those
facts. This module scores each case and compares the reading on what the team
has told us (the established reading) with the expectation; `not_applicable`
counts as one band below the lowest rating.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import documents, engine
from .banks import Library
from .escape import cell

NOT_APPLICABLE = "not_applicable"
KINDS = ("routine", "between", "critical")


@dataclass
class Case:
    id: str
    path: Path
    dossier: dict

    @property
    def title(self) -> str:
        return self.dossier["title"]

    @property
    def assessment_path(self) -> Path:
        return (self.path.parent / self.dossier["assessment"]).resolve()


@dataclass
class Outcome:
    case: Case
    expected: dict  # {"overall": rating, "banks": {bank id: rating}}
    got: dict  # the same shape, from the established reading
    cautious: dict
    settled: bool
    open_answers: int
    problems: list[str] = field(default_factory=list)


def load_cases(folder: Path) -> list[Case]:
    """Every dossier in a folder, by id."""
    cases = []
    for path in sorted(folder.glob("*.json")):
        dossier = json.loads(path.read_text(encoding="utf-8"))
        cases.append(Case(dossier["id"], path, dossier))
    return cases


def rank(rating: str, library: Library) -> int:
    return -1 if rating == NOT_APPLICABLE else library.method.rank(rating)


def outcome(case: Case, library: Library) -> Outcome:
    doc = documents.load(case.assessment_path, library)
    result = engine.score(doc, library)
    waiting = [bank.id for bank in result.banks if bank.settle_first]
    if waiting:
        # Rate what the form would have collected: it does not ask a bank's questions while
        # the profile leaves open whether the bank applies.
        for bank_id in waiting:
            doc["banks"].get(bank_id, {}).pop("answers", None)
        result = engine.score(doc, library)
    got = {"overall": result.overall["established"]["residual"] or NOT_APPLICABLE, "banks": {}}
    cautious = {"overall": result.overall["residual"] or NOT_APPLICABLE, "banks": {}}
    for bank in result.banks:
        if bank.kind != "risk":
            continue
        # A bank, or its risks, the team cannot yet say apply is compared at its floor were it to
        # apply: the reviewer rates the area as the record shows it, the team may not know it yet.
        got["banks"][bank.id] = (
            (bank.highest_if_arises["residual"] or NOT_APPLICABLE) if bank.applies else NOT_APPLICABLE
        )
        cautious["banks"][bank.id] = (bank.highest["residual"] or NOT_APPLICABLE) if bank.applies else NOT_APPLICABLE
    expected = case.dossier["expected"]
    return Outcome(
        case,
        {"overall": expected["overall"], "banks": dict(expected["banks"])},
        got,
        cautious,
        result.overall["settled"],
        len(result.answer_next),
    )


@dataclass
class Agreement:
    cases: int
    overall_exact: int
    overall_within_one: int
    bank_ratings: int
    bank_within_one: int
    bank_exact: int
    got_low: int
    got_critical: int
    expected_low: int
    expected_critical: int

    def share(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0


def agreement(outcomes: list[Outcome], library: Library) -> Agreement:
    def gap(a: str, b: str) -> int:
        return abs(rank(a, library) - rank(b, library))

    bank_pairs = [(o.expected["banks"][b], o.got["banks"][b]) for o in outcomes for b in o.expected["banks"]]
    return Agreement(
        cases=len(outcomes),
        overall_exact=sum(o.expected["overall"] == o.got["overall"] for o in outcomes),
        overall_within_one=sum(gap(o.expected["overall"], o.got["overall"]) <= 1 for o in outcomes),
        bank_ratings=len(bank_pairs),
        bank_within_one=sum(gap(e, g) <= 1 for e, g in bank_pairs),
        bank_exact=sum(e == g for e, g in bank_pairs),
        got_low=sum(o.got["overall"] == "low" for o in outcomes),
        got_critical=sum(o.got["overall"] == library.method.top.id for o in outcomes),
        expected_low=sum(o.expected["overall"] == "low" for o in outcomes),
        expected_critical=sum(o.expected["overall"] == library.method.top.id for o in outcomes),
    )


def _short(rating: str) -> str:
    return {"not_applicable": "n/a", "low": "Low", "medium": "Med", "high": "High", "critical": "Crit"}.get(
        rating, rating
    )


def table(outcomes: list[Outcome], library: Library) -> str:
    """The agreement table as Markdown: expected and got, overall and per bank."""
    bank_ids = [b.id for b in library.banks]
    head = "| Case | Overall: expected | got | if unknowns go badly | " + " | ".join(bank_ids) + " |"
    lines = [head, "|" + "---|" * (4 + len(bank_ids))]
    for o in outcomes:
        mark = (
            ""
            if o.expected["overall"] == o.got["overall"]
            else (" ~" if abs(rank(o.expected["overall"], library) - rank(o.got["overall"], library)) <= 1 else " ✗")
        )
        cells = []
        for b in bank_ids:
            e, g = o.expected["banks"].get(b), o.got["banks"].get(b, "?")
            # A bank added after the case was written has no expectation: shown, not compared.
            cells.append(_short(g) if e in (None, g) else f"{_short(g)} (exp. {_short(e)})")
        lines.append(
            f"| {cell(o.case.id)} | {_short(o.expected['overall'])} | {_short(o.got['overall'])}{mark} | "
            f"{_short(o.cautious['overall'])}{'' if o.settled else ', not settled'} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def summary(a: Agreement) -> str:
    pct = lambda part, whole: f"{100 * a.share(part, whole):.0f}%"  # noqa: E731
    return (
        f"{a.cases} cases. Overall rating on what the team has told us: exactly as expected in "
        f"{a.overall_exact} ({pct(a.overall_exact, a.cases)}), within one band in {a.overall_within_one} "
        f"({pct(a.overall_within_one, a.cases)}). Bank ratings: {a.bank_within_one} of {a.bank_ratings} within one "
        f"band ({pct(a.bank_within_one, a.bank_ratings)}), {a.bank_exact} exact ({pct(a.bank_exact, a.bank_ratings)}). "
        f"Rated Low overall: {a.got_low} (expected {a.expected_low}); Critical: {a.got_critical} "
        f"(expected {a.expected_critical})."
    )


def document(outcomes: list[Outcome], library: Library) -> str:
    """docs/calibration.md: case, sources, expected and got."""
    a = agreement(outcomes, library)
    out = [
        "# Calibration against the public record",
        "",
        "This page is generated by `forethought calibrate --markdown` from the cases in `examples/calibration/`;",
        "a test fails when it is stale. Each case's expected ratings were written from its public sources and",
        'committed before the engine and bank changes meant to meet them. "Got" is the reading on what the team',
        "has told us (the established reading); the reading if the unknowns go badly is shown beside it.",
        "A bank the team cannot yet say applies (or whose risks may not arise) is compared at its floor were it",
        "to apply; the overall rating counts only what is established. `n/a`: the bank does not apply.",
        "`~`: one band out. `✗`: more than one band out.",
        "",
        summary(a),
        "",
        table(outcomes, library),
        "",
        "## The cases",
        "",
    ]
    for o in outcomes:
        d = o.case.dossier
        out.append(f"### {cell(d['title'])}")
        out.append("")
        buyer = f"{d['buyer']}, " if d.get("buyer") else ""
        out.append(
            f"`{d['id']}`: {cell(buyer)}{d.get('year', '')}. Expected **{_short(o.expected['overall'])}**, "
            f"got **{_short(o.got['overall'])}** on what the team has told us "
            f"({_short(o.cautious['overall'])} if the unknowns go badly; "
            f"{o.open_answers} open {'answer' if o.open_answers == 1 else 'answers'} could move a rating)."
        )
        out.append("")
        reason = d["expected"].get("reasons", {}).get("overall")
        if reason:
            out.append(f"Reviewer: {cell(reason)}")
            out.append("")
        if d.get("fictional"):
            out.append("A fictional worked example; it cites no sources.")
        for s in d.get("sources", []):
            url = f" <{s['url']}>" if s.get("url") else ""
            out.append(f"- {cell(s['title'])}, {cell(s['publisher'])}, {s.get('date', 'undated')}.{url}")
        for change in d.get("changes", []):
            out.append(f"- Expectation changed on {change['date']}: {cell(change['why'])}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
