"""JSON that the json module accepts but nothing after it can use: nesting deep enough to
exhaust Python's stack, numbers too long to convert or not finite, lone surrogates. Every
command that reads a file says what is wrong, exits with status 1, and prints no traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from forethought.cli import cli
from forethought.files import MAX_DEPTH, parse_json

ASSESSMENT = '{"format": "forethought-assessment", "format_version": 1, "banks": {"profile": {"answers": %s}}}'

# name: (file content, words the message must hold)
HOSTILE = {
    "200,000 nested lists": ("[" * 200_000, "nested more than 64 levels deep"),
    "200,000 nested objects": ('{"a":' * 200_000, "nested more than 64 levels deep"),
    "65 nested lists, closed": ("[" * 65 + "]" * 65, "nested more than 64 levels deep"),
    "a 5,000-digit integer": (ASSESSMENT % ('{"PR-10": {"value": ' + "9" * 5000 + "}}"), "5000 digits"),
    "a 5,000-digit integer at the top": ("9" * 5000, "5000 digits"),
    "a number too large for a float": ("[1e999]", "1e999 is too large"),
    "NaN": ("[NaN]", "NaN is not a JSON number"),
    "a lone surrogate": (ASSESSMENT % '{"PR-01": {"value": "\\ud800"}}', "lone surrogate"),
    "a lone surrogate in a key": ('{"\\udfff": 1}', "lone surrogate"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_parse_json_names_the_problem(name):
    content, words = HOSTILE[name]
    data, problems = parse_json(content.encode(), "upload.json")
    assert data is None and len(problems) == 1
    assert words in problems[0].message and problems[0].file == "upload.json"


def test_a_surrogate_is_found_where_it_is():
    _, problems = parse_json(ASSESSMENT % '{"PR-01": {"value": "\\ud800"}}', "a.json")
    assert problems[0].where == "/banks/profile/answers/PR-01/value"


def test_what_real_files_hold_still_parses():
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json(nested, "x")[1] == []
    assert parse_json('{"a": "caf\\u00e9 \\ud83d\\ude00", "n": -12345678901234567890, "f": 0.25}', "x") == (
        {"a": "café 😀", "n": -12345678901234567890, "f": 0.25},
        [],
    )


COMMANDS = [
    ["score"],
    ["register"],
    ["register", "--format", "csv"],
    ["verify"],
    ["withdraw", "--reason", "test"],
    ["publish", "--name", "A", "--role", "B", "--decision", "proceed", "-o", "{out}"],
    ["validate"],
    ["site", "{out}", "--from"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("name", ["200,000 nested lists", "a 5,000-digit integer", "a lone surrogate"])
def test_every_command_reading_a_file_says_what_is_wrong_without_a_traceback(tmp_path, command, name):
    path = tmp_path / "hostile.json"
    path.write_text(HOSTILE[name][0], encoding="utf-8")
    out = tmp_path / "out"
    args = [*(a.replace("{out}", str(out)) for a in command), str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert HOSTILE[name][1] in result.output
