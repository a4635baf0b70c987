"""The scoring engine: answers in, scored risks out, with the reasons for every number.

Pure Python: it knows nothing of the web app or the database. For each risk:

- **inherent** likelihood and impact: each is the risk's base plus the points of
  its drivers, kept between 1 and 5; score = likelihood × impact; the rating
  comes from the scoring method's bands;
- **residual**: inherent minus what the mitigations already in place lower;
- **target**: inherent minus what every mitigation the team has not declined lowers;
- **red flags** force the top rating, until a mitigation that clears them is in
  place (residual) or recommended (target).

Every number is worked out in two readings, because a team early in a
procurement cannot know everything:

- **if the unknowns go badly** (the cautious reading, the one published files
  have always carried): an unanswered or "don't know" answer counts as the
  least favourable answer, a red flag that cannot be ruled out is raised, and a
  mitigation that may not be in place is not counted;
- **on what you have told us** (the established reading): every unknown goes
  the best way it could, so the rating is the floor the answers given already
  fix. A red flag raised only on an unknown is *open*: listed first, with the
  question that settles it, but it does not force the established rating.

Whatever the unknowns turn out to be, each rating ends up between the two
readings (`tests/test_properties.py` checks this). **Answer these next** ranks
the open questions by how far each one alone could move the ratings from the
established reading.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import weakref
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from . import documents
from .banks import Bank, Driver, Factor, Library, Mitigation, Question, Risk
from .conditions import UNKNOWN_VALUES, Fact, Test, compile_condition, describe, evaluate, leaves
from .method import Rating

MIN_LEVEL, MAX_LEVEL = 1, 5
STAGES = ("inherent", "residual", "target")


# --- How unknowns are read ------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """Which unknowns go badly. `worst=None`: all of them (cautious); an empty
    set: none of them (established); one question: only that one, which is how
    "answer these next" measures a question's reach."""

    worst: frozenset[str] | None

    def bad(self, questions: list[str] | tuple[str, ...]) -> bool:
        return self.worst is None or not self.worst.isdisjoint(questions)


CAUTIOUS = Reading(None)
ESTABLISHED = Reading(frozenset())


# --- Results -------------------------------------------------------------------


@dataclass
class Reason:
    """One line of working behind a level: where the points came from.
    `points` count if the unknowns go badly; `established_points` on what the
    team has told us (the same, unless the answer is unknown)."""

    text: str
    points: int
    question: str | None = None
    answer: str | None = None
    assumed: bool = False
    established_points: int = 0


@dataclass
class Level:
    value: int
    reasons: list[Reason]
    established_value: int = 0


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
    evidenced: bool = False  # in place with evidence behind it, which the method lets lower more
    counts_in_residual_established: bool = False
    counts_in_target_established: bool = False


@dataclass
class RedFlagResult:
    id: str
    reason: str
    assumed: bool  # raised only because an unknown cannot rule it out: an open red flag
    cleared_in_residual: bool
    cleared_in_target: bool
    cleared_by: list[str]
    because: str
    settle_by: list[str] = field(default_factory=list)  # the questions whose answers settle an open flag
    remedy: str = ""


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
    established_applies: bool = True  # False: only an unknown keeps it in, so it may not arise at all
    established_inherent: Score | None = None
    established_residual: Score | None = None
    established_target: Score | None = None

    def established(self, stage: str) -> Score:
        return getattr(self, f"established_{stage}")

    @property
    def settled(self) -> bool:
        """The two readings give the same residual rating."""
        return self.established_applies and self.established("residual").rating == self.residual.rating


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
class Move:
    """What one open answer could do to one risk if it went badly."""

    risk: str
    title: str
    before: str  # rating id, or "none" where the risk may not arise
    after: str
    before_label: str
    after_label: str
    red_flags: list[str] = field(default_factory=list)
    before_score: int | None = None
    after_score: int = 0

    @property
    def text(self) -> str:
        """ "DV-R03 from Low to Critical (red flag DV-F02)", in words."""
        if self.before == "none":
            text = f"{self.risk}, which may not arise, to {self.after_label}"
        elif self.before == self.after:
            text = f"{self.risk} within {self.after_label} (score {self.before_score} to {self.after_score})"
        else:
            text = f"{self.risk} from {self.before_label} to {self.after_label}"
        return text + (f" (red flag {', '.join(self.red_flags)})" if self.red_flags else "")


@dataclass
class AnswerNext:
    """An open question, and how far its answer alone could move the ratings."""

    id: str
    bank_id: str
    section_id: str
    prompt: str
    short: str
    answer: str  # "not answered" or "Don't know"
    bidder_question: str | None
    steps: int  # rating bands it could add on its own, over every risk
    moves: list[Move]
    # Where no single answer moves a band on its own, several together may: the
    # bands between the two readings of the risks that rest on this question.
    reach: int = 0
    unsettled: list[str] = field(default_factory=list)  # those risks


@dataclass
class BankResult:
    id: str
    title: str
    kind: str
    version: str
    answered_version: str | None
    content_hash: str
    applies: bool
    skip_reason: str | None
    status: str  # not_started, in_progress, completed, cannot_start or not_applicable
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
    applies_established: bool = True
    highest_established: dict[str, str | None] = field(default_factory=dict)
    counts_established: dict[str, dict[str, int]] = field(default_factory=dict)
    # The floor were everything that may arise in the bank to arise (the bank itself included).
    highest_if_arises: dict[str, str | None] = field(default_factory=dict)
    # While unknown answers leave open whether the bank applies: those answers, to settle
    # before the form asks the bank's own questions.
    settle_first: list[QuestionRef] = field(default_factory=list)


@dataclass
class AssessmentResult:
    assessment_date: str
    method: dict
    banks: list[BankResult]
    overall: dict
    notes: list[str]
    answer_next: list[AnswerNext] = field(default_factory=list)

    def to_dict(self) -> dict:
        return _plain(self)

    @property
    def risks(self) -> list[RiskResult]:
        return [r for b in self.banks for r in b.risks]

    def bank(self, bank_id: str) -> BankResult:
        return next(b for b in self.banks if b.id == bank_id)

    @property
    def status(self) -> str:
        """not_started, in_progress or completed, over the banks that apply. A bank that
        cannot start waits on a profile answer, so the profile's status stands for it."""
        statuses = [b.status for b in self.banks if b.status not in ("not_applicable", "cannot_start")]
        if all(s == "completed" for s in statuses):
            return "completed"
        if all(s == "not_started" for s in statuses):
            return "not_started"
        return "in_progress"


def _plain(value: Any) -> Any:
    """What dataclasses.asdict gives, made about twice as fast: asdict deep-copies every
    string and number it meets, and a result holds tens of thousands of them, which are
    immutable anyway. Anything else mutable is still copied."""
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is list:
        return [_plain(v) for v in value]
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if kind is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(_plain(v) for v in value)
    return copy.deepcopy(value)


_IMMUTABLE = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


# --- What depends on the library alone ------------------------------------------


class _Tables:
    """Look-ups that depend on the library alone, which every score asks again and
    again: the rating of each score, the rank of each rating, and for each risk the
    mitigations that lower it, in bank order, with how much."""

    def __init__(self, library: Library):
        method = library.method
        self.method = method
        self.top = method.top
        self.rank: dict[str, int] = {}
        for i, r in enumerate(method.ratings):
            self.rank.setdefault(r.id, i)  # the first of each id, as method.rank
        self.ratings = {r.id: r for r in reversed(method.ratings)}  # the first of each id, as method.rating
        self.rating_of: dict[int, Rating] = {}
        for s in {lk * i for lk in range(MIN_LEVEL, MAX_LEVEL + 1) for i in range(MIN_LEVEL, MAX_LEVEL + 1)}:
            try:
                self.rating_of[s] = method.rating_for(s)
            except ValueError:
                pass  # left to method.rating_for, so a score outside every band raises as before
        self.tests: dict[int, tuple[dict, Test]] = {}
        caps = method.lowering
        self.caps = {name: (caps["evidenced"][name], caps["claimed"][name]) for name in ("likelihood", "impact")}
        self.limits_not_negative = all(limit >= 0 for pair in self.caps.values() for limit in pair)
        self.lowers: dict[tuple[str, str], tuple[tuple[Mitigation, int, int], ...]] = {}
        for bank in library.all_banks:
            for risk in bank.risks:
                found = ((m, m.lowering_for(risk.id)) for m in bank.mitigations)
                self.lowers[bank.id, risk.id] = tuple(
                    (m, lowering.likelihood, lowering.impact) for m, lowering in found if lowering is not None
                )

    def test(self, condition: dict) -> Test:
        """The condition compiled (see `conditions.compile_condition`), once per
        condition: keyed by identity, the condition itself kept to make sure."""
        found = self.tests.get(id(condition))
        if found is None or found[0] is not condition:
            found = self.tests[id(condition)] = (condition, compile_condition(condition))
        return found[1]

    def score(self, likelihood: int, impact: int, forced: bool) -> Score:
        s = likelihood * impact
        rating = self.top if forced else (self.rating_of.get(s) or self.method.rating_for(s))
        return Score(likelihood, impact, s, rating.id, rating.label, forced)


# Keyed on the Library object, which is immutable and compared by identity, so an
# entry holds bank and method data only (never an assessment's answers) and goes
# when the library does: the web app keeps one library for the process, while
# verifying a publication builds one per set of carried definitions.
_TABLES: weakref.WeakKeyDictionary[Library, _Tables] = weakref.WeakKeyDictionary()


def _tables(library: Library) -> _Tables:
    found = _TABLES.get(library)
    if found is None:
        found = _TABLES[library] = _Tables(library)
    return found


# --- Scoring ---------------------------------------------------------------------


def score(doc: dict, library: Library, today: dt.date | None = None) -> AssessmentResult:
    """Score a checked assessment document (see `assessment.check`)."""
    assessed = doc.get("assessment_date") or (today or dt.date.today()).isoformat()
    facts = _Facts(_facts(doc, library), _tables(library))
    notes = []
    bank_results = []
    # Each mitigation in both readings, worked out once: the bank's risks and
    # "answer these next" all read them.
    states: dict[str, dict[Reading, dict[str, _State]]] = {}
    cadence = _Cadence(assessed)
    for bank in library.all_banks:
        answered_version = doc.get("banks", {}).get(bank.id, {}).get("version")
        if answered_version and answered_version != bank.version:
            notes.append(
                f"{bank.title}: answered against version {answered_version}, scored with version {bank.version}."
            )
        states[bank.id] = _both_states(bank, doc, facts, library.questions)
        bank_results.append(_score_bank(bank, doc, library, facts, states[bank.id], cadence, answered_version))
    answer_next = _answer_next(bank_results, doc, library, facts, states)
    return AssessmentResult(
        assessment_date=assessed,
        method={
            "id": library.method.id,
            "version": library.method.version,
            "title": library.method.title,
            "content_hash": library.method.content_hash,
            "max_lowering": library.method.max_lowering,
            "lowering": library.method.lowering,
        },
        banks=bank_results,
        overall=_overall(bank_results, library, answer_next),
        notes=notes,
        answer_next=answer_next,
    )


def _facts(doc: dict, library: Library, for_form: bool = False) -> dict[str, Fact]:
    """Visibility and answer of every question, in order, so each condition sees earlier facts.

    For scoring, a question whose condition is unknown counts as shown. A form
    asks such a follow-up only when the unknown comes from a "don't know"; if
    it comes from a question not yet answered, the form waits for that answer.
    A form asks a bank's questions only once the profile settles that the bank
    applies: until then its risks are scored as if it did. (In the calibration
    corpus, teams that answered "don't know" to whether a bank applies knew 9
    of its 442 answers: the one question that settles it is the one to ask.)
    Under the current method an answer the team gave counts as given where only
    the bank's own applicability is open: if the bank turned out not to apply,
    none of its risks would remain for the answer to matter to."""
    answers_count = library.method.answers_always_count
    test = _tables(library).test
    facts: dict[str, Fact] = {}
    fact_of = facts.__getitem__
    for bank in library.all_banks:
        applies = True if bank.applies_when is None else test(bank.applies_when)(fact_of)
        bank_unknowns = tuple(_unknown_questions(bank.applies_when, facts)) if applies is None else ()
        for question in bank.questions.values():
            value = documents.value(doc, bank.id, question.id)
            hidden_by: tuple[str, ...] = ()
            if applies is False or (applies is None and for_form):
                visible: bool | None = False
            elif question.show_when is None:
                visible = applies
            else:
                shown = test(question.show_when)(fact_of)
                if (
                    shown is None
                    and for_form
                    and any(facts[qid].value is None for qid in _unknown_questions(question.show_when, facts))
                ):
                    shown = False
                visible = False if shown is False else (None if (shown is None or applies is None) else True)
                if shown is None:
                    hidden_by = tuple(_unknown_questions(question.show_when, facts))
            if visible is None:
                if not hidden_by and value is not None and answers_count:
                    visible = True
                else:
                    hidden_by = tuple(dict.fromkeys(hidden_by + bank_unknowns))
            facts[question.id] = Fact(question.type, visible, value, hidden_by)
    return facts


def visibility(doc: dict, library: Library, *, for_form: bool = False) -> dict[str, bool | None]:
    """Whether each question is shown: True, False, or None when that rests on
    an unknown. `for_form` asks follow-ups only once their question is answered."""
    return {qid: fact.visible for qid, fact in _facts(doc, library, for_form=for_form).items()}


def _is_unknown(fact: Fact) -> bool:
    value = fact.value
    if isinstance(value, list):
        return bool(UNKNOWN_VALUES.intersection(value))
    return value is None or value in UNKNOWN_VALUES


def _unknown_questions(condition: dict | None, facts: dict[str, Fact]) -> list[str]:
    """Questions whose unknown answers leave a condition unknown. Where an answer
    is given but its question may not be asked, the answers that decide that."""
    found: list[str] = []
    for leaf, _ in leaves(condition):
        qid = leaf["question"]
        fact = facts[qid]
        if fact.visible is False or evaluate(leaf, facts.__getitem__) is not None:
            continue
        causes = (qid,) if fact.value is None or _is_unknown(fact) else ()
        for q in causes + fact.hidden_by:
            if q not in found:
                found.append(q)
    return found


class _Facts(dict):
    """The facts of one assessment, with each condition's value and unknowns
    worked out once: every reading asks the same conditions again."""

    def __init__(self, facts: dict[str, Fact], tables: _Tables):
        super().__init__(facts)
        self.tables = tables
        self.memo: dict[int, tuple[dict, bool | None, tuple[str, ...]]] = {}

    def condition(self, condition: dict) -> tuple[bool | None, tuple[str, ...]]:
        found = self.memo.get(id(condition))
        if found is None or found[0] is not condition:
            value = self.tables.test(condition)(self.__getitem__)
            unknowns = tuple(_unknown_questions(condition, self)) if value is None else ()
            found = self.memo[id(condition)] = (condition, value, unknowns)
        return found[1], found[2]


def _holds(condition: dict | None, facts: _Facts, reading: Reading, if_bad: bool) -> bool:
    """A condition resolved in a reading: its value if known; otherwise `if_bad`
    when the reading lets the unknowns behind it go badly, and the opposite when not."""
    if condition is None:
        return True
    value, unknowns = facts.condition(condition)
    if value is not None:
        return value
    return if_bad if reading.bad(unknowns) else not if_bad


def _questions_in(*conditions: dict | None) -> set[str]:
    return {leaf["question"] for c in conditions if c is not None for leaf, _ in leaves(c)}


_REFERENCES: dict[int, tuple[Bank, dict[str, frozenset[str]]]] = {}


def _references(bank: Bank) -> dict[str, frozenset[str]]:
    """For each risk (and each mitigation), every question its score looks at,
    directly or through the bank's own applicability; worked out once per bank."""
    found = _REFERENCES.get(id(bank))
    if found is not None and found[0] is bank:
        return found[1]
    out: dict[str, frozenset[str]] = {}
    for m in bank.mitigations:
        out[m.id] = frozenset(_questions_in(m.applies_when, m.in_place_when))
    for risk in bank.risks:
        refs = _questions_in(bank.applies_when, risk.applies_when, *(f.when for f in risk.red_flags))
        for factor in (risk.likelihood, risk.impact):
            for d in factor.drivers:
                refs |= {d.question} | _questions_in(d.when)
        for m in bank.mitigations:
            if m.lowering_for(risk.id) is not None or any(m.id in f.cleared_by for f in risk.red_flags):
                refs |= out[m.id]
        out[risk.id] = frozenset(refs)
    if len(_REFERENCES) > 64:
        _REFERENCES.clear()
    _REFERENCES[id(bank)] = (bank, out)
    return out


def _score_bank(
    bank: Bank,
    doc: dict,
    library: Library,
    facts: _Facts,
    states: dict[Reading, dict[str, _State]],
    cadence: _Cadence,
    answered_version: str | None,
) -> BankResult:
    questions = library.questions
    applies_value = True if bank.applies_when is None else facts.condition(bank.applies_when)[0]
    applies = applies_value is not False

    shown = [q for q in bank.questions.values() if facts[q.id].visible is not False]
    answered = [q for q in shown if facts[q.id].value is not None]
    unanswered = [_ref(q) for q in shown if facts[q.id].value is None]
    dont_know = [_ref(q, q.label_of(facts[q.id].value)) for q in answered if _is_unknown(facts[q.id])]
    bidder = [_ref(q) for q in answered if q.bidder_question and _is_unknown(facts[q.id])]
    required_missing = [q for q in shown if q.required and facts[q.id].value is None]
    has_any = bool(doc.get("banks", {}).get(bank.id, {}).get("answers"))
    status = "not_started" if not has_any else ("in_progress" if required_missing else "completed")
    settle_first = (
        [
            _ref(questions[q], questions[q].label_of(facts[q].value))
            for q in _unknown_questions(bank.applies_when, facts)
        ]
        if applies_value is None
        else []
    )

    floor = states[ESTABLISHED]
    mitigations = (
        {m.id: _mitigation(m, bank, doc, facts, questions, floor[m.id]) for m in bank.mitigations} if applies else {}
    )
    risks, not_applying = [], []
    for r in bank.risks if applies else ():
        if r.applies_when is not None and facts.condition(r.applies_when)[0] is False:
            not_applying.append(
                {"id": r.id, "title": r.title, "because": _answers_text(r.applies_when, facts, questions)}
            )
        else:
            risks.append(_score_risk(r, bank, doc, library, facts, mitigations, states, cadence, applies_value is True))
    known = [r for r in risks if r.established_applies]
    counts, highest = _summary(risks, "", library)
    counts_established, highest_established = _summary(known, "established_", library)
    return BankResult(
        id=bank.id,
        title=bank.title,
        kind=bank.kind,
        version=bank.version,
        answered_version=answered_version,
        content_hash=bank.content_hash,
        applies=applies,
        skip_reason=None if applies else bank.not_applicable_reason,
        status="cannot_start" if settle_first else (status if applies else "not_applicable"),
        questions_shown=len(shown) if applies else 0,
        answered=len(answered) if applies else 0,
        unanswered=unanswered if applies else [],
        dont_know=dont_know if applies else [],
        bidder_questions=bidder if applies else [],
        risks=risks,
        risks_not_applying=not_applying,
        mitigations=list(mitigations.values()),
        counts=counts,
        highest=highest,
        applies_established=applies_value is True,
        highest_established=highest_established,
        counts_established=counts_established,
        settle_first=settle_first,
        highest_if_arises=_summary(risks, "established_", library)[1],
    )


def _summary(
    risks: list[RiskResult], prefix: str, library: Library
) -> tuple[dict[str, dict[str, int]], dict[str, str | None]]:
    """For each stage (read from the attribute `prefix + stage`): how many risks
    have each rating, and the highest rating, each stage's scores gathered once."""
    rank = _tables(library).rank.__getitem__
    counts, highest = {}, {}
    for stage in STAGES:
        name = prefix + stage
        counts[stage] = found = _count([getattr(r, name) for r in risks], library)
        # The highest rating among the risks: rating ids are unique, so one per rank.
        highest[stage] = max((rid for rid, n in found.items() if n), key=rank, default=None)
    return counts, highest


def _ref(q: Question, answer: str | None = None) -> QuestionRef:
    return QuestionRef(q.id, q.bank_id, q.prompt, q.short, q.section_id, q.required, q.bidder_question, answer)


class _State:
    """A mitigation in one reading: does it apply, is it in place, is that evidenced;
    and so whether it counts in the residual and in the target."""

    __slots__ = ("applies", "in_place", "evidenced", "declined", "residual", "target")

    def __init__(self, applies: bool, in_place: bool, evidenced: bool, declined: bool):
        self.applies = applies
        self.in_place = in_place
        self.evidenced = evidenced
        self.declined = declined
        # Worked out once here, not on each look: every risk the mitigation lowers asks both.
        self.residual = applies and in_place
        self.target = applies and not declined


def _state(m: Mitigation, doc: dict, facts: _Facts, questions: dict[str, Question], reading: Reading) -> _State:
    record = documents.mitigation_record(doc, m.bank_id, m.id)
    chosen = record.get("status", "recommended")
    applies = _holds(m.applies_when, facts, reading, if_bad=False)
    by_answers = m.in_place_when is not None and _holds(m.in_place_when, facts, reading, if_bad=False)
    if by_answers:
        evidenced = bool(record.get("evidence")) or any(
            documents.answer(doc, questions[leaf["question"]].bank_id, leaf["question"]).get("evidence")
            for leaf, _ in leaves(m.in_place_when)
        )
    else:
        evidenced = chosen == "in_place" and bool(record.get("evidence"))
    return _State(applies, by_answers or chosen == "in_place", evidenced, chosen == "declined" and not by_answers)


_STATUS_WORDS = {"planned": "Planned.", "declined": "Declined by the team.", "recommended": "Recommended."}


def _mitigation(
    m: Mitigation, bank: Bank, doc: dict, facts: _Facts, questions: dict[str, Question], established: _State
) -> MitigationResult:
    """The mitigation as the register shows it; `established` is its state on what the team has told us."""
    record = documents.mitigation_record(doc, bank.id, m.id)
    chosen = record.get("status", "recommended")
    applies = True if m.applies_when is None else facts.condition(m.applies_when)[0]
    by_answers = None if m.in_place_when is None else facts.condition(m.in_place_when)[0]
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
        why = (
            "Marked in place by the team"
            + ("" if m.in_place_when is None else ", though the answers do not show it")
            + "."
        )
    else:
        status, in_place_by = chosen, None
        why = _STATUS_WORDS[chosen]
        if by_answers is None and m.in_place_when is not None:
            unknown = _unknown_questions(m.in_place_when, facts)
            assumed = True
            why = (
                f'Not yet shown in place: {_listing(unknown)} unanswered or "don\'t know"; on what you have told '
                f"us it could be. " + why
            )
    if applies is None and m.applies_when is not None:
        unknown = _unknown_questions(m.applies_when, facts)
        assumed = True
        why = (
            f"Needed only if {describe(m.applies_when, _label(questions), _value(questions))}: counted on what you "
            f"have told us, but not if the unknowns go badly, until {_listing(unknown)} answered. " + why
        )
    if record.get("evidence") and record["evidence"] not in evidence:
        evidence.append(record["evidence"])
    return MitigationResult(
        id=m.id,
        action=m.action,
        where=m.where,
        status=status,
        in_place_by=in_place_by,
        counts_in_residual=applies is True and status == "in_place",
        counts_in_target=applies is True and status not in ("declined", "not_applicable"),
        lowers_likelihood=0,
        lowers_impact=0,
        why=why,
        assumed=assumed,
        owner=record.get("owner"),
        due=record.get("due"),
        evidence=evidence,
        note=record.get("note"),
        risks=[x.risk for x in m.lowers],
        evidenced=status == "in_place" and bool(evidence),
        counts_in_residual_established=established.residual,
        counts_in_target_established=established.target,
    )


def _label(questions: dict[str, Question]):
    return lambda qid: f"{qid} ({questions[qid].short})" if qid in questions else qid


def _value(questions: dict[str, Question]):
    def value_of(qid: str, value: Any) -> str:
        q = questions.get(qid)
        return f"\u201c{q.label_of(value)}\u201d" if q is not None else str(value)

    return value_of


def _listing(question_ids: list[str]) -> str:
    """ "SV-01 is" or "SV-01 and SV-02 are"."""
    if len(question_ids) == 1:
        return f"{question_ids[0]} is"
    return ", ".join(question_ids[:-1]) + f" and {question_ids[-1]} are"


def _answers_text(condition: dict | None, facts: _Facts, questions: dict[str, Question]) -> str:
    parts = []
    for leaf, _ in leaves(condition):
        q = questions[leaf["question"]]
        text = f"{q.id} {q.short}: {q.label_of(facts[q.id].value)}"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


# --- Levels ----------------------------------------------------------------------


def _points(driver: Driver, question: Question, fact: Fact, facts: _Facts, reading: Reading) -> int | None:
    """A driver's points in a reading, or None where it does not count."""
    if fact.visible is False:
        return None
    if fact.visible is None and not reading.bad(fact.hidden_by):
        return None  # the best case for the risk: the question is not asked
    if driver.when is not None and not _holds(driver.when, facts, reading, if_bad=True):
        return None
    value = fact.value
    bad = reading.bad((driver.question,))
    if driver.points is not None:
        if isinstance(value, list):
            real = [driver.points.get(v, 0) for v in value if v not in UNKNOWN_VALUES]
            if UNKNOWN_VALUES.intersection(value) and bad:
                return driver.max_points
            return max(real, default=driver.max_points if bad else _least(driver, question))
        if value is None or value in UNKNOWN_VALUES:
            return driver.max_points if bad else _least(driver, question)
        return driver.points.get(value, 0)
    if value is None or value in UNKNOWN_VALUES:
        return driver.max_points if bad else _least(driver, question)
    return max([p for at_least, p in driver.bands if value >= at_least], default=0)


_LEAST: dict[int, tuple[Driver, int]] = {}


def _least(driver: Driver, question: Question) -> int:
    """The fewest points any real answer could give (worked out once per driver)."""
    found = _LEAST.get(id(driver))
    if found is None or found[0] is not driver:
        if len(_LEAST) > 4096:
            _LEAST.clear()
        found = _LEAST[id(driver)] = (driver, _least_points(driver, question))
    return found[1]


def _least_points(driver: Driver, question: Question) -> int:
    if driver.points is not None:
        real = [v for v in question.values if v not in UNKNOWN_VALUES]
        return min((driver.points.get(v, 0) for v in real), default=0)
    low = question.minimum
    reachable = [p for at_least, p in driver.bands if low is None or at_least >= low]
    at_low = 0 if low is None else max([p for at_least, p in driver.bands if low >= at_least], default=0)
    return min(reachable + [at_low])


def _level(factor: Factor, facts: _Facts, questions: dict[str, Question], assumptions: list[str]) -> Level:
    reasons = [
        Reason(
            "Starting level" + (f": {factor.note}" if factor.note else ""), factor.base, established_points=factor.base
        )
    ]
    total = established = factor.base
    for driver in factor.drivers:
        reason = _driver(driver, facts, questions)
        if reason is None:
            continue
        reasons.append(reason)
        total += reason.points
        established += reason.established_points
        if reason.assumed and reason.points != reason.established_points and driver.question not in assumptions:
            assumptions.append(driver.question)
    if total > MAX_LEVEL:
        reasons.append(
            Reason(
                f"Capped at {MAX_LEVEL} (the points add up to {total})",
                MAX_LEVEL - total,
                established_points=min(0, MAX_LEVEL - established),
            )
        )
    return Level(min(max(total, MIN_LEVEL), MAX_LEVEL), reasons, min(max(established, MIN_LEVEL), MAX_LEVEL))


def _level_in(factor: Factor, facts: _Facts, questions: dict[str, Question], reading: Reading) -> int:
    total = factor.base
    for driver in factor.drivers:
        total += _points(driver, questions[driver.question], facts[driver.question], facts, reading) or 0
    return min(max(total, MIN_LEVEL), MAX_LEVEL)


def _driver(driver: Driver, facts: _Facts, questions: dict[str, Question]) -> Reason | None:
    question = questions[driver.question]
    fact = facts[driver.question]
    points = _points(driver, question, fact, facts, CAUTIOUS)
    if points is None:
        return None
    when = True if driver.when is None else facts.condition(driver.when)[0]
    value = fact.value
    unknown = _is_unknown(fact)
    if fact.visible is True and when is not None and not unknown and value != []:
        established = points  # nothing about it is unknown, so both readings count the same
    else:
        established = _points(driver, question, fact, facts, ESTABLISHED) or 0
    answer = question.label_of(value)
    assumed = unknown or when is None
    if value is None:
        text = f"{question.id} {question.short}: not answered, so the least favourable answer counts"
    elif unknown:
        text = f"{question.id} {question.short}: {answer}, so the least favourable answer counts"
    else:
        text = f"{question.id} {question.short}: {answer}"
    if unknown and established != points:
        text += f" (+{established} on what you have told us)"
    if when is None and driver.when is not None:
        text += " (counted because its condition could not be ruled out)"
    if driver.note:
        text += f". {driver.note}"
    return Reason(text, points, question.id, answer, assumed, established)


# --- Risks -----------------------------------------------------------------------


def _lowering(
    lowerings: list[tuple[int, int, bool]], tables: _Tables, all_evidenced: bool
) -> tuple[tuple[int, int], list[str]]:
    """What the counted mitigations take off likelihood and impact, within the
    method's limits: evidenced ones up to the evidenced limit, ones only claimed
    up to the claimed limit, never more than the evidenced limit in all."""
    if not lowerings and tables.limits_not_negative:
        return (0, 0), []  # nothing counted takes nothing off, and no limit applies
    evidenced = [0, 0]
    claimed = [0, 0]
    for likelihood, impact, backed in lowerings:
        sums = evidenced if backed or all_evidenced else claimed
        sums[0] += likelihood
        sums[1] += impact
    notes: list[str] = []
    total = (
        _capped("likelihood", evidenced[0], claimed[0], tables, notes),
        _capped("impact", evidenced[1], claimed[1], tables, notes),
    )
    return total, notes


def _capped(name: str, evidenced: int, claimed: int, tables: _Tables, notes: list[str]) -> int:
    """What the mitigations take off one axis within the method's limits; where a
    limit applied, the note saying so."""
    top, claim_cap = tables.caps[name]
    total = min(top, min(evidenced, top) + min(claimed, claim_cap))
    if evidenced + claimed > total:
        if claimed > claim_cap and claim_cap < top:
            notes.append(
                f"mitigations would lower {name} by {evidenced + claimed}; without evidence the method "
                f"allows {claim_cap} for those only claimed, and at most {top} in all"
            )
        else:
            notes.append(f"mitigations would lower {name} by {evidenced + claimed}; the method allows at most {top}")
    return total


def _both_states(
    bank: Bank, doc: dict, facts: _Facts, questions: dict[str, Question]
) -> dict[Reading, dict[str, _State]]:
    """Each mitigation's state in both readings. Where no unknown decides whether
    it applies or is in place, the readings cannot differ, so one state serves both."""
    cautious: dict[str, _State] = {}
    established: dict[str, _State] = {}
    for m in bank.mitigations:
        cautious[m.id] = state = _state(m, doc, facts, questions, CAUTIOUS)
        settled = all(c is None or facts.condition(c)[0] is not None for c in (m.applies_when, m.in_place_when))
        established[m.id] = state if settled else _state(m, doc, facts, questions, ESTABLISHED)
    return {CAUTIOUS: cautious, ESTABLISHED: established}


def _arises(risk: Risk, bank: Bank, facts: _Facts, reading: Reading, bank_applies_known: bool) -> bool:
    """Whether, in a reading, the risk arises: its bank applies and so does the risk."""
    if not bank_applies_known and not _holds(bank.applies_when, facts, reading, if_bad=True):
        return False
    return _holds(risk.applies_when, facts, reading, if_bad=True)


def _numbers(
    risk: Risk,
    bank: Bank,
    library: Library,
    facts: _Facts,
    reading: Reading,
    bank_applies_known: bool,
    states: dict[str, _State],
) -> dict | None:
    """A risk's scores in one reading, or None where, in that reading, it does not arise."""
    if not _arises(risk, bank, facts, reading, bank_applies_known):
        return None
    questions = library.questions
    likelihood = _level_in(risk.likelihood, facts, questions, reading)
    impact = _level_in(risk.impact, facts, questions, reading)
    return _stages(risk, bank, likelihood, impact, states, _tables(library), facts, reading)


def _stages(
    risk: Risk,
    bank: Bank,
    likelihood: int,
    impact: int,
    states: dict[str, _State],
    tables: _Tables,
    facts: _Facts,
    reading: Reading,
) -> dict:
    """A risk's inherent, residual and target scores in one reading, the red flags
    raised in it, and where the method's limit on lowering applied, in words."""
    flags = [f for f in risk.red_flags if _holds(f.when, facts, reading, if_bad=True)]
    counted: dict[str, list[tuple[int, int, bool]]] = {"residual": [], "target": []}
    for m, dl, di in tables.lowers[bank.id, risk.id]:
        state = states[m.id]
        if state.residual:
            counted["residual"].append((dl, di, state.evidenced))
        if state.target:
            counted["target"].append((dl, di, state.evidenced))
    out: dict[str, Any] = {"flags": [f.id for f in flags], "capped": []}
    out["inherent"] = tables.score(likelihood, impact, bool(flags))
    for stage in ("residual", "target"):
        (dl, di), notes = _lowering(counted[stage], tables, all_evidenced=stage == "target")
        out["capped"] += [f"{stage.capitalize()}: {n}." for n in notes]
        cleared = [f for f in flags if any(getattr(states[m], stage) for m in f.cleared_by)]
        out[stage] = tables.score(
            max(MIN_LEVEL, likelihood - dl), max(MIN_LEVEL, impact - di), len(cleared) < len(flags)
        )
    return out


def _reads_alike(
    risk: Risk,
    bank: Bank,
    likelihood: Level,
    impact: Level,
    tables: _Tables,
    facts: _Facts,
    states: dict[Reading, dict[str, _State]],
) -> bool:
    """Whether the risk's stages come out the same in both readings: the same
    levels, no red flag resting on an unknown, and every mitigation that lowers it
    or clears a flag in one state for both (see `_both_states`). Then the
    established stages need not be worked out again."""
    if likelihood.value != likelihood.established_value or impact.value != impact.established_value:
        return False
    cautious, established = states[CAUTIOUS], states[ESTABLISHED]
    for flag in risk.red_flags:
        if facts.condition(flag.when)[0] is None:
            return False
        if any(cautious[m] is not established[m] for m in flag.cleared_by):
            return False
    return all(cautious[m.id] is established[m.id] for m, _, _ in tables.lowers[bank.id, risk.id])


def _copy_score(score: Score) -> Score:
    """A score of its own for the other reading, as `_stages` would have made."""
    return Score(
        score.likelihood, score.impact, score.score, score.rating, score.rating_label, score.forced_by_red_flag
    )


def _lowered(result: MitigationResult, likelihood: int, impact: int) -> MitigationResult:
    """The mitigation as one risk sees it: a shallow copy with what it lowers there.
    It is what `dataclasses.replace` makes (the same fields, the lists shared), at a
    fifth of the cost, which counts once per risk and mitigation."""
    out = object.__new__(MitigationResult)
    out.__dict__.update(result.__dict__)
    out.lowers_likelihood = likelihood
    out.lowers_impact = impact
    return out


def _own_mitigations(
    risk: Risk,
    bank: Bank,
    tables: _Tables,
    facts: _Facts,
    mitigations: dict[str, MitigationResult],
    assumptions: list[str],
) -> list[MitigationResult]:
    """The mitigations that lower the risk and may apply, with how much each lowers
    it; the unknowns behind any of them join the risk's assumptions."""
    own: list[MitigationResult] = []
    for m, likelihood, impact in tables.lowers[bank.id, risk.id]:
        result = mitigations[m.id]
        if result.status == "not_applicable":
            continue
        own.append(_lowered(result, likelihood, impact))
        if result.assumed:
            for condition in (m.applies_when, m.in_place_when):
                if condition is not None:
                    assumptions.extend(q for q in _unknown_questions(condition, facts) if q not in assumptions)
    return own


def _red_flags(
    risk: Risk,
    facts: _Facts,
    questions: dict[str, Question],
    mitigations: dict[str, MitigationResult],
    assumptions: list[str],
) -> list[RedFlagResult]:
    """The risk's red flags that are raised or open; the unknowns behind open ones
    join the risk's assumptions."""
    flags = []
    for flag in risk.red_flags:
        raised, unknowns = facts.condition(flag.when)
        if raised is False:
            continue
        in_place = any(mitigations[m].counts_in_residual for m in flag.cleared_by)
        recommended = any(mitigations[m].counts_in_target for m in flag.cleared_by)
        settle_by: list[str] = []
        if raised is None:
            settle_by = list(unknowns)
            because = (
                f'Open: raised only because {_listing(settle_by)} unanswered or "don\'t know", '
                "so it cannot be ruled out."
            )
            assumptions.extend(q for q in settle_by if q not in assumptions)
        else:
            because = "Raised by the answers: " + _answers_text(flag.when, facts, questions) + "."
        flags.append(
            RedFlagResult(
                flag.id,
                flag.reason,
                raised is None,
                in_place,
                recommended,
                list(flag.cleared_by),
                because,
                settle_by,
                _remedy(flag.cleared_by, settle_by, in_place, recommended),
            )
        )
    return flags


def _score_risk(
    risk: Risk,
    bank: Bank,
    doc: dict,
    library: Library,
    facts: _Facts,
    mitigations: dict[str, MitigationResult],
    states: dict[Reading, dict[str, _State]],
    cadence: _Cadence,
    bank_applies_known: bool,
) -> RiskResult:
    tables = _tables(library)
    questions = library.questions
    assumptions: list[str] = []
    if risk.applies_when is not None:
        # Scored because it may apply; answering could rule it out altogether.
        assumptions.extend(_unknown_questions(risk.applies_when, facts))
    likelihood = _level(risk.likelihood, facts, questions, assumptions)
    impact = _level(risk.impact, facts, questions, assumptions)
    own = _own_mitigations(risk, bank, tables, facts, mitigations, assumptions)
    flags = _red_flags(risk, facts, questions, mitigations, assumptions)

    cautious = _stages(risk, bank, likelihood.value, impact.value, states[CAUTIOUS], tables, facts, CAUTIOUS)
    # The levels on what the team has told us are the ones _level summed alongside
    # (what _level_in would give in that reading). Where the risk may not arise in
    # that reading, its floor, were it to arise, is still worked out so the two
    # readings can be compared.
    if _reads_alike(risk, bank, likelihood, impact, tables, facts, states):
        established = {stage: _copy_score(cautious[stage]) for stage in STAGES}
    else:
        established = _stages(
            risk,
            bank,
            likelihood.established_value,
            impact.established_value,
            states[ESTABLISHED],
            tables,
            facts,
            ESTABLISHED,
        )
    established_applies = _arises(risk, bank, facts, ESTABLISHED, bank_applies_known)

    record = documents.risk_record(doc, bank.id, risk.id)
    if record.get("review_date"):
        review_date, set_by = record["review_date"], "team"
    else:
        months = tables.ratings[cautious["residual"].rating].review_months
        review_date, set_by = cadence.after(months), "cadence"
    return RiskResult(
        id=risk.id,
        bank_id=bank.id,
        title=risk.title,
        category=risk.category,
        statement=risk.statement,
        harmed=risk.harmed,
        inherent=cautious["inherent"],
        residual=cautious["residual"],
        target=cautious["target"],
        likelihood=likelihood,
        impact=impact,
        mitigations=own,
        red_flags=flags,
        assumptions=sorted(assumptions),
        capped=cautious["capped"],
        owner=record.get("owner"),
        review_date=review_date,
        review_date_set_by=set_by,
        treatment=record.get("treatment"),
        note=record.get("note"),
        established_applies=established_applies,
        established_inherent=established["inherent"],
        established_residual=established["residual"],
        established_target=established["target"],
    )


def _remedy(cleared_by: tuple[str, ...], settle_by: list[str], in_place: bool, recommended: bool) -> str:
    """What the team can do about a red flag, in words."""
    if in_place:
        return "Cleared by a mitigation in place."
    clear = f"{' or '.join(cleared_by)} would clear it" if cleared_by else ""
    if settle_by:
        answers = "the answer rules" if len(settle_by) == 1 else "the answers rule"
        first = f"Find out: answer {_joined(settle_by)}; if {answers} it out, the flag goes."
        if cleared_by:
            return f"{first} If it does not, {clear}."
        return f"{first} If it does not, no mitigation clears it: the design must change."
    if recommended:
        return f"Would be cleared by {', '.join(cleared_by)}."
    if cleared_by:
        return f"Only {' or '.join(cleared_by)} would clear it, and the team has declined or ruled it out."
    return "No mitigation clears it: the design must change."


def _joined(items: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


class _Cadence:
    """Review dates counted from the assessment date, each worked out once per
    score rather than once per risk. The date is read when first needed, as before."""

    def __init__(self, assessed: str):
        self.assessed = assessed
        self.dates: dict[int, str] = {}

    def after(self, months: int) -> str:
        found = self.dates.get(months)
        if found is None:
            found = self.dates[months] = add_months(dt.date.fromisoformat(self.assessed), months).isoformat()
        return found


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _count(scores: list[Score], library: Library) -> dict[str, int]:
    counts = {r.id: 0 for r in library.method.ratings}
    for s in scores:
        counts[s.rating] += 1
    return counts


# --- Answer these next -------------------------------------------------------------


def _open_questions(banks: list[BankResult]) -> list[QuestionRef]:
    return [q for b in banks if b.applies for q in (b.unanswered + b.dont_know)]


def _answer_next(
    banks: list[BankResult],
    doc: dict,
    library: Library,
    facts: _Facts,
    all_states: dict[str, dict[Reading, dict[str, _State]]],
) -> list[AnswerNext]:
    """Each open question that could raise a rating, with what it could do if
    it alone went badly, most far-reaching first."""
    rank = _tables(library).rank.__getitem__
    none = {"id": "none", "label": "May not arise"}
    by_id = {b.id: b for b in banks}
    out = []
    references = {bank.id: _references(bank) for bank in library.banks}
    floors = {bank.id: all_states[bank.id][ESTABLISHED] for bank in library.banks}
    gaps = {
        r.id: rank(r.residual.rating) - (rank(r.established("residual").rating) if r.established_applies else -1)
        for b in banks
        for r in b.risks
    }
    resting: dict[str, list[str]] = {}
    for b in banks:
        for r in b.risks:
            for qid in r.assumptions:
                resting.setdefault(qid, []).append(r.id)
    follow_ups = _follow_ups(facts)
    for q in _open_questions(banks):
        # The question, and the follow-ups it decides whether to ask, go badly.
        worst = frozenset([q.id] + follow_ups.get(q.id, []))
        reading = Reading(worst)
        moves = []
        for bank in library.banks:
            result = by_id[bank.id]
            refs = references[bank.id]
            touched = [r for r in result.risks if refs[r.id] & worst]
            if not result.applies or not touched:
                continue
            # Only mitigations that look at the question read differently from the floor.
            states = {
                m.id: (
                    _state(m, doc, facts, library.questions, reading) if refs[m.id] & worst else floors[bank.id][m.id]
                )
                for m in bank.mitigations
            }
            risks = {x.id: x for x in bank.risks}
            for r in touched:
                after = _numbers(risks[r.id], bank, library, facts, reading, result.applies_established, states)
                if after is None:
                    continue
                before = r.established_residual if r.established_applies else None
                before_rank = -1 if before is None else rank(before.rating)
                if rank(after["residual"].rating) > before_rank or (
                    before is not None and after["residual"].score > before.score
                ):
                    new_flags = [f for f in after["flags"] if f not in _established_flags(r)]
                    moves.append(
                        Move(
                            r.id,
                            r.title,
                            before.rating if before else none["id"],
                            after["residual"].rating,
                            before.rating_label if before else none["label"],
                            after["residual"].rating_label,
                            new_flags,
                            before.score if before else None,
                            after["residual"].score,
                        )
                    )
        unsettled = [rid for rid in resting.get(q.id, []) if gaps[rid] > 0]
        reach = sum(gaps[rid] for rid in unsettled)
        if moves or reach:
            moves.sort(key=lambda m: (m.before == m.after, -rank(m.after)))
            steps = sum(rank(m.after) - (-1 if m.before == "none" else rank(m.before)) for m in moves)
            out.append(
                AnswerNext(
                    q.id,
                    q.bank_id,
                    q.section_id,
                    q.prompt,
                    q.short,
                    q.answer or "not answered",
                    q.bidder_question,
                    steps,
                    moves,
                    reach,
                    unsettled,
                )
            )
    order = {qid: i for i, qid in enumerate(library.questions)}
    out.sort(
        key=lambda a: (
            -a.steps,
            -a.reach,
            -max((rank(m.after) for m in a.moves), default=-1),
            -len(a.moves),
            order[a.id],
        )
    )
    return out


def _follow_ups(facts: _Facts) -> dict[str, list[str]]:
    """For each question, the questions whose being asked rests on its answer,
    found in one pass rather than one per open question."""
    out: dict[str, list[str]] = {}
    for qid, fact in facts.items():
        for decider in dict.fromkeys(fact.hidden_by):
            out.setdefault(decider, []).append(qid)
    return out


def _established_flags(r: RiskResult) -> list[str]:
    return [f.id for f in r.red_flags if not f.assumed]


# --- Overall -------------------------------------------------------------------------


def _overall(banks: list[BankResult], library: Library, answer_next: list[AnswerNext]) -> dict:
    risks = [r for b in banks for r in b.risks]
    known = [r for r in risks if r.established_applies]
    method = library.method
    overall: dict[str, Any] = {}
    counts, highest = _summary(risks, "", library)
    for stage in STAGES:
        overall[stage] = highest[stage]
        overall[f"{stage}_counts"] = counts[stage]
    overall["rating"] = overall["residual"]
    overall["rating_label"] = method.rating(overall["residual"]).label if overall["residual"] else None
    established: dict[str, Any] = {}
    counts, highest = _summary(known, "established_", library)
    for stage in STAGES:
        established[stage] = highest[stage]
        established[f"{stage}_counts"] = counts[stage]
    established["rating_label"] = method.rating(established["residual"]).label if established["residual"] else None
    overall["established"] = established
    overall["settled"] = established["residual"] == overall["residual"]
    overall["risks"] = len(risks)
    overall["red_flags"] = sum(len(r.red_flags) for r in risks)
    overall["red_flags_assumed"] = sum(1 for r in risks for f in r.red_flags if f.assumed)
    overall["scores_resting_on_assumptions"] = sum(1 for r in risks if r.assumptions)
    overall["banks_applying"] = [b.id for b in banks if b.kind == "risk" and b.applies]
    overall["banks_skipped"] = [b.id for b in banks if b.kind == "risk" and not b.applies]
    overall["banks_applying_established"] = [b.id for b in banks if b.kind == "risk" and b.applies_established]
    overall["unanswered"] = sum(len(b.unanswered) for b in banks)
    overall["dont_know"] = sum(len(b.dont_know) for b in banks)
    overall["open_answers_that_move_ratings"] = len(answer_next)
    return overall
