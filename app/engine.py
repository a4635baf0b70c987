"""The scoring engine: answers in, scored risks out, with the reasons for every number.

Pure Python: it knows nothing of the web app or the database. For each risk:

- **inherent** likelihood and impact: each is the risk's base plus the points of
  its drivers, kept between 1 and 5; score = likelihood × impact; the rating
  comes from the scoring method's bands;
- **residual**: inherent minus what the mitigations already in place lower;
- **target**: inherent minus what every mitigation the team has not declined lowers;
- **red flags** force the top rating, until a mitigation that clears them is in
  place (residual) or recommended (target).

An unanswered or "don't know" answer is read in the way least favourable to the
public (see `conditions`), and every score that rests on such a reading lists
the questions behind it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from . import assessment as documents
from .banks import Bank, Driver, Factor, Library, Mitigation, Question, Risk
from .conditions import DONT_KNOW, Fact, describe, evaluate, leaves

MIN_LEVEL, MAX_LEVEL = 1, 5


# --- Results -------------------------------------------------------------------


@dataclass
class Reason:
    """One line of working behind a level: where the points came from."""

    text: str
    points: int
    question: str | None = None
    answer: str | None = None
    assumed: bool = False


@dataclass
class Level:
    value: int
    reasons: list[Reason]


@dataclass
class Score:
    likelihood: int
    impact: int
    score: int
    rating: str  # a rating id from the scoring method
    rating_label: str
    forced_by_red_flag: bool = False


@dataclass
class MitigationResult:
    id: str
    action: str
    where: str
    status: str  # in_place, planned, recommended, declined or not_applicable
    in_place_by: str | None  # "answers", "team" or None
    counts_in_residual: bool  # in place, and known to apply
    counts_in_target: bool  # not declined, and known to apply
    lowers_likelihood: int
    lowers_impact: int
    why: str
    assumed: bool = False
    owner: str | None = None
    due: str | None = None
    evidence: list[str] = field(default_factory=list)
    note: str | None = None
    risks: list[str] = field(default_factory=list)


@dataclass
class RedFlagResult:
    id: str
    reason: str
    assumed: bool
    cleared_in_residual: bool
    cleared_in_target: bool
    cleared_by: list[str]
    because: str


@dataclass
class RiskResult:
    id: str
    bank_id: str
    title: str
    category: str | None
    statement: str
    harmed: str
    inherent: Score
    residual: Score
    target: Score
    likelihood: Level
    impact: Level
    mitigations: list[MitigationResult]
    red_flags: list[RedFlagResult]
    assumptions: list[str]
    capped: list[str]  # where the method's limit on lowering applied, in words
    owner: str | None
    review_date: str
    review_date_set_by: str  # "team" or "cadence"
    treatment: str | None
    note: str | None


@dataclass
class QuestionRef:
    id: str
    bank_id: str
    prompt: str
    short: str
    section_id: str
    required: bool
    bidder_question: str | None = None
    answer: str | None = None


@dataclass
class BankResult:
    id: str
    title: str
    kind: str
    version: str
    answered_version: str | None
    content_hash: str
    applies: bool
    applies_assumed: bool
    skip_reason: str | None
    status: str  # not_started, in_progress or completed
    questions_shown: int
    answered: int
    unanswered: list[QuestionRef]
    dont_know: list[QuestionRef]
    bidder_questions: list[QuestionRef]
    risks: list[RiskResult]
    risks_not_applying: list[dict]  # {"id", "title", "because"}
    mitigations: list[MitigationResult]
    counts: dict[str, dict[str, int]]
    highest: dict[str, str | None]


@dataclass
class AssessmentResult:
    assessment_date: str
    method: dict
    banks: list[BankResult]
    overall: dict
    notes: list[str]

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def risks(self) -> list[RiskResult]:
        return [r for b in self.banks for r in b.risks]

    def bank(self, bank_id: str) -> BankResult:
        return next(b for b in self.banks if b.id == bank_id)

    @property
    def status(self) -> str:
        """not_started, in_progress or completed, over the banks that apply."""
        statuses = [b.status for b in self.banks if b.status != "not_applicable"]
        if all(s == "completed" for s in statuses):
            return "completed"
        if all(s == "not_started" for s in statuses):
            return "not_started"
        return "in_progress"


# --- Scoring ---------------------------------------------------------------------


def score(doc: dict, library: Library, today: dt.date | None = None) -> AssessmentResult:
    """Score a checked assessment document (see `assessment.check`)."""
    assessed = doc.get("assessment_date") or (today or dt.date.today()).isoformat()
    facts = _facts(doc, library)
    notes = []
    bank_results = []
    for bank in library.all_banks:
        answered_version = doc.get("banks", {}).get(bank.id, {}).get("version")
        if answered_version and answered_version != bank.version:
            notes.append(f"{bank.title}: answered against version {answered_version}, scored with version {bank.version}.")
        bank_results.append(_score_bank(bank, doc, library, facts, assessed, answered_version))
    return AssessmentResult(
        assessment_date=assessed,
        method={"id": library.method.id, "version": library.method.version, "title": library.method.title,
                "content_hash": library.method.content_hash, "max_lowering": library.method.max_lowering},
        banks=bank_results,
        overall=_overall(bank_results, library),
        notes=notes,
    )


def _facts(doc: dict, library: Library, for_form: bool = False) -> dict[str, Fact]:
    """Visibility and answer of every question, in order, so each condition sees earlier facts.

    For scoring, a question whose condition is unknown counts as shown. A form
    asks such a follow-up only when the unknown comes from a "don't know"; if
    it comes from a question not yet answered, the form waits for that answer."""
    facts: dict[str, Fact] = {}
    fact_of = facts.__getitem__
    for bank in library.all_banks:
        applies = True if bank.applies_when is None else evaluate(bank.applies_when, fact_of)
        for question in bank.questions.values():
            if applies is False:
                visible: bool | None = False
            elif question.show_when is None:
                visible = applies
            else:
                shown = evaluate(question.show_when, fact_of)
                if shown is None and for_form and any(
                        facts[qid].value is None for qid in _unknown_questions(question.show_when, facts)):
                    shown = False
                visible = False if shown is False else (None if (shown is None or applies is None) else True)
            facts[question.id] = Fact(question.type, visible, documents.value(doc, bank.id, question.id))
    return facts


def visibility(doc: dict, library: Library, *, for_form: bool = False) -> dict[str, bool | None]:
    """Whether each question is shown: True, False, or None when that rests on
    an unknown. `for_form` asks follow-ups only once their question is answered."""
    return {qid: fact.visible for qid, fact in _facts(doc, library, for_form=for_form).items()}


def _is_unknown(fact: Fact) -> bool:
    value = fact.value
    return value is None or value == DONT_KNOW or (isinstance(value, list) and DONT_KNOW in value)


def _unknown_questions(condition: dict, facts: dict[str, Fact]) -> list[str]:
    """Questions whose unknown answers leave a condition unknown."""
    found = []
    for leaf, _ in leaves(condition):
        qid = leaf["question"]
        fact = facts[qid]
        if fact.visible is not False and evaluate(leaf, facts.__getitem__) is None and qid not in found:
            found.append(qid)
    return found


def _score_bank(bank: Bank, doc: dict, library: Library, facts: dict[str, Fact],
                assessed: str, answered_version: str | None) -> BankResult:
    questions = library.questions
    applies_value = True if bank.applies_when is None else evaluate(bank.applies_when, facts.__getitem__)
    applies = applies_value is not False

    shown = [q for q in bank.questions.values() if facts[q.id].visible is not False]
    answered = [q for q in shown if facts[q.id].value is not None]
    unanswered = [_ref(q) for q in shown if facts[q.id].value is None]
    dont_know = [_ref(q, q.label_of(facts[q.id].value)) for q in answered if _is_unknown(facts[q.id])]
    bidder = [_ref(q) for q in answered if q.bidder_question and _is_unknown(facts[q.id])]
    required_missing = [q for q in shown if q.required and facts[q.id].value is None]
    has_any = bool(doc.get("banks", {}).get(bank.id, {}).get("answers"))
    status = "not_started" if not has_any else ("in_progress" if required_missing else "completed")

    mitigations = {m.id: _mitigation(m, bank, doc, facts, questions) for m in bank.mitigations} if applies else {}
    risks, not_applying = [], []
    for r in bank.risks if applies else ():
        if r.applies_when is not None and evaluate(r.applies_when, facts.__getitem__) is False:
            not_applying.append({"id": r.id, "title": r.title,
                                 "because": _answers_text(r.applies_when, facts, questions)})
        else:
            risks.append(_score_risk(r, bank, doc, library, facts, mitigations, assessed))
    counts = {stage: _count(risks, stage, library) for stage in ("inherent", "residual", "target")}
    highest = {stage: _highest([getattr(r, stage).rating for r in risks], library) for stage in ("inherent", "residual", "target")}
    return BankResult(
        id=bank.id, title=bank.title, kind=bank.kind, version=bank.version, answered_version=answered_version,
        content_hash=bank.content_hash, applies=applies, applies_assumed=applies_value is None,
        skip_reason=None if applies else bank.not_applicable_reason,
        status=status if applies else "not_applicable",
        questions_shown=len(shown) if applies else 0, answered=len(answered) if applies else 0,
        unanswered=unanswered if applies else [], dont_know=dont_know if applies else [],
        bidder_questions=bidder if applies else [], risks=risks, risks_not_applying=not_applying,
        mitigations=list(mitigations.values()), counts=counts, highest=highest,
    )


def _ref(q: Question, answer: str | None = None) -> QuestionRef:
    return QuestionRef(q.id, q.bank_id, q.prompt, q.short, q.section_id, q.required, q.bidder_question, answer)


def _mitigation(m: Mitigation, bank: Bank, doc: dict, facts: dict[str, Fact], questions: dict[str, Question]) -> MitigationResult:
    record = documents.mitigation_record(doc, bank.id, m.id)
    chosen = record.get("status", "recommended")
    applies = True if m.applies_when is None else evaluate(m.applies_when, facts.__getitem__)
    by_answers = None if m.in_place_when is None else evaluate(m.in_place_when, facts.__getitem__)
    evidence: list[str] = []
    assumed = False
    if applies is False:
        status, in_place_by = "not_applicable", None
        why = "Does not apply, as the answers show: " + _answers_text(m.applies_when, facts, questions) + "."
    elif by_answers is True:
        status, in_place_by = "in_place", "answers"
        why = "In place, as the answers show: " + _answers_text(m.in_place_when, facts, questions) + "."
        for leaf, _ in leaves(m.in_place_when):
            ev = documents.answer(doc, questions[leaf["question"]].bank_id, leaf["question"]).get("evidence")
            if ev and ev not in evidence:
                evidence.append(ev)
    elif chosen == "in_place":
        status, in_place_by = "in_place", "team"
        why = "Marked in place by the team" + ("" if m.in_place_when is None else ", though the answers do not show it") + "."
    else:
        status, in_place_by = chosen, None
        why = {"planned": "Planned.", "declined": "Declined by the team.", "recommended": "Recommended."}[chosen]
        if by_answers is None and m.in_place_when is not None:
            unknown = _unknown_questions(m.in_place_when, facts)
            assumed = True
            why = f"Not counted as in place: {_listing(unknown)} unanswered or \"don't know\". " + why
    if applies is None:
        unknown = _unknown_questions(m.applies_when, facts)
        assumed = True
        why = (f"Lowers no score until {_listing(unknown)} answered: it applies only when "
               f"{describe(m.applies_when)}. " + why)
    if record.get("evidence") and record["evidence"] not in evidence:
        evidence.append(record["evidence"])
    return MitigationResult(
        id=m.id, action=m.action, where=m.where, status=status, in_place_by=in_place_by,
        counts_in_residual=applies is True and status == "in_place",
        counts_in_target=applies is True and status not in ("declined", "not_applicable"),
        lowers_likelihood=0, lowers_impact=0, why=why, assumed=assumed,
        owner=record.get("owner"), due=record.get("due"), evidence=evidence, note=record.get("note"),
        risks=[x.risk for x in m.lowers],
    )


def _listing(question_ids: list[str]) -> str:
    """"SV-01 is" or "SV-01 and SV-02 are"."""
    if len(question_ids) == 1:
        return f"{question_ids[0]} is"
    return ", ".join(question_ids[:-1]) + f" and {question_ids[-1]} are"


def _answers_text(condition: dict, facts: dict[str, Fact], questions: dict[str, Question]) -> str:
    parts = []
    for leaf, _ in leaves(condition):
        q = questions[leaf["question"]]
        text = f"{q.id} {q.short}: {q.label_of(facts[q.id].value)}"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def _level(factor: Factor, facts: dict[str, Fact], questions: dict[str, Question], assumptions: list[str]) -> Level:
    reasons = [Reason("Starting level" + (f": {factor.note}" if factor.note else ""), factor.base)]
    total = factor.base
    for driver in factor.drivers:
        reason = _driver(driver, facts, questions)
        if reason is None:
            continue
        reasons.append(reason)
        total += reason.points
        if reason.assumed and reason.points and driver.question not in assumptions:
            assumptions.append(driver.question)
    if total > MAX_LEVEL:
        reasons.append(Reason(f"Capped at {MAX_LEVEL} (the points add up to {total})", MAX_LEVEL - total))
    return Level(min(max(total, MIN_LEVEL), MAX_LEVEL), reasons)


def _driver(driver: Driver, facts: dict[str, Fact], questions: dict[str, Question]) -> Reason | None:
    question = questions[driver.question]
    fact = facts[driver.question]
    if fact.visible is False:
        return None
    when = True if driver.when is None else evaluate(driver.when, facts.__getitem__)
    if when is False:
        return None
    value = fact.value
    answer = question.label_of(value)
    unknown = _is_unknown(fact)
    if driver.points is not None:
        if value is None or value == DONT_KNOW or (isinstance(value, list) and DONT_KNOW in value):
            points = driver.max_points
        elif isinstance(value, list):
            points = max(driver.points.get(v, 0) for v in value)
        else:
            points = driver.points.get(value, 0)
    else:
        if value is None:
            points = driver.max_points
        else:
            points = max([p for at_least, p in driver.bands if value >= at_least], default=0)
    assumed = unknown or when is None
    if value is None:
        text = f"{question.id} {question.short}: not answered, so the least favourable answer counts"
    elif unknown:
        text = f"{question.id} {question.short}: {answer}, so the least favourable answer counts"
    else:
        text = f"{question.id} {question.short}: {answer}"
    if when is None and driver.when is not None:
        text += " (counted because its condition could not be ruled out)"
    if driver.note:
        text += f". {driver.note}"
    return Reason(text, points, question.id, answer, assumed)


def _score_risk(risk: Risk, bank: Bank, doc: dict, library: Library, facts: dict[str, Fact],
                mitigations: dict[str, MitigationResult], assessed: str) -> RiskResult:
    method = library.method
    questions = library.questions
    assumptions: list[str] = []
    if risk.applies_when is not None:
        # Scored because it may apply; answering could rule it out altogether.
        assumptions.extend(_unknown_questions(risk.applies_when, facts))
    likelihood = _level(risk.likelihood, facts, questions, assumptions)
    impact = _level(risk.impact, facts, questions, assumptions)

    own: list[MitigationResult] = []
    lower = {"residual": [0, 0], "target": [0, 0]}
    for m in bank.mitigations:
        lowering = m.lowering_for(risk.id)
        result = mitigations[m.id]
        if lowering is None or result.status == "not_applicable":
            continue
        own.append(replace(result, lowers_likelihood=lowering.likelihood, lowers_impact=lowering.impact))
        for stage, counts in (("residual", result.counts_in_residual), ("target", result.counts_in_target)):
            if counts:
                lower[stage][0] += lowering.likelihood
                lower[stage][1] += lowering.impact
        if result.assumed:
            for condition in (m.applies_when, m.in_place_when):
                if condition is not None:
                    assumptions.extend(q for q in _unknown_questions(condition, facts) if q not in assumptions)

    flags = []
    for flag in risk.red_flags:
        raised = evaluate(flag.when, facts.__getitem__)
        if raised is False:
            continue
        in_place = any(mitigations[m].counts_in_residual for m in flag.cleared_by)
        recommended = any(mitigations[m].counts_in_target for m in flag.cleared_by)
        if raised is None:
            unknown = _unknown_questions(flag.when, facts)
            because = f"Raised because it cannot be ruled out: {', '.join(unknown)} unanswered or \"don't know\"."
            assumptions.extend(q for q in unknown if q not in assumptions)
        else:
            because = "Raised by the answers: " + _answers_text(flag.when, facts, questions) + "."
        flags.append(RedFlagResult(flag.id, flag.reason, raised is None, in_place, recommended, list(flag.cleared_by), because))

    def make(l: int, i: int, forced: bool) -> Score:
        s = l * i
        rating = method.top if forced else method.rating_for(s)
        return Score(l, i, s, rating.id, rating.label, forced)

    inherent = make(likelihood.value, impact.value, bool(flags))
    capped: list[str] = []

    def lowered(stage: str) -> tuple[int, int]:
        """Inherent levels less what the stage's mitigations lower, within the
        method's limit and never below 1."""
        out = []
        for i, (name, level) in enumerate((("likelihood", likelihood.value), ("impact", impact.value))):
            total, limit = lower[stage][i], method.max_lowering[name]
            if total > limit:
                capped.append(f"{stage.capitalize()}: mitigations would lower {name} by {total}; "
                              f"the method allows at most {limit}.")
            out.append(max(MIN_LEVEL, level - min(total, limit)))
        return out[0], out[1]

    residual = make(*lowered("residual"), any(not f.cleared_in_residual for f in flags))
    target = make(*lowered("target"), any(not f.cleared_in_target for f in flags))

    record = documents.risk_record(doc, bank.id, risk.id)
    if record.get("review_date"):
        review_date, set_by = record["review_date"], "team"
    else:
        months = method.rating(residual.rating).review_months
        review_date, set_by = add_months(dt.date.fromisoformat(assessed), months).isoformat(), "cadence"
    return RiskResult(
        id=risk.id, bank_id=bank.id, title=risk.title, category=risk.category, statement=risk.statement,
        harmed=risk.harmed, inherent=inherent, residual=residual, target=target,
        likelihood=likelihood, impact=impact, mitigations=own, red_flags=flags,
        assumptions=sorted(assumptions), capped=capped, owner=record.get("owner"), review_date=review_date,
        review_date_set_by=set_by, treatment=record.get("treatment"), note=record.get("note"),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _count(risks: list[RiskResult], stage: str, library: Library) -> dict[str, int]:
    counts = {r.id: 0 for r in library.method.ratings}
    for risk in risks:
        counts[getattr(risk, stage).rating] += 1
    return counts


def _highest(ratings: list[str], library: Library) -> str | None:
    if not ratings:
        return None
    return max(ratings, key=library.method.rank)


def _overall(banks: list[BankResult], library: Library) -> dict:
    risks = [r for b in banks for r in b.risks]
    method = library.method
    overall: dict[str, Any] = {}
    for stage in ("inherent", "residual", "target"):
        overall[stage] = _highest([getattr(r, stage).rating for r in risks], library)
        overall[f"{stage}_counts"] = _count(risks, stage, library)
    overall["rating"] = overall["residual"]
    overall["rating_label"] = method.rating(overall["residual"]).label if overall["residual"] else None
    overall["risks"] = len(risks)
    overall["red_flags"] = sum(len(r.red_flags) for r in risks)
    overall["red_flags_assumed"] = sum(1 for r in risks for f in r.red_flags if f.assumed)
    overall["scores_resting_on_assumptions"] = sum(1 for r in risks if r.assumptions)
    overall["banks_applying"] = [b.id for b in banks if b.kind == "risk" and b.applies]
    overall["banks_skipped"] = [b.id for b in banks if b.kind == "risk" and not b.applies]
    overall["unanswered"] = sum(len(b.unanswered) for b in banks)
    overall["dont_know"] = sum(len(b.dont_know) for b in banks)
    return overall
