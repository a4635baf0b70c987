"""The worked examples: the checked-in registers are exactly what the code writes today.
Their expected ratings are calibration cases now (examples/calibration/, tests/test_calibration.py)."""

from __future__ import annotations

import pytest

from forethought import documents, engine, register

from .conftest import ROOT
from .test_register import assert_valid_gfm_tables

EXAMPLES = ROOT / "examples"
ASSESSMENTS = sorted(EXAMPLES.glob("*.json"))
STAGES = ("inherent", "residual", "target")


@pytest.mark.parametrize("path", ASSESSMENTS, ids=[p.stem for p in ASSESSMENTS])
def test_the_checked_in_register_is_current(path, library):
    """Run `make generate` after changing a bank, the engine or a template."""
    doc = documents.load(path, library)
    written = register.markdown(doc, engine.score(doc, library), library)
    checked_in = path.with_suffix(".md")
    assert checked_in.exists(), f"{checked_in.name} is missing: run make generate"
    assert checked_in.read_text(encoding="utf-8") == written, f"{checked_in.name} is stale: run make generate"


@pytest.mark.parametrize("path", ASSESSMENTS, ids=[p.stem for p in ASSESSMENTS])
def test_the_example_registers_are_valid_gfm(path):
    assert assert_valid_gfm_tables(path.with_suffix(".md").read_text(encoding="utf-8")) >= 8
