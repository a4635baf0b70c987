"""The published schema stands alone: one file that check-jsonschema and ajv, run as a third
party runs them, use to validate every published example with no other file beside it, and
that rejects a broken file naming where it is broken. It is generated from the three schemas
(publishing/schema.py), so the copies it carries cannot drift from the bank and scoring schemas."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forethought import resources
from forethought.publishing import schema

from .conftest import ROOT, TESTS

EXAMPLES = sorted((ROOT / "examples" / "published").glob("*.json"))
JS = TESTS / "js"  # package.json and package-lock.json pin ajv; npm ci installs it here
NO_NODE = "needs node and npm to run ajv (apt-get install nodejs npm); CI must have them"


def test_the_committed_schema_is_the_generated_one():
    committed = resources.schema_path(schema.PUBLISHED_FILE).read_text(encoding="utf-8")
    assert committed == schema.standalone_text(), "run `make generate` to refresh the published schema"


def test_every_reference_is_inside_the_file():
    def refs(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    published = json.loads(resources.schema_path(schema.PUBLISHED_FILE).read_text(encoding="utf-8"))
    found = list(refs(published))
    assert "#/$defs/question-bank" in found and "#/$defs/scoring-method" in found
    assert "#/$defs/question-bank/$defs/condition" in found
    assert [r for r in found if not r.startswith("#")] == []


def test_the_copies_follow_their_schemas():
    """A change to the bank schema shows in the published schema once it is generated again."""
    published = json.loads(resources.schema_path(schema.PUBLISHED_FILE).read_text(encoding="utf-8"))
    bank = json.loads(resources.schema_path("question-bank.schema.json").read_text(encoding="utf-8"))
    scoring = json.loads(resources.schema_path("scoring-method.schema.json").read_text(encoding="utf-8"))
    bank["$defs"]["slug"]["maxLength"] = 7
    again = schema.standalone(published, {"question-bank": bank, "scoring-method": scoring})
    assert again["$defs"]["question-bank"]["$defs"]["slug"]["maxLength"] == 7
    assert "$id" not in again["$defs"]["question-bank"]
    assert schema.standalone(again, {"question-bank": bank, "scoring-method": scoring}) == again


@pytest.fixture
def alone(tmp_path) -> Path:
    """A folder holding the published schema and nothing else from this repository."""
    folder = tmp_path / "alone"
    folder.mkdir()
    shutil.copyfile(resources.schema_path(schema.PUBLISHED_FILE), folder / "published-assessment.schema.json")
    return folder


@pytest.fixture
def broken(tmp_path) -> Path:
    document = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    document = copy.deepcopy(document)
    document["method"]["banks"][1]["risks"][0]["likelihood"]["base"] = 9
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def check_jsonschema(schema_file: Path, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema_file), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_jsonschema_validates_every_example(alone):
    result = check_jsonschema(alone / "published-assessment.schema.json", *EXAMPLES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_check_jsonschema_rejects_a_broken_file_naming_where(alone, broken):
    result = check_jsonschema(alone / "published-assessment.schema.json", broken)
    assert result.returncode == 1
    assert "$.method.banks[1].risks[0].likelihood.base: 9 is greater than the maximum of 5" in result.stdout


@pytest.fixture(scope="module")
def ajv() -> Path:
    """ajv-cli from npm, installed from tests/js/package-lock.json when it is missing or stale."""
    if not (shutil.which("node") and shutil.which("npm")):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true, so the ajv tests must run, but " + NO_NODE)
        pytest.skip(NO_NODE)
    installed = JS / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (JS / "package-lock.json").stat().st_mtime:
        npm = shutil.which("npm")
        assert npm
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return JS / "node_modules" / ".bin" / "ajv"


def run_ajv(ajv: Path, schema_file: Path, *files: Path) -> subprocess.CompletedProcess:
    # The command a third party runs; strict types off, since a bank schema states "type"
    # beside "properties" only where it matters (ajv's strictTypes only warns about that).
    data = [arg for f in files for arg in ("-d", str(f))]
    command = ["validate", "--spec=draft2020", "--strict-types=false", "--all-errors", "--errors=text"]
    return subprocess.run(
        [str(ajv), *command, "-c", "ajv-formats", "-s", str(schema_file), *data],
        cwd=JS,  # where ajv-formats is installed
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_ajv_validates_every_example(ajv, alone):
    result = run_ajv(ajv, alone / "published-assessment.schema.json", *EXAMPLES)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in EXAMPLES:
        assert f"{path} valid" in result.stdout + result.stderr


@pytest.mark.slow
def test_ajv_rejects_a_broken_file_naming_where(ajv, alone, broken):
    result = run_ajv(ajv, alone / "published-assessment.schema.json", broken)
    assert result.returncode == 1
    assert "data/method/banks/1/risks/0/likelihood/base must be <= 5" in result.stdout + result.stderr
