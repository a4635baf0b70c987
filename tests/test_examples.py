"""The examples: calibration cases score in the bands a careful reviewer expects, and the
checked-in registers are exactly what the code writes today."""

from __future__ import annotations

import json

import pytest

from app import assessment, engine, register

from .conftest import ROOT
from .test_register import assert_valid_gfm_tables

EXAMPLES = ROOT / "examples"
CASES = json.loads((EXAMPLES / "cases.json").read_text())["cases"]
ASSESSMENTS = sorted(p for p in EXAMPLES.glob("*.json") if p.name != "cases.json")
STAGES = ("inherent", "residual", "target")


def test_there_are_enough_cases_of_every_kind():
    kinds = [c["kind"] for c in CASES]
    assert len(CASES) >= 8
    assert {"low", "high", "mixed", "draft"} <= set(kinds)
    assert sorted(c["file"] for c in CASES) == sorted(p.name for p in ASSESSMENTS)
    for case in CASES:
        assert len(case["scenario"].split()) >= 30, case["file"]
        assert case["reviewer_note"].strip(), case["file"]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_case_scores_in_its_expected_band(case, library):
    doc = assessment.load(EXAMPLES / case["file"], library)
    result = engine.score(doc, library)
    expected = case["expected"]
    failures = []
    for stage, rating in expected.get("overall", {}).items():
        if result.overall[stage] != rating:
            failures.append(f"overall {stage}: expected {rating}, scored {result.overall[stage]}")
    for bank_id, rating in expected.get("banks", {}).items():
        bank = result.bank(bank_id)
        got = "not_applicable" if not bank.applies else bank.highest["residual"]
        if got != rating:
            failures.append(f"{bank_id} residual: expected {rating}, scored {got}")
    for risk_id, stages in expected.get("risks", {}).items():
        risk = next((r for r in result.risks if r.id == risk_id), None)
        if risk is None:
            failures.append(f"{risk_id}: expected a score, but the risk does not apply")
            continue
        for stage, rating in stages.items():
            if getattr(risk, stage).rating != rating:
                failures.append(f"{risk_id} {stage}: expected {rating}, scored {getattr(risk, stage).rating}")
    assert not failures, "\n".join(failures)


def test_every_case_states_an_overall_expectation():
    for case in CASES:
        assert "residual" in case["expected"].get("overall", {}), case["file"]


@pytest.mark.parametrize("path", ASSESSMENTS, ids=[p.stem for p in ASSESSMENTS])
def test_the_checked_in_register_is_current(path, library):
    """Run `make generate` after changing a bank, the engine or a template."""
    doc = assessment.load(path, library)
    written = register.markdown(doc, engine.score(doc, library), library)
    checked_in = path.with_suffix(".md")
    assert checked_in.exists(), f"{checked_in.name} is missing: run make generate"
    assert checked_in.read_text(encoding="utf-8") == written, f"{checked_in.name} is stale: run make generate"


@pytest.mark.parametrize("path", ASSESSMENTS, ids=[p.stem for p in ASSESSMENTS])
def test_the_example_registers_are_valid_gfm(path):
    assert assert_valid_gfm_tables(path.with_suffix(".md").read_text(encoding="utf-8")) >= 8
