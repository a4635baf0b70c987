"""The scoring engine, against the fixture bank, with every number worked out by hand."""

from __future__ import annotations

import pytest

from forethought import engine
from forethought.engine import add_months


def risk(result, rid):
    return next(r for r in result.risks if r.id == rid)


def mitigation(risk_result, mid):
    return next(m for m in risk_result.mitigations if m.id == mid)


BEST = {
    "FX-01": "low",
    "FX-02": ["none"],
    "FX-03": 7,
    "FX-04": "no",
    "FX-06": "yes_contract",
    "FX-07": "Audit committee",
    "FX-08": "2026-10-01",
    "FX-09": ["Contract schedule 4"],
    "PR-11": "under_1k",
}


def test_best_answers_give_the_lowest_scores(new_doc, fixture_library):
    result = engine.score(new_doc(BEST), fixture_library)
    r1 = risk(result, "FX-R01")
    # Likelihood 1 + 0 (low) + 0 (7 days); impact 2 + 0 + 0.
    assert (r1.inherent.likelihood, r1.inherent.impact, r1.inherent.score, r1.inherent.rating) == (1, 2, 2, "low")
    assert r1.assumptions == []
    # M01 (L-2) and M02 (I-1) are in place by the answers, but only claimed: a claim may take
    # off one level of likelihood (already 1) and nothing off impact.
    assert (r1.residual.likelihood, r1.residual.impact) == (1, 2)
    evidenced = new_doc(BEST)
    evidenced["banks"]["fixture"]["answers"]["FX-07"]["evidence"] = "Audit committee terms of reference"
    r1 = risk(engine.score(evidenced, fixture_library), "FX-R01")
    assert (r1.residual.likelihood, r1.residual.impact) == (
        1,
        1,
    )  # with evidence M02 lowers impact; neither goes below 1
    assert mitigation(r1, "FX-M02").evidenced and not mitigation(r1, "FX-M01").evidenced
    r2 = risk(result, "FX-R02")
    assert (r2.inherent.likelihood, r2.inherent.impact) == (1, 3)
    assert r2.red_flags == []
    assert result.bank("fixture").status == "completed"


def test_unanswered_counts_as_the_least_favourable_answer(new_doc, fixture_library):
    result = engine.score(new_doc(), fixture_library)
    r1 = risk(result, "FX-R01")
    # Likelihood 1 + 2 (FX-01 max) + 2 (FX-03 max band) = 5; impact 2 + 2 + 2 = 6, capped at 5.
    assert (r1.inherent.likelihood, r1.inherent.impact) == (5, 5)
    assert r1.assumptions == ["FX-01", "FX-02", "FX-03", "FX-06", "FX-07", "PR-11"]
    assert [x.points for x in r1.impact.reasons] == [2, 2, 2, -1]
    assert "not answered" in r1.likelihood.reasons[1].text


def test_dont_know_scores_like_the_worst_answer(new_doc, fixture_library):
    worst = risk(engine.score(new_doc({**BEST, "FX-01": "high"}), fixture_library), "FX-R01")
    unknown = risk(engine.score(new_doc({**BEST, "FX-01": "dont_know"}), fixture_library), "FX-R01")
    assert unknown.inherent.likelihood == worst.inherent.likelihood == 3
    assert unknown.assumptions == ["FX-01"] and worst.assumptions == []


def test_multiple_choice_counts_its_highest_option(new_doc, fixture_library):
    r = risk(engine.score(new_doc({**BEST, "FX-02": ["location", "health"]}), fixture_library), "FX-R01")
    assert r.inherent.impact == 2 + 2
    # "Don't know" alongside a real choice means "maybe more": the maximum counts.
    r = risk(engine.score(new_doc({**BEST, "FX-02": ["location", "dont_know"]}), fixture_library), "FX-R01")
    assert r.inherent.impact == 2 + 2
    assert "FX-02" in r.assumptions


@pytest.mark.parametrize("days, points", [(0, 0), (30, 0), (31, 1), (364, 1), (365, 2), (3650, 2)])
def test_number_bands(new_doc, fixture_library, days, points):
    r = risk(engine.score(new_doc({**BEST, "FX-03": days}), fixture_library), "FX-R01")
    assert r.inherent.likelihood == 1 + points


def test_a_driver_counts_only_when_its_condition_holds(new_doc, fixture_library):
    covert = {**BEST, "FX-01": "high", "FX-04": "yes", "FX-05": "yes"}
    assert risk(engine.score(new_doc(covert), fixture_library), "FX-R02").inherent.likelihood == 1 + 2 + 1
    overt = {**BEST, "FX-01": "high", "FX-04": "no"}
    assert risk(engine.score(new_doc(overt), fixture_library), "FX-R02").inherent.likelihood == 1


def test_answers_to_hidden_questions_are_kept_but_ignored(new_doc, fixture_library):
    # FX-05 only shows when FX-04 is yes; its "no" must not raise the red flag.
    doc = new_doc({**BEST, "FX-04": "no", "FX-05": "no"})
    result = engine.score(doc, fixture_library)
    assert risk(result, "FX-R02").red_flags == []
    assert doc["banks"]["fixture"]["answers"]["FX-05"] == {"value": "no"}


def test_a_red_flag_forces_the_top_rating_until_cleared(new_doc, fixture_library):
    doc = new_doc({**BEST, "FX-04": "yes", "FX-05": "no"})
    r = risk(engine.score(doc, fixture_library), "FX-R02")
    assert r.inherent.score == 3 * 3 and r.inherent.rating == "critical" and r.inherent.forced_by_red_flag
    assert r.residual.rating == "critical"
    # FX-M03 clears it and is recommended, so the target is not forced.
    assert not r.target.forced_by_red_flag
    flag = r.red_flags[0]
    assert (flag.id, flag.assumed, flag.cleared_in_residual, flag.cleared_in_target) == ("FX-F01", False, False, True)
    declined = new_doc(
        {**BEST, "FX-04": "yes", "FX-05": "no"}, mitigations={"FX-M03": {"status": "declined", "note": "Not our call"}}
    )
    assert risk(engine.score(declined, fixture_library), "FX-R02").target.rating == "critical"


def test_an_unknown_red_flag_is_raised_and_marked_as_assumed(new_doc, fixture_library):
    r = risk(engine.score(new_doc({**BEST, "FX-04": "dont_know"}), fixture_library), "FX-R02")
    assert r.red_flags[0].assumed
    assert r.inherent.rating == "critical"
    assert set(r.assumptions) >= {"FX-04", "FX-05"}


def test_mitigations_in_place_from_answers_lower_the_residual(new_doc, fixture_library):
    answers = {**BEST, "FX-01": "high", "FX-03": 400, "FX-02": ["health"], "PR-11": "over_1m", "FX-06": "no_limit"}
    answers.pop("FX-07")
    r = risk(engine.score(new_doc(answers), fixture_library), "FX-R01")
    assert (r.inherent.likelihood, r.inherent.impact) == (5, 5)
    assert (r.residual.likelihood, r.residual.impact) == (5, 5)  # nothing in place
    assert (r.target.likelihood, r.target.impact) == (3, 4)  # M01 L-2, M02 I-1
    assert mitigation(r, "FX-M01").assumed is False
    answers["FX-06"] = "yes_contract"
    r = risk(engine.score(new_doc(answers), fixture_library), "FX-R01")
    assert (r.residual.likelihood, r.residual.impact) == (4, 5)  # only claimed: at most one level off
    assert mitigation(r, "FX-M01").in_place_by == "answers"
    assert r.capped == [
        "Residual: mitigations would lower likelihood by 2; without evidence the method allows 1 "
        "for those only claimed, and at most 3 in all."
    ]
    doc = new_doc(answers)
    doc["banks"]["fixture"]["answers"]["FX-06"]["evidence"] = "Contract schedule 4, clause 2"
    r = risk(engine.score(doc, fixture_library), "FX-R01")
    assert (r.residual.likelihood, r.residual.impact) == (3, 5)  # evidenced: the whole 2 comes off


def test_the_team_can_mark_a_mitigation_in_place(new_doc, fixture_library):
    answers = dict(BEST)
    answers.pop("FX-07")
    answers["FX-06"] = "no_limit"
    doc = new_doc(answers, mitigations={"FX-M02": {"status": "in_place", "evidence": "Board minutes 12"}})
    r = risk(engine.score(doc, fixture_library), "FX-R02")
    m = mitigation(r, "FX-M02")
    assert (m.status, m.in_place_by, m.evidence) == ("in_place", "team", ["Board minutes 12"])
    assert "though the answers do not show it" in m.why


def test_don_t_know_on_a_control_means_not_in_place(new_doc, fixture_library):
    r = risk(engine.score(new_doc({**BEST, "FX-06": "dont_know"}), fixture_library), "FX-R01")
    m = mitigation(r, "FX-M01")
    assert m.status == "recommended" and m.assumed
    assert "FX-06" in r.assumptions


def test_a_bank_that_does_not_apply_is_skipped_with_its_reason(new_doc, fixture_library):
    doc = new_doc(BEST)
    doc["banks"]["profile"]["answers"]["PR-16"] = {"value": "no"}
    bank = engine.score(doc, fixture_library).bank("fixture")
    assert (bank.applies, bank.status, bank.skip_reason, bank.risks) == (
        False,
        "not_applicable",
        "No supplier handles data.",
        [],
    )


def test_a_bank_whose_screening_is_unanswered_applies(new_doc, fixture_library):
    doc = new_doc(BEST)
    del doc["banks"]["profile"]["answers"]["PR-16"]
    bank = engine.score(doc, fixture_library).bank("fixture")
    assert bank.applies and [q.id for q in bank.settle_first] == ["PR-16"]


@pytest.mark.parametrize("screening", [None, "dont_know"])
def test_the_form_asks_a_bank_only_once_the_profile_settles_that_it_applies(new_doc, fixture_library, screening):
    doc = new_doc(BEST)
    answers = doc["banks"]["profile"]["answers"]
    if screening is None:
        del answers["PR-16"]
    else:
        answers["PR-16"] = {"value": screening}
    bank_questions = fixture_library.bank("fixture").questions
    form = engine.visibility(doc, fixture_library, for_form=True)
    assert not any(form[q] for q in bank_questions)
    result = engine.score(doc, fixture_library)
    bank = result.bank("fixture")
    # Scored as if it applied, on the answers given; it does not hold up the assessment.
    assert bank.applies and bank.status == "cannot_start" and bank.risks
    assert [(q.id, q.answer) for q in bank.settle_first] == [
        ("PR-16", "not answered" if screening is None else "Don't know")
    ]
    assert result.status == result.bank("profile").status
    answers["PR-16"] = {"value": "yes"}
    form = engine.visibility(doc, fixture_library, for_form=True)
    assert all(form[q] is not False for q in bank_questions if fixture_library.questions[q].show_when is None)
    assert engine.score(doc, fixture_library).bank("fixture").settle_first == []


def test_bidder_questions_come_from_dont_know_about_the_supplier(new_doc, fixture_library):
    bank = engine.score(new_doc({**BEST, "FX-04": "dont_know", "FX-06": "dont_know"}), fixture_library).bank("fixture")
    assert [q.id for q in bank.bidder_questions] == ["FX-04", "FX-06"]
    assert bank.bidder_questions[1].bidder_question == "Will you reuse our data for anything else?"


def test_review_dates_follow_the_cadence_unless_the_team_sets_one(new_doc, fixture_library):
    result = engine.score(
        new_doc(BEST, risks={"FX-R02": {"review_date": "2027-05-01", "owner": "Head of IT"}}), fixture_library
    )
    assert risk(result, "FX-R01").review_date == "2027-11-21"  # Low: every 12 months
    assert (risk(result, "FX-R02").review_date, risk(result, "FX-R02").owner) == ("2027-05-01", "Head of IT")


def test_overall_summary(new_doc, fixture_library):
    result = engine.score(new_doc({**BEST, "FX-04": "yes", "FX-05": "no"}), fixture_library)
    overall = result.overall
    assert overall["rating"] == "critical" and overall["risks"] == 2 and overall["red_flags"] == 1
    assert overall["residual_counts"] == {"low": 1, "medium": 0, "high": 0, "critical": 1}
    assert overall["banks_applying"] == ["fixture"]


def test_version_mismatch_is_noted(new_doc, fixture_library):
    doc = new_doc(BEST)
    doc["banks"]["fixture"]["version"] = "0.9.0"
    assert engine.score(doc, fixture_library).notes == [
        "Fixture bank: answered against version 0.9.0, scored with version 1.0.0."
    ]


@pytest.mark.parametrize(
    "day, months, expected",
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-11-21", 3, "2027-02-21"),
        ("2024-02-29", 12, "2025-02-28"),
    ],
)
def test_add_months(day, months, expected):
    import datetime as dt

    assert add_months(dt.date.fromisoformat(day), months).isoformat() == expected


def test_the_result_is_plain_json(new_doc, fixture_library):
    import json

    data = engine.score(new_doc(BEST), fixture_library).to_dict()
    assert json.loads(json.dumps(data)) == data


def test_a_mitigation_that_does_not_apply_is_not_listed_or_counted(new_doc, fixture_library):
    overt = risk(engine.score(new_doc({**BEST, "FX-04": "no"}), fixture_library), "FX-R02")
    assert [m.id for m in overt.mitigations] == ["FX-M02"]
    covert = risk(engine.score(new_doc({**BEST, "FX-04": "yes", "FX-05": "no"}), fixture_library), "FX-R02")
    assert [m.id for m in covert.mitigations] == ["FX-M02", "FX-M03"]
    assert mitigation(covert, "FX-M03").counts_in_target


def test_a_mitigation_that_may_apply_is_listed_but_lowers_nothing(new_doc, fixture_library):
    r = risk(engine.score(new_doc({**BEST, "FX-04": "dont_know"}), fixture_library), "FX-R02")
    m = mitigation(r, "FX-M03")
    assert m.status == "recommended" and not m.counts_in_target and m.assumed
    assert m.why.startswith(
        "Needed only if FX-04 (Covert) is \u201cYes\u201d: counted on what you have told us, "
        "but not if the unknowns go badly, until FX-04 is answered."
    )
    # If the unknowns go badly the red flag it would clear stays in the target; on what the team
    # has told us the flag is open, not raised, and the mitigation would count.
    assert r.target.forced_by_red_flag
    assert m.counts_in_target_established and not r.established_target.forced_by_red_flag


def test_a_risk_that_does_not_apply_is_named_with_the_answers_that_rule_it_out(new_doc, fixture_library):
    bank = engine.score(new_doc({**BEST, "FX-02": ["location"]}), fixture_library).bank("fixture")
    assert [r.id for r in bank.risks] == ["FX-R01", "FX-R02"]
    assert bank.risks_not_applying == [
        {"id": "FX-R03", "title": "Health data exposed", "because": "FX-02 Data used: Location"}
    ]
    bank = engine.score(new_doc({**BEST, "FX-02": ["health"]}), fixture_library).bank("fixture")
    assert [r.id for r in bank.risks] == ["FX-R01", "FX-R02", "FX-R03"]


def test_a_risk_that_may_apply_is_scored_and_rests_on_the_unknown(new_doc, fixture_library):
    r = risk(engine.score(new_doc({**BEST, "FX-02": ["dont_know"]}), fixture_library), "FX-R03")
    assert r.assumptions == ["FX-02"]
    assert r.likelihood.reasons[0].text == "Starting level: Health data is a common target."


def test_the_plain_form_of_a_result_is_exactly_what_asdict_gives(library):
    """to_dict skips asdict's deep copy of every string and number (they cannot change), and
    must give the same thing: the same values and the same types, all the way down."""
    import dataclasses
    import json

    from forethought import documents

    from .conftest import ROOT

    for path in sorted((ROOT / "examples").glob("*.json")):
        result = engine.score(documents.load(path, library), library)
        plain, expected = result.to_dict(), dataclasses.asdict(result)
        assert plain == expected and json.dumps(plain) == json.dumps(expected), path.name
        plain["banks"].append("changed")
        assert result.to_dict()["banks"] == expected["banks"], "each call gives its own copy"
