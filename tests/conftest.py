"""Shared fixtures: real bank files, real assessment documents, real files on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from forethought import documents, loading

# The property tests' examples: 60 each in the full suite; `make test-fast` asks for the "fast"
# profile (`--hypothesis-profile=fast`), a quarter as many, for the edit-test loop.
settings.register_profile("full", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fast", parent=settings.get_profile("full"), max_examples=15)
settings.load_profile("full")

TESTS = Path(__file__).parent
ROOT = TESTS.parent
FIXTURE_BANK = TESTS / "banks" / "fixture.json"


@pytest.fixture(scope="session")
def library():
    """The bundled banks, as a user gets them."""
    return loading.load_library()


@pytest.fixture(scope="session")
def fixture_library():
    """The bundled profile and scoring method with only the small fixture bank."""
    return loading.load_library([FIXTURE_BANK])


@pytest.fixture
def fixture_data() -> dict:
    """The fixture bank as data, to break in tests."""
    return json.loads(FIXTURE_BANK.read_text())


@pytest.fixture
def new_doc(fixture_library):
    """A function making a fixture-bank document from {question id: value}."""

    def make(answers: dict | None = None, **extra) -> dict:
        doc = documents.new_document(fixture_library, "2026-11-21")
        doc["banks"]["profile"]["answers"]["PR-16"] = {"value": "yes"}
        for qid, value in (answers or {}).items():
            bank = fixture_library.questions[qid].bank_id
            if value is None:
                doc["banks"][bank]["answers"].pop(qid, None)
            else:
                doc["banks"][bank]["answers"][qid] = {"value": value}
        for key, value in extra.items():
            doc["banks"]["fixture"][key] = value
        checked, problems = documents.check(doc, fixture_library)
        assert not problems, problems
        return checked

    return make


_CALIBRATION_REPORT: list[str] = []


@pytest.fixture(scope="session")
def calibration_report() -> list[str]:
    """Lines the calibration tests want printed at the end of the run."""
    return _CALIBRATION_REPORT


def pytest_terminal_summary(terminalreporter):
    if _CALIBRATION_REPORT:
        terminalreporter.section("calibration: agreement with the reviewers' ratings")
        for line in _CALIBRATION_REPORT:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def own_data_folder(tmp_path_factory, monkeypatch):
    """Every test gets its own default database folder, so nothing a test does (a database, a
    signing key) lands in the person's real data folder."""
    monkeypatch.setenv("FORETHOUGHT_DB", str(tmp_path_factory.mktemp("data") / "forethought.db"))
