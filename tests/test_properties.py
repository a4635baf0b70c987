"""Properties of the engine over random valid documents, for every bundled bank and the fixture.

- it never crashes, and every number stays in range;
- the reading if the unknowns go badly is never below the reading on what the team has told us;
- marking a mitigation in place never raises a residual score or rating;
- replacing "don't know" (or no answer) with any real answer never raises a score or rating
  in the cautious reading, and moves each rating only within the range the two readings gave.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forethought import documents, engine, loading
from forethought.conditions import DONT_KNOW

from .conftest import FIXTURE_BANK

LIBRARY = loading.load_library(extra=[FIXTURE_BANK])
QUESTIONS = list(LIBRARY.questions.values())
MITIGATIONS = [(b.id, m.id) for b in LIBRARY.banks for m in b.mitigations]
WITH_DONT_KNOW = [q for q in QUESTIONS if q.dont_know]
STAGES = ("inherent", "residual", "target")
# How many examples comes from the profile tests/conftest.py loads: 60, or 15 under `make test-fast`.
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def real_values(question) -> st.SearchStrategy:
    """Any valid answer that is not "don't know"."""
    real = [v for v in question.values if v != DONT_KNOW]
    t = question.type
    if t in ("single_choice", "yes_no"):
        return st.sampled_from(real)
    if t == "multiple_choice":
        return st.lists(st.sampled_from(real), min_size=1, unique=True)
    if t == "text":
        return st.text(min_size=1, max_size=40)
    if t == "list":
        item = (
            st.from_regex(question.item_pattern, fullmatch=True)
            if question.item_pattern
            else st.text(min_size=1, max_size=30)
        )
        item = item.filter(lambda s: 1 <= len(s) <= 500)
        return st.lists(item, min_size=1, max_size=min(question.max_items or 5, 5))
    if t == "number":
        low = question.minimum if question.minimum is not None else -1e6
        high = question.maximum if question.maximum is not None else 1e6
        if question.integer:
            return st.integers(min_value=int(low), max_value=int(high))
        return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    if t == "date":
        return st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)).map(dt.date.isoformat)
    raise AssertionError(t)


def any_values(question) -> st.SearchStrategy:
    if not question.dont_know:
        return real_values(question)
    if question.type == "number":
        return st.one_of(real_values(question), st.just(DONT_KNOW))
    if question.type == "multiple_choice":
        return st.one_of(
            real_values(question), real_values(question).map(lambda v: v + [DONT_KNOW]), st.just([DONT_KNOW])
        )
    return st.one_of(real_values(question), st.just(DONT_KNOW))


mitigation_records = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["recommended", "planned", "in_place"]),
        "owner": st.text(min_size=1, max_size=20),
    },
)


@st.composite
def assessment_documents(draw) -> dict:
    doc = documents.new_document(LIBRARY, "2026-11-21")
    for q in QUESTIONS:
        if draw(st.booleans()):
            doc["banks"][q.bank_id]["answers"][q.id] = {"value": draw(any_values(q))}
    for bank_id, mid in MITIGATIONS:
        if draw(st.integers(0, 4)) == 0:
            doc["banks"][bank_id].setdefault("mitigations", {})[mid] = draw(mitigation_records)
    checked, problems = documents.check(doc, LIBRARY)
    assert not problems, problems  # a strategy bug, not an engine one
    return checked


def dont_know(question):
    return [DONT_KNOW] if question.type == "multiple_choice" else DONT_KNOW


def unknown_then_known(doc: dict, data) -> tuple[dict, dict]:
    """The document with one question answered "don't know", and with a real answer instead."""
    question = data.draw(st.sampled_from(WITH_DONT_KNOW))
    real = data.draw(real_values(question))
    unknown = copy.deepcopy(doc)
    unknown["banks"][question.bank_id]["answers"][question.id] = {"value": dont_know(question)}
    known = copy.deepcopy(doc)
    known["banks"][question.bank_id]["answers"][question.id] = {"value": real}
    return unknown, known


def scores(result) -> dict:
    return {(r.id, stage): getattr(r, stage) for r in result.risks for stage in STAGES}


def no_higher(after: dict, before: dict) -> None:
    """Every score in after is at most the same score in before. A risk may
    vanish (a real answer can screen its bank out) but never appear."""
    rank = LIBRARY.method.rank
    assert set(after) <= set(before), set(after) - set(before)
    for key, new in after.items():
        old = before[key]
        assert new.score <= old.score, (key, old, new)
        assert rank(new.rating) <= rank(old.rating), (key, old, new)


@SETTINGS
@given(assessment_documents())
def test_random_documents_never_crash_and_stay_in_range(doc):
    result = engine.score(doc, LIBRARY)
    rank = LIBRARY.method.rank
    for r in result.risks:
        for stage in STAGES:
            s = getattr(r, stage)
            assert 1 <= s.likelihood <= 5 and 1 <= s.impact <= 5 and s.score == s.likelihood * s.impact
        assert r.residual.likelihood <= r.inherent.likelihood and r.residual.impact <= r.inherent.impact
        assert r.target.likelihood <= r.residual.likelihood and r.target.impact <= r.residual.impact
        assert rank(r.target.rating) <= rank(r.residual.rating) <= rank(r.inherent.rating)
        assert r.likelihood.value == max(1, min(5, sum(x.points for x in r.likelihood.reasons)))
        assert r.impact.value == max(1, min(5, sum(x.points for x in r.impact.reasons)))
    result.to_dict()


def floor_ranks(result) -> dict:
    """Each risk's rating rank on what the team has told us; -1 where it may not arise."""
    rank = LIBRARY.method.rank
    return {
        (r.id, stage): (rank(r.established(stage).rating) if r.established_applies else -1)
        for r in result.risks
        for stage in STAGES
    }


def ceiling_ranks(result) -> dict:
    rank = LIBRARY.method.rank
    return {(r.id, stage): rank(getattr(r, stage).rating) for r in result.risks for stage in STAGES}


@SETTINGS
@given(assessment_documents())
def test_the_cautious_reading_is_never_below_the_established_one(doc):
    result = engine.score(doc, LIBRARY)
    rank = LIBRARY.method.rank
    for r in result.risks:
        for stage in STAGES:  # the floor never sits above the ceiling, on any axis
            floor, ceiling = r.established(stage), getattr(r, stage)
            assert floor.score <= ceiling.score and rank(floor.rating) <= rank(ceiling.rating), (r.id, stage)
            assert floor.likelihood <= ceiling.likelihood and floor.impact <= ceiling.impact, (r.id, stage)
        assert {f.id for f in r.red_flags if not f.assumed} <= {f.id for f in r.red_flags}
    for b in result.banks:
        assert b.applies or not b.applies_established
        for stage in STAGES:
            if b.highest_established[stage]:
                assert rank(b.highest_established[stage]) <= rank(b.highest[stage])
    overall = result.overall
    if overall["established"]["residual"]:
        assert rank(overall["established"]["residual"]) <= rank(overall["residual"])
    assert overall["settled"] == (overall["established"]["residual"] == overall["residual"])


@SETTINGS
@given(assessment_documents(), st.data())
def test_answering_dont_know_moves_each_rating_only_within_the_two_readings(doc, data):
    unknown, known = unknown_then_known(doc, data)
    before, after = engine.score(unknown, LIBRARY), engine.score(known, LIBRARY)
    low, high = floor_ranks(before), ceiling_ranks(before)
    new_low, new_high = floor_ranks(after), ceiling_ranks(after)
    for key in new_high:
        # Both new readings lie inside the old range: the floor never drops, the ceiling never rises.
        assert key in high, key
        assert low[key] <= new_low[key] <= new_high[key] <= high[key], (
            key,
            low[key],
            new_low[key],
            new_high[key],
            high[key],
        )


@SETTINGS
@given(assessment_documents(), st.data())
def test_answer_these_next_names_only_open_questions_that_could_raise_a_rating(doc, data):
    result = engine.score(doc, LIBRARY)
    open_ids = {q.id for b in result.banks for q in b.unanswered + b.dont_know}
    rank = LIBRARY.method.rank
    ceilings = {r.id: r.residual for r in result.risks}
    for item in result.answer_next:
        assert item.id in open_ids
        for move in item.moves:
            # Going badly on one answer can never go past the reading where every answer goes badly.
            assert rank(move.after) <= rank(ceilings[move.risk].rating)


@SETTINGS
@given(assessment_documents(), st.sampled_from(MITIGATIONS))
def test_marking_a_mitigation_in_place_never_raises_a_residual_score(doc, chosen):
    bank_id, mid = chosen
    before = engine.score(doc, LIBRARY)
    marked = copy.deepcopy(doc)
    marked["banks"][bank_id].setdefault("mitigations", {})[mid] = {"status": "in_place"}
    after = engine.score(marked, LIBRARY)
    no_higher(
        {k: v for k, v in scores(after).items() if k[1] == "residual"},
        {k: v for k, v in scores(before).items() if k[1] == "residual"},
    )


@SETTINGS
@given(assessment_documents(), st.data())
def test_a_real_answer_never_scores_above_dont_know(doc, data):
    unknown, known = unknown_then_known(doc, data)
    no_higher(scores(engine.score(known, LIBRARY)), scores(engine.score(unknown, LIBRARY)))


@SETTINGS
@given(assessment_documents(), st.data())
def test_a_real_answer_never_scores_above_no_answer(doc, data):
    question = data.draw(st.sampled_from(QUESTIONS))
    real = data.draw(real_values(question))
    unanswered = copy.deepcopy(doc)
    unanswered["banks"][question.bank_id]["answers"].pop(question.id, None)
    answered = copy.deepcopy(doc)
    answered["banks"][question.bank_id]["answers"][question.id] = {"value": real}
    no_higher(scores(engine.score(answered, LIBRARY)), scores(engine.score(unanswered, LIBRARY)))


def test_the_strategies_cover_every_question_type():
    assert {q.type for q in QUESTIONS} == {
        "single_choice",
        "multiple_choice",
        "yes_no",
        "text",
        "list",
        "number",
        "date",
    }
    assert MITIGATIONS and WITH_DONT_KNOW


@pytest.mark.parametrize(
    "question", [q for q in QUESTIONS if q.dont_know and q.type == "multiple_choice"][:3], ids=lambda q: q.id
)
def test_dont_know_with_real_choices_is_never_below_the_real_choices_alone(question):
    """ "A, and maybe more" must score at least as high as "A"."""
    doc = documents.new_document(LIBRARY, "2026-11-21")
    real = [v for v in question.values if v != DONT_KNOW][:1]
    alone = copy.deepcopy(doc)
    alone["banks"][question.bank_id]["answers"][question.id] = {"value": real}
    maybe_more = copy.deepcopy(doc)
    maybe_more["banks"][question.bank_id]["answers"][question.id] = {"value": real + [DONT_KNOW]}
    no_higher(scores(engine.score(alone, LIBRARY)), scores(engine.score(maybe_more, LIBRARY)))
