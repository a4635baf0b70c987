"""`forethought validate`: the bundled banks pass, and broken banks give one clear line per problem."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from forethought import loading
from forethought.cache import Cache
from forethought.cli import cli
from forethought.problems import ProblemsFound

from .conftest import FIXTURE_BANK, ROOT


def question(data, qid):
    for section in data["sections"]:
        for q in section["questions"]:
            if q["id"] == qid:
                return q
    raise KeyError(qid)


def risk(data, rid):
    return next(r for r in data["risks"] if r["id"] == rid)


def mitigation(data, mid):
    return next(m for m in data["mitigations"] if m["id"] == mid)


def extra_risk(data, **changes):
    new = copy.deepcopy(risk(data, "FX-R01"))
    new.update(id="FX-R09", title="Another risk", **changes)
    data["risks"].append(new)
    return new


# Each case: a change to the fixture bank, then the (JSON pointer, words) of
# every line validate must print. Nothing else may be printed.
def set_in(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


CASES = {
    "unknown question in a condition": (
        lambda d: question(d, "FX-05").update(show_when={"question": "FX-99", "in": ["yes"]}),
        [("/sections/0/questions/4/show_when/question", "refers to question 'FX-99', which does not exist")],
    ),
    "duplicate question id": (
        lambda d: question(d, "FX-09").update(id="FX-07"),
        [("/sections/1/questions/3/id", "duplicate question id 'FX-07'")],
    ),
    "conditions in a cycle": (
        lambda d: (
            question(d, "FX-01").update(show_when={"question": "FX-02", "in": ["location"]}),
            question(d, "FX-02").update(show_when={"question": "FX-01", "in": ["high"]}),
        ),
        [
            ("/sections/0/questions/0/show_when/question", "depends on 'FX-02', which comes later"),
            ("/sections/0/questions/0/show_when", "conditions form a cycle: FX-01 → FX-02 → FX-01"),
        ],
    ),
    "question cites a source the bank does not list": (
        lambda d: question(d, "FX-03").update(sources=["nope"]),
        [("/sections/0/questions/2/sources/0", "cites source 'nope', which the bank does not list")],
    ),
    "question in a risk bank cites no source": (
        lambda d: question(d, "FX-07").pop("sources"),
        [("/sections/1/questions/1", "question FX-07 cites no source")],
    ),
    "wrong type": (
        lambda d: question(d, "FX-01").update(prompt=42),
        [("/sections/0/questions/0/prompt", "must be text, not 42")],
    ),
    "condition names an option the question lacks": (
        lambda d: question(d, "FX-05").update(show_when={"question": "FX-04", "in": ["maybe"]}),
        [("/sections/0/questions/4/show_when/in/0", "FX-04 has no option 'maybe' (its options: yes, no)")],
    ),
    "condition on a later question": (
        lambda d: question(d, "FX-04").update(show_when={"question": "FX-06", "in": ["partly"]}),
        [
            (
                "/sections/0/questions/3/show_when/question",
                "depends on 'FX-06', which comes later: a question can only depend on earlier answers",
            )
        ],
    ),
    "points on a text question": (
        set_in(["risks", 0, "likelihood", "drivers", 0, "question"], "FX-07"),
        [
            (
                "/risks/0/likelihood/drivers/0/points",
                "points need a choice or yes/no question, but FX-07 is a text question",
            )
        ],
    ),
    "number bands that go down": (
        set_in(
            ["risks", 0, "likelihood", "drivers", 1, "bands"],
            [{"at_least": 365, "points": 2}, {"at_least": 31, "points": 1}],
        ),
        [("/risks/0/likelihood/drivers/1/bands", "bands must go up")],
    ),
    "mitigation lowers a risk that does not exist": (
        set_in(["mitigations", 0, "lowers", 0, "risk"], "FX-R09"),
        [("/mitigations/0/lowers/0/risk", "risk 'FX-R09' does not exist")],
    ),
    "risk with no mitigation": (
        lambda d: extra_risk(d),
        [("/risks/3", "risk FX-R09 has no mitigation")],
    ),
    "risk no answer can reach": (
        lambda d: (
            extra_risk(d, likelihood={"base": 1, "drivers": []}, impact={"base": 1, "drivers": []}),
            mitigation(d, "FX-M01")["lowers"].append({"risk": "FX-R09", "likelihood": 1}),
        ),
        [("/risks/3", "risk FX-R09 cannot be reached: no driver or red flag depends on any answer")],
    ),
    "risk driven only by a question that is always hidden": (
        lambda d: (
            d["sections"][1]["questions"].append(
                {
                    "id": "FX-10",
                    "type": "yes_no",
                    "prompt": "Never asked?",
                    "sources": ["src-a"],
                    "show_when": {"all": [{"question": "FX-01", "in": ["low"]}, {"question": "FX-01", "in": ["high"]}]},
                }
            ),
            extra_risk(
                d,
                likelihood={"base": 1, "drivers": [{"question": "FX-10", "points": {"yes": 1}}]},
                impact={"base": 1, "drivers": []},
            ),
            mitigation(d, "FX-M01")["lowers"].append({"risk": "FX-R09", "likelihood": 1}),
        ),
        [("/risks/3", "risk FX-R09 cannot be reached: every question it depends on is always hidden")],
    ),
    "red flag cleared by a mitigation that does not exist": (
        set_in(["risks", 1, "red_flags", 0, "cleared_by"], ["FX-M09"]),
        [("/risks/1/red_flags/0/cleared_by/0", "mitigation 'FX-M09' does not exist")],
    ),
    "id without the bank prefix": (
        lambda d: question(d, "FX-09").update(id="ZZ-09"),
        [("/sections/1/questions/3/id", "id 'ZZ-09' must start with the bank prefix 'FX-'")],
    ),
    "misspelt key": (
        lambda d: question(d, "FX-01").update(promt="How?"),
        [("/sections/0/questions/0", "unknown key 'promt' (did you mean 'prompt'?)")],
    ),
    "points for don't know": (
        lambda d: risk(d, "FX-R01")["likelihood"]["drivers"][0]["points"].update(dont_know=3),
        [("/risks/0/likelihood/drivers/0/points/dont_know", '"don\'t know" and "not decided" score both ways')],
    ),
    "the same option twice": (
        lambda d: question(d, "FX-01")["options"].append({"value": "low", "label": "Low again"}),
        [("/sections/0/questions/0/options/3/value", "duplicate option id 'low'")],
    ),
    "screening on a question outside the profile": (
        lambda d: d.update(applies_when={"question": "FX-01", "in": ["low"]}),
        [("/applies_when/question", "screening can only use project-profile answers, not 'FX-01'")],
    ),
    "unknown kind": (
        lambda d: d.update(kind="survey"),
        [("/kind", 'kind must be "profile" or "risk" for a question bank, or "scoring" for a scoring method')],
    ),
    "number test on a yes/no question": (
        lambda d: question(d, "FX-05").update(show_when={"question": "FX-04", "at_least": 3}),
        [("/sections/0/questions/4/show_when/at_least", "'at_least' compares numbers, but FX-04 is a yes_no question")],
    ),
    "version that is not semantic": (
        lambda d: d.update(version="1.0"),
        [("/version", "'1.0' is not in the expected form: a semantic version such as 1.2.0")],
    ),
    "missing required key": (
        lambda d: d.pop("summary"),
        [("", "missing required key 'summary'")],
    ),
    "reserved option value": (
        lambda d: question(d, "FX-06")["options"][2].update(value="no"),
        [
            (
                "/sections/1/questions/0/options/2/value",
                "'no' is not allowed here: dont_know, not_decided, yes and no are reserved",
            )
        ],
    ),
}


def run_validate(*paths):
    return CliRunner().invoke(cli, ["validate", *map(str, paths)])


def check_lines(result, path, expected):
    assert result.exit_code == 1, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(expected), result.stdout
    unmatched = list(lines)
    for where, words in expected:
        prefix = f"{path} {where or '(top level)'}: "
        match = next((line for line in unmatched if line.startswith(prefix) and words in line), None)
        assert match, f"no line starts {prefix!r} and says {words!r}:\n{result.stdout}"
        unmatched.remove(match)


def test_the_bundled_banks_are_valid():
    result = run_validate()
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output


def test_the_fixture_bank_is_valid():
    result = run_validate(FIXTURE_BANK)
    assert result.exit_code == 0, result.output


def test_the_table_has_at_least_fifteen_broken_banks():
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_broken_bank_gives_one_clear_line_per_problem(name, fixture_data, tmp_path):
    change, expected = CASES[name]
    change(fixture_data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(fixture_data))
    result = run_validate(path)
    check_lines(result, path, expected)
    assert "Traceback" not in result.output


def test_invalid_json_names_the_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": 1,\n  "id": "x"\n  "kind": "risk"\n}')
    result = run_validate(path)
    check_lines(result, path, [("line 4 column 3", "not valid JSON: Expecting ',' delimiter")])


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"title": "\xff"}')
    check_lines(run_validate(path), path, [("", "not UTF-8 text")])


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.json"
    check_lines(run_validate(path), path, [("", "file not found")])


def test_two_banks_with_the_same_id(fixture_data, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(fixture_data))
    fixture_data["prefix"] = "FY"
    text = json.dumps(fixture_data).replace('"FX-', '"FY-')
    second.write_text(text)
    result = run_validate(first, second)
    check_lines(result, second, [("/id", "bank id 'fixture' is already used by")])


def test_every_problem_in_a_bank_is_reported_at_once(fixture_data, tmp_path):
    fixture_data["version"] = "one"
    question(fixture_data, "FX-01")["promt"] = "x"
    question(fixture_data, "FX-03")["sources"] = ["nope"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(fixture_data))
    result = run_validate(path)
    # Shape problems stop the checks that assume a good shape, so a file
    # with schema errors reports those first; fix them and the rest follow.
    assert result.exit_code == 1
    assert len(result.stdout.strip().splitlines()) == 2
    del question(fixture_data, "FX-01")["promt"]
    fixture_data["version"] = "1.0.0"
    fixture_data["risks"][0]["likelihood"]["drivers"][0]["question"] = "FX-98"
    path.write_text(json.dumps(fixture_data))
    result = run_validate(path)
    assert len(result.stdout.strip().splitlines()) == 2, result.stdout


def test_problems_across_files_are_all_reported(fixture_data, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(fixture_data))
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    result = run_validate(good, bad_json, tmp_path / "missing.json")
    assert result.exit_code == 1
    assert len(result.stdout.strip().splitlines()) == 2


def test_a_scoring_method_with_a_gap(tmp_path):
    data = json.loads((ROOT / "scoring" / "default.json").read_text())
    data["ratings"][1]["min"] = 6
    path = tmp_path / "method.json"
    path.write_text(json.dumps(data))
    check_lines(run_validate(path), path, [("/ratings/1/min", "a gap before rating 'medium': it should start at 5")])


def test_a_directory_is_checked_file_by_file(fixture_data, tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(fixture_data))
    (tmp_path / "two.json").write_text("[]")
    result = run_validate(tmp_path)
    assert result.exit_code == 1
    assert result.stdout.strip().splitlines() == [
        f'{tmp_path / "two.json"} (top level): kind must be "profile" or "risk" for a question bank, '
        'or "scoring" for a scoring method'
    ]


def test_the_trusted_hashes_are_the_bundled_content_checked_in_full():
    """`make generate` writes schemas/bundled.sha256 only after a full check; stale, it fails here."""
    assert (ROOT / "schemas" / loading.TRUSTED_FILE).read_text(encoding="utf-8") == loading.trusted_manifest()


def test_the_bundled_banks_load_without_a_schema_check_but_changed_ones_are_checked(monkeypatch, tmp_path):
    from forethought import validation

    checked = []
    real = validation.schema_problems
    monkeypatch.setattr(validation, "schema_problems", lambda data, *a: checked.append(data) or real(data, *a))
    monkeypatch.setattr(loading, "_SCHEMA_CHECKED", Cache())
    loading.load_library()
    assert checked == []
    changed = json.loads((ROOT / "questionnaires" / "public-trust.json").read_text())
    changed["sections"][0]["questions"][0]["prompt"] = ""
    (tmp_path / "public-trust.json").write_text(json.dumps(changed))
    with pytest.raises(ProblemsFound, match="must not be empty"):
        loading.load_library([tmp_path / "public-trust.json"])
    assert len(checked) == 1
