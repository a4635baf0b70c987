"""Docs that tests keep honest: the generated bank documentation, the architecture
map, the bank-writing guide and the README all match the code."""

from __future__ import annotations

import json
import re
from importlib import metadata

from click.testing import CliRunner

from forethought import loading, register
from forethought.cli import cli

from .conftest import ROOT

DOCS = ROOT / "docs"


def test_docs_banks_md_is_current():
    """Run `make generate` after changing a bank or reports/banks.md.j2."""
    written = register.bank_docs(loading.load_library())
    assert (DOCS / "banks.md").read_text(encoding="utf-8") == written, "docs/banks.md is stale: run make generate"


def test_docs_banks_md_names_every_question_risk_mitigation_and_source():
    text = (DOCS / "banks.md").read_text(encoding="utf-8")
    library = loading.load_library()
    for bank in library.all_banks:
        for item in [*bank.questions, *(r.id for r in bank.risks), *(m.id for m in bank.mitigations)]:
            assert f"| {item} |" in text or f"#### {item} " in text, item
        for source in bank.sources:
            assert f"`{source}`" in text, source


def test_the_architecture_map_names_every_module():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "app" / "forethought"
    modules = sorted(str(p.relative_to(package)) for p in package.rglob("*.py") if p.name != "__init__.py")
    missing = [m for m in modules if f"`{m}`" not in text]
    assert not missing, f"docs/architecture.md does not mention {missing}"
    for name in re.findall(r"`([a-z_/]+\.py)`", text):
        assert (package / name).exists() or (ROOT / name).exists(), (
            f"docs/architecture.md names {name}, which does not exist"
        )


def test_the_guide_documents_every_key_of_the_bank_format():
    guide = (DOCS / "writing-a-bank.md").read_text(encoding="utf-8")
    schema = json.loads((ROOT / "schemas" / "question-bank.schema.json").read_text())
    defs = schema["$defs"]
    keys = set(schema["properties"]) - {"$schema"}
    for name in (
        "question",
        "choice_question",
        "text_question",
        "list_question",
        "number_question",
        "source",
        "section",
        "risk",
        "factor",
        "driver",
        "red_flag",
        "mitigation",
        "option",
    ):
        keys |= set(defs[name]["properties"])
    for name in (
        "condition_in",
        "condition_answered",
        "condition_at_least",
        "condition_at_most",
        "condition_all",
        "condition_any",
        "condition_not",
    ):
        keys |= set(defs[name]["properties"])
    missing = sorted(k for k in keys if f"`{k}`" not in guide and f'"{k}"' not in guide)
    assert not missing, f"docs/writing-a-bank.md does not mention {missing}"
    for qtype in defs["question"]["properties"]["type"]["enum"]:
        assert f"`{qtype}`" in guide, qtype


def test_the_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"forethought {name}" in readme, f"README.md does not mention `forethought {name}`"
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and command.help, name


def test_the_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_version_is_written_once():
    """The package's version lives in its __init__; the distribution and the changelog follow it."""
    import forethought

    assert metadata.version("forethought") == forethought.__version__
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[project]")[1].split("\n[")[0]
    assert 'dynamic = ["version"]' in project and not re.search(r"^version\s*=", project, re.M)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## (\S+)", changelog, re.M).group(1) == forethought.__version__


def test_contributing_points_at_the_map_the_bank_guide_and_make_generate():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for needed in ("docs/architecture.md", "docs/writing-a-bank.md", "make generate", "make lint", "make test-fast"):
        assert needed in text, needed


def test_the_readme_tells_a_new_user_what_the_commands_read_and_take(library):
    """Finding 10 of the new-user trial: the README says where FILE comes from (a link the task
    list really shows), the values `--decision` really takes, a `--withhold` example that really
    names a field that may be withheld, what "completed" means, and what the first run downloads."""
    from forethought.decisions import DECISIONS
    from forethought.publishing.publish import withholdable

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    task_list = (ROOT / "app/forethought/web/templates/task_list.html").read_text(encoding="utf-8")
    link = re.search(r"link \*\*(.+?)\*\* gives it", readme.replace("\n", " "))
    assert link and link.group(1) in task_list
    choices = next(p for p in cli.commands["publish"].params if p.name == "decision").type.choices
    said = re.search(r"`--decision` takes (.+?)\.", readme.replace("\n", " ")).group(1)
    assert re.findall(r"`(\w+)`", said) == list(choices) == list(DECISIONS)
    pointer = re.search(r'--withhold "(/[^="]+)=', readme).group(1)
    example = json.loads((ROOT / "examples/published/sources/cctv-upgrade-delivery.json").read_text(encoding="utf-8"))
    assert pointer in {w.pointer for w in withholdable(example, library)}
    assert "An assessment is **completed** when" in readme
    assert "first `make run` downloads" in readme and "`make test` runs the whole suite, which takes" in readme
