"""The forethought command: what it prints, what it writes, how it fails."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import jsonschema
import pytest
from click.testing import CliRunner

from forethought import documents
from forethought.cli import cli

from .conftest import FIXTURE_BANK


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def fixture_file(tmp_path, new_doc):
    doc = new_doc({"FX-01": "high", "FX-04": "dont_know", "FX-06": "yes_contract"})
    path = tmp_path / "assessment.json"
    path.write_text(documents.dumps(doc))
    return path


def test_banks_lists_every_bank_with_its_counts(library):
    result = invoke("banks", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [b.id for b in library.all_banks]
    assert rows[0]["kind"] == "profile"
    for row, bank in zip(rows, library.all_banks, strict=True):
        assert {k: row[k] for k in ("version", "questions", "risks", "mitigations", "sources")} == {
            "version": bank.version,
            **{k: v for k, v in bank.counts().items() if k != "red_flags"},
        }


def test_banks_as_a_table():
    result = invoke("banks")
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split() == [
        "id",
        "version",
        "questions",
        "risks",
        "mitigations",
        "sources",
        "title",
    ]


def test_extra_banks_join_the_bundled_ones():
    rows = json.loads(invoke("banks", "--json", "--banks", FIXTURE_BANK).output)
    assert "fixture" in [r["id"] for r in rows]


def test_schema_is_a_valid_json_schema_that_accepts_the_examples(library):
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = documents.new_document(library, "2026-11-21")
    jsonschema.validate(doc, schema)


def test_score_prints_json(fixture_file):
    result = invoke("score", fixture_file, "--banks", FIXTURE_BANK)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    fixture = next(b for b in data["banks"] if b["id"] == "fixture")
    assert [r["id"] for r in fixture["risks"]] == ["FX-R01", "FX-R02", "FX-R03"]


def test_register_writes_markdown_csv_and_json(fixture_file, tmp_path):
    out = tmp_path / "register.md"
    result = invoke("register", fixture_file, "-o", out, "--banks", FIXTURE_BANK)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# Risk register: ")
    csv_out = invoke("register", fixture_file, "--format", "csv", "--banks", FIXTURE_BANK)
    assert csv_out.output.startswith("bank,risk_id,")
    json_out = json.loads(invoke("register", fixture_file, "--format", "json", "--banks", FIXTURE_BANK).output)
    assert json_out["assessment"]["format"] == "forethought-assessment"


def test_register_writes_the_documents_a_business_case_carries(fixture_file, tmp_path):
    import io

    import docx as python_docx
    from odf import opendocument
    from odf.text import H
    from PIL import Image

    made = {}
    for fmt in ("md", "html", "docx", "odt", "svg", "png"):
        out = tmp_path / f"register.{fmt}"
        result = invoke("register", fixture_file, "--format", fmt, "-o", out, "--banks", FIXTURE_BANK)
        assert result.exit_code == 0, result.output
        made[fmt] = out.read_bytes()
    title = made["md"].decode().splitlines()[0].removeprefix("# ")
    assert made["html"].decode().startswith("<!DOCTYPE html>") and f"<title>{title}</title>" in made["html"].decode()
    assert python_docx.Document(io.BytesIO(made["docx"])).paragraphs[0].text == title
    assert str(opendocument.load(io.BytesIO(made["odt"])).getElementsByType(H)[0]) == title
    assert b'role="img"' in made["svg"] and Image.open(io.BytesIO(made["png"])).format == "PNG"
    # "markdown" still works as it did; printed, the Markdown is the same as written.
    assert (
        invoke("register", fixture_file, "--format", "markdown", "--banks", FIXTURE_BANK).output == made["md"].decode()
    )
    # A binary file is never printed to a terminal; piped, it is written whole.
    piped = invoke("register", fixture_file, "--format", "docx", "--banks", FIXTURE_BANK)
    assert piped.exit_code == 0
    assert python_docx.Document(io.BytesIO(piped.stdout_bytes)).paragraphs[0].text == title


@pytest.mark.parametrize(
    "content, words",
    [
        ("{", "line 1 column 2: not valid JSON"),
        ('{"format": "something-else", "format_version": 1, "banks": {}}', "/format: not a Forethought assessment"),
        ('{"format": "forethought-assessment", "format_version": 99, "banks": {}}', "made by a newer Forethought"),
        (
            '{"format": "forethought-assessment", "format_version": 1, "banks": {"nope": {}}}',
            "/banks: unknown key 'nope'",
        ),
        (
            '{"format": "forethought-assessment", "format_version": 1, '
            '"banks": {"profile": {"answers": {"PR-03": {"value": "later"}}}}}',
            "/banks/profile/answers/PR-03/value: 'later' is not one of 'planning'",
        ),
        ("[1, 2]", "an assessment must be a JSON object"),
    ],
)
def test_a_bad_assessment_gives_a_clear_message_and_status_1(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content)
    for command in ("score", "register"):
        result = invoke(command, path)
        assert result.exit_code == 1
        assert words in result.output, result.output
        assert "Traceback" not in result.output


def test_a_missing_assessment(tmp_path):
    result = invoke("score", tmp_path / "nowhere.json")
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_a_broken_extra_bank_stops_every_command(tmp_path, fixture_file):
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    result = invoke("score", fixture_file, "--banks", broken)
    assert result.exit_code == 1
    assert "The question banks have problems" in result.output


def test_the_installed_command_runs_in_a_real_process(fixture_file, tmp_path):
    """The console script as a user runs it, in its own process."""
    command = shutil.which("forethought", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert command, "the forethought console script is not installed next to this Python"
    out = tmp_path / "register.md"
    done = subprocess.run(
        [command, "register", str(fixture_file), "-o", str(out), "--banks", str(FIXTURE_BANK)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert out.exists() and "## Risk register" in out.read_text()
    done = subprocess.run(
        [command, "validate", str(tmp_path / "nowhere.json")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "file not found" in done.stdout


def test_the_register_formats_named_for_the_option_are_the_ones_made():
    """The option names its choices without importing the scoring; they must be what is made."""
    from forethought import cli as commands

    assert sorted(commands.REGISTER_FORMAT_NAMES) == sorted(commands._register_formats())


def test_starting_the_command_line_loads_neither_the_schema_checker_nor_the_scoring():
    """Every command pays for what `import forethought.cli` loads; JSON Schema checking and the
    scoring are loaded by the commands that use them (an option's choices once pulled in
    jsonschema for all of them, `forethought --help` too)."""
    heavy = "m.split('.')[0] == 'jsonschema' or m in ('forethought.engine', 'forethought.documents')"
    loaded = f"import sys, forethought.cli; print(sorted(m for m in sys.modules if {heavy}))"
    done = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_new_ids_never_start_with_a_hyphen_so_they_can_follow_a_command():
    """An id such as '-d4hIQ0u_VD' after `forethought share` read as an unknown option (a CI run
    found it): ids start with a letter or digit, and a hyphen-led id from an older database still
    works after `--`."""
    from forethought.store import new_id

    ids = [new_id() for _ in range(3000)]
    assert all(value[0].isalnum() and len(value) == 12 for value in ids)
    assert len(set(ids)) == len(ids)
    assert any(value[1] in "-_" for value in ids)  # still the whole URL-safe alphabet after the first


def test_an_older_id_that_starts_with_a_hyphen_still_works_after_a_double_dash(tmp_path, monkeypatch):
    from forethought import store as storage

    monkeypatch.setattr(storage, "new_id", lambda: "-d4hIQ0u_VDx")
    db = storage.Store(tmp_path / "old.db")
    aid = db.create({"banks": {}}, {"title": "Old"}, "Test", "Imported")
    assert aid == "-d4hIQ0u_VDx"
    result = CliRunner().invoke(cli, ["share", "--db", str(db.path), "--", aid, "--everyone"])
    assert "nobody called --everyone" in result.output  # after `--` it is a username, not the flag
    result = CliRunner().invoke(cli, ["share", "--everyone", "--db", str(db.path), "--", aid])
    assert result.exit_code == 0, result.output
