"""The bundled banks meet the bar set for content: enough questions, risks and
mitigations, every question backed by a listed public source."""

from __future__ import annotations

import pytest

from forethought import loading

LIBRARY = loading.load_library()
RISK_BANKS = LIBRARY.banks
ALL_BANKS = LIBRARY.all_banks
EXPECTED = {"surveillance", "vendor-data", "algorithmic-decisions", "digital-exclusion", "public-trust"}


def test_the_five_banks_and_the_profile_are_bundled():
    assert EXPECTED <= {b.id for b in RISK_BANKS}
    assert LIBRARY.profile.id == "profile"


@pytest.mark.parametrize("bank", RISK_BANKS, ids=lambda b: b.id)
def test_each_bank_meets_the_counts(bank):
    # The five founding banks are full; a smaller bank added later (social value and carbon) keeps
    # to what its area needs, but every risk still has two mitigations, one of them a contract term.
    assert len(bank.questions) >= (12 if bank.id in EXPECTED else 4)
    assert len(bank.risks) >= (6 if bank.id in EXPECTED else 3)
    for risk in bank.risks:
        lowering = bank.mitigations_for(risk.id)
        assert len(lowering) >= 2, f"{risk.id} has {len(lowering)} mitigations"
        assert any(m.where == "contract" for m in lowering), f"{risk.id} has no contract mitigation"


@pytest.mark.parametrize("bank", ALL_BANKS, ids=lambda b: b.id)
def test_every_question_cites_a_source_the_bank_lists(bank):
    for question in bank.questions.values():
        assert question.sources, f"{question.id} cites no source"
        for source in question.sources:
            assert source in bank.sources, f"{question.id} cites {source!r}, which {bank.id} does not list"


@pytest.mark.parametrize("bank", ALL_BANKS, ids=lambda b: b.id)
def test_every_listed_source_is_cited_and_complete(bank):
    cited = (
        {s for q in bank.questions.values() for s in q.sources}
        | {s for r in bank.risks for s in r.sources}
        | {s for r in bank.risks for f in r.red_flags for s in f.sources}
        | {s for m in bank.mitigations for s in m.sources}
    )
    for source in bank.sources.values():
        assert source.id in cited, f"{source.id} is listed but never cited"
        assert source.title and source.publisher


@pytest.mark.parametrize("bank", RISK_BANKS, ids=lambda b: b.id)
def test_supplier_questions_with_dont_know_have_a_question_for_bidders(bank):
    with_bidder = [q for q in bank.questions.values() if q.bidder_question]
    assert with_bidder, f"{bank.id} puts no question to bidders"
    for q in with_bidder:
        assert q.dont_know, f'{q.id} asks bidders, but offers no "don\'t know" to trigger it'


@pytest.mark.parametrize("bank", RISK_BANKS, ids=lambda b: b.id)
def test_screened_banks_say_why(bank):
    if bank.applies_when is not None:
        assert bank.not_applicable_reason
        assert all(leaf_q.startswith("PR-") for leaf_q in _questions(bank.applies_when))


def _questions(condition):
    from forethought.conditions import leaves

    return [leaf["question"] for leaf, _ in leaves(condition)]


@pytest.mark.parametrize("bank", ALL_BANKS, ids=lambda b: b.id)
def test_every_source_has_a_date(bank):
    """Every legal claim cites a dated source: the date of the version the bank relies on."""
    for source in bank.sources.values():
        assert source.date, f"{bank.id}: source {source.id} has no date"
