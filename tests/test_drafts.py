"""The ATRS record and DPIA drafts: their data files, what they fill for the examples, their
formats, the command line, and user text that stays inert in every one of them."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import docx as python_docx
import jsonschema
import markdown as python_markdown
import pytest
from click.testing import CliRunner
from odf import opendocument, teletype
from odf.text import H, P

from forethought import atrs, documents, dpia, drafts
from forethought.cli import cli
from forethought.scored import Scored

from .test_register import PAYLOAD, github_markdown, injected_document

ROOT = Path(__file__).resolve().parents[1]
WELFARE = ROOT / "examples" / "welfare-fraud-risk-scoring.json"
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def scored(path: Path, library) -> Scored:
    return Scored.score(documents.load(path, library), library)


# --- The data files -------------------------------------------------------------


@pytest.mark.parametrize(
    "name,schema", [("atrs.json", "draft-atrs.schema.json"), ("dpia.json", "draft-dpia.schema.json")]
)
def test_each_data_file_fits_its_schema(name, schema):
    data = json.loads((ROOT / "reports" / name).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / schema).read_text(encoding="utf-8")))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors


def fillers(data: dict, key: str):
    for group in data[key]:
        for f in group.get("fields", []):
            yield f, [x for x in f["from"] if "question" in x]


@pytest.mark.parametrize("name,key", [("atrs.json", "sections"), ("dpia.json", "steps")])
def test_every_question_a_data_file_names_is_a_real_question_and_option(library, name, key):
    data = drafts.data(name)
    for field, found in fillers(data, key):
        for f in found:
            assert f["question"] in library.questions, (field.get("ref") or field["id"], f["question"])
            question = library.questions[f["question"]]
            for value in f.get("values", {}):
                assert value in question.values, (f["question"], value)


def test_the_data_files_name_real_banks_and_every_rating(library):
    bank_ids = {b.id for b in library.banks}
    assert drafts.data("atrs.json")["applies_when_bank"] in bank_ids
    data = drafts.data("dpia.json")
    assert set(data["risk_banks"]) <= bank_ids
    assert {r.id for r in library.method.ratings} == set(data["overall"])
    assert data["applies_when"]["question"] in library.profile.questions


def test_the_atrs_fields_are_in_the_templates_order():
    def key(ref: str) -> tuple:
        return tuple(int(x) for x in ref.split("."))

    sections = drafts.data("atrs.json")["sections"]
    refs = [f["ref"] for s in sections for f in s["fields"]]
    assert refs == sorted(refs, key=key)
    assert [s["tier"] for s in sections] == sorted(s["tier"] for s in sections)
    # The JSON keys are unique within each section, so a record keyed by them loses nothing.
    for s in sections:
        names = [f["attribute"] for f in s["fields"]]
        assert len(names) == len(set(names)), s["id"]


@pytest.mark.parametrize("kind", ["atrs", "dpia"])
def test_the_mapping_docs_are_current(library, kind):
    module = atrs if kind == "atrs" else dpia
    written = (ROOT / "docs" / f"{kind}.md").read_text(encoding="utf-8")
    assert written == module.mapping_markdown(library), f"run make generate to rewrite docs/{kind}.md"


# --- What the drafts fill --------------------------------------------------------


def test_the_welfare_atrs_draft_fills_most_of_tier_2_from_the_answers(library):
    built = atrs.draft(scored(WELFARE, library))
    counts = atrs.counts(built)
    filled, total = counts[2]
    unfilled = [f"{e.ref} {e.name}" for p in built.parts[1:] for e in p.items if not e.lines]
    print(f"\nATRS tier 2 for the welfare example: {filled} of {total} fields from the answers ({filled / total:.0%})")
    print("Tier 2 fields no answer fills: " + "; ".join(unfilled))
    print(f"Tier 1: {counts[1][0]} of {counts[1][1]}")
    assert filled / total >= 0.6
    assert len(unfilled) == total - filled


def test_the_atrs_risks_come_from_the_scored_register(library):
    welfare = scored(WELFARE, library)
    record = json.loads(atrs.made(welfare, "json"))
    field = record["record"]["risks_mitigations_and_impact_assessments"]["risks_and_mitigations"]
    assert [r["id"] for r in field["risks"]] == [r.id for r in welfare.context()["risks"]]
    first = welfare.context()["risks"][0]
    assert field["risks"][0]["residual"] == first.residual.rating_label
    assert field["status"] == drafts.FROM_ANSWERS and first.id in field["value"]
    assert record["filled_from_answers"]["tier_2"]["filled"] == atrs.counts(atrs.draft(welfare))[2][0]


def test_a_field_no_answer_fills_is_marked_to_complete(library):
    text = atrs.made(scored(WELFARE, library), "md")
    section = text.split("### 2.1.2 Team", 1)[1].split("###", 1)[0]
    assert "**To complete.**" in section
    section = text.split("### 2.1.1 Organisation or department", 1)[1].split("###", 1)[0]
    assert "Department for Example" in section and "To complete" not in section


def test_no_atrs_draft_where_the_algorithm_bank_does_not_apply(library):
    for path in EXAMPLES:
        case = scored(path, library)
        if not case.result.bank("algorithmic-decisions").applies:
            with pytest.raises(drafts.NotApplicable, match="does not apply"):
                atrs.draft(case)
            break
    else:
        pytest.fail("no example without the algorithm bank")


def test_the_welfare_dpia_names_every_high_residual_risk_with_the_article_36_prompt(library):
    welfare = scored(WELFARE, library)
    data = drafts.data("dpia.json")
    banks = set(data["risk_banks"])
    # Worked out here from the scored result, not from the module's own list.
    expected = [
        r.id
        for b in welfare.result.banks
        if b.id in banks and b.applies
        for r in b.risks
        if r.target.rating in ("high", "critical")
    ]
    assert expected and sorted(expected) == sorted(r.id for r in dpia.high_residual(welfare))
    text = dpia.made(welfare, "md")
    article = text.split("## Prior consultation with the ICO (UK GDPR Article 36)", 1)[1].split("\n## ", 1)[0]
    assert data["article_36"]["prompt"] in article.replace("\\", "")
    for rid in expected:
        assert re.search(rf"^\| {rid} ", article, re.M), rid
    # Each says why it stays high: the measures declined, the answers that raise it.
    for r in dpia.high_residual(welfare):
        row = next(line for line in article.splitlines() if line.startswith(f"| {r.id} "))
        assert all(f"Declined: {m.id}" in row for m in r.mitigations if m.status == "declined")
        assert "Raised by the answers to:" in row
    # Every ICO step is there, in order.
    headings = [h for h in re.findall(r"^## (.*)$", text, re.M) if h != data["article_36"]["heading"]]
    assert headings == [s["title"] for s in data["steps"]] + ["Sources"]
    assert [h.split(":")[0] for h in headings if h.startswith("Step")] == [f"Step {n}" for n in range(1, 8)]
    # The wide tables of steps 5 and 6, and the risks still high, print on A4 landscape.
    word = python_docx.Document(io.BytesIO(dpia.made(welfare, "docx")))
    assert [round(s.page_width.cm, 1) for s in word.sections] == [21.0, 29.7, 21.0]
    for office_format in ("docx", "odt"):
        words = office_text(dpia.made(welfare, office_format), office_format)
        assert data["article_36"]["prompt"] in words
        assert all(rid in words for rid in expected)


def test_a_dpia_with_no_high_residual_risk_says_no_consultation_is_called_for(library):
    for path in EXAMPLES:
        case = scored(path, library)
        if dpia.applies(case) and not dpia.high_residual(case):
            text = dpia.made(case, "md")
            assert drafts.data("dpia.json")["article_36"]["none"] in text.replace("\\", "")
            return
    pytest.skip("every example with personal data keeps a high residual risk")


def test_step_6_takes_the_risks_step_5_finds_medium_or_high(library):
    for path in EXAMPLES:
        case = scored(path, library)
        if dpia.applies(case) is False:
            continue
        text = dpia.made(case, "md")
        step_6 = text.split("## Step 6", 1)[1].split("\n## ", 1)[0]
        for r in dpia._risks(case):
            listed = bool(re.search(rf"^\| {r.id} ", step_6, re.M))
            assert listed == (r.residual.rating != "low"), (path.name, r.id)


def test_no_dpia_draft_without_personal_data(library, new_doc, fixture_library):
    doc = documents.new_document(library, "2026-11-21")
    doc["banks"]["profile"]["answers"]["PR-13"] = {"value": "no"}
    checked, problems = documents.check(doc, library)
    assert not problems
    with pytest.raises(drafts.NotApplicable, match="will not use personal data"):
        dpia.draft(Scored.score(checked, library))
    # Not yet answered: drafted, with the warning.
    open_doc, _ = documents.check(documents.new_document(library, "2026-11-21"), library)
    text = dpia.made(Scored.score(open_doc, library), "md")
    assert "does not yet say whether the system will use personal data" in text


def test_each_draft_is_made_once_per_scored_version(library):
    welfare = scored(WELFARE, library)
    for module, formats in ((atrs, atrs.FORMATS), (dpia, dpia.FORMATS)):
        for fmt in formats:
            assert module.made(welfare, fmt) is module.made(welfare, fmt)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_drafts_what_applies_in_every_format(library, path):
    case = scored(path, library)
    if atrs.applies(case):
        assert json.loads(atrs.made(case, "json"))["record"]["summary_information"]
        assert atrs.made(case, "md").startswith("# ATRS record draft: ")
        word = python_docx.Document(io.BytesIO(atrs.made(case, "docx")))
        headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
        assert headings[0].startswith("0.11 Title") and any(
            h.startswith("2.5.2 Risks and mitigations") for h in headings
        )
        odt = opendocument.load(io.BytesIO(atrs.made(case, "odt")))
        assert any(teletype.extractText(h).startswith("2.5.1 Impact assessment") for h in odt.getElementsByType(H))
    if dpia.applies(case) is not False:
        assert dpia.made(case, "md").startswith("# DPIA draft: ")
        word = python_docx.Document(io.BytesIO(dpia.made(case, "docx")))
        assert word.core_properties.identifier == drafts.header(case.doc)[3]
        assert "Step 1: Identify the need for a DPIA" in [
            p.text for p in word.paragraphs if p.style.name == "Heading 1"
        ]
        odt = opendocument.load(io.BytesIO(dpia.made(case, "odt")))
        assert any(teletype.extractText(h).startswith("Step 7") for h in odt.getElementsByType(H))


# --- User text stays inert ------------------------------------------------------

ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "p",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "strong",
    "em",
    "br",
    "ul",
    "li",
    "a",
    "code",
    "blockquote",
}


@pytest.fixture(scope="module")
def injected(library):
    return Scored.score(injected_document(library), library)


@pytest.mark.parametrize("kind", ["atrs", "dpia"])
@pytest.mark.parametrize("renderer", ["github", "python-markdown"])
def test_injected_text_is_inert_in_the_markdown(injected, kind, renderer):
    text = (atrs if kind == "atrs" else dpia).made(injected, "md")
    html = (
        github_markdown().render(text)
        if renderer == "github"
        else python_markdown.markdown(text, extensions=["tables"])
    )
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
    assert tags <= ALLOWED_TAGS, tags
    hrefs = set(re.findall(r'href="([^"]*)"', html))
    sources = {s["url"] for s in drafts.data(f"{kind}.json")["sources"]}
    assert hrefs <= sources, hrefs - sources
    headings = re.findall(r"<h\d[^>]*>(.*?)</h\d>", html)
    assert not any("Heading" in h for h in headings)
    for element in ("em", "code", "strong", "li"):
        for inner in re.findall(rf"<{element}>(.*?)</{element}>", html, re.S):
            assert inner.strip() not in ("em", "code", "gone", "item", "Heading", "split"), (element, inner)
    assert "\u202e" not in html and "alert(1)" in html and "evil.example" in html


@pytest.mark.parametrize("kind", ["atrs", "dpia"])
def test_injected_text_is_a_json_string(injected, kind):
    record = json.loads((atrs if kind == "atrs" else dpia).made(injected, "json"))
    texts = list(strings(record))
    assert not any("\u202e" in t for t in texts)
    assert any(PAYLOAD.replace("\u202e", "") in t for t in texts)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def office_text(data: bytes, fmt: str) -> str:
    if fmt == "docx":
        word = python_docx.Document(io.BytesIO(data))
        cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in word.paragraphs] + cells)
    text = opendocument.load(io.BytesIO(data))
    return "\n".join(teletype.extractText(p) for p in text.getElementsByType(P) + text.getElementsByType(H))


@pytest.mark.parametrize("kind", ["atrs", "dpia"])
@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_injected_text_is_text_in_the_office_files(injected, kind, fmt):
    data = (atrs if kind == "atrs" else dpia).made(injected, fmt)
    words = office_text(data, fmt)
    assert "<script>alert(1)</script>" in words and "\u202e" not in words
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml" if fmt == "docx" else "content.xml").decode()
    assert "<script>" not in body and "&lt;script&gt;" in body


# --- The command line -------------------------------------------------------------


def test_the_commands_write_each_format(tmp_path):
    runner = CliRunner()
    done = runner.invoke(cli, ["atrs", str(WELFARE), "--format", "json", "-o", str(tmp_path / "a.json")])
    assert done.exit_code == 0, done.output
    assert (
        json.loads((tmp_path / "a.json").read_text())["standard"]["version"]
        == drafts.data("atrs.json")["standard"]["version"]
    )
    done = runner.invoke(cli, ["atrs", str(WELFARE)])
    assert done.exit_code == 0 and done.output.startswith("# ATRS record draft:")
    for fmt in ("docx", "odt"):
        out = tmp_path / f"d.{fmt}"
        done = runner.invoke(cli, ["dpia", str(WELFARE), "--format", fmt, "-o", str(out)])
        assert done.exit_code == 0, done.output
        assert "Step 5: Identify and assess risks" in office_text(out.read_bytes(), fmt)
    assert not list(tmp_path.glob("*.part"))


def test_the_commands_refuse_clearly(tmp_path):
    runner = CliRunner()
    done = runner.invoke(cli, ["dpia", str(WELFARE), "--format", "docx"])
    assert done.exit_code == 2 and "give -o FILE" in done.output
    room = ROOT / "examples" / "low-risk-room-booking.json"
    done = runner.invoke(cli, ["atrs", str(room), "-o", str(tmp_path / "x.md")])
    assert done.exit_code == 1 and "does not apply" in done.output and "Traceback" not in done.output
    assert not (tmp_path / "x.md").exists()
    done = runner.invoke(cli, ["dpia", str(tmp_path / "missing.json")])
    assert done.exit_code == 1 and "Traceback" not in done.output


@pytest.mark.slow  # starts LibreOffice: in make test and CI, not make test-fast
def test_libreoffice_opens_the_office_files_and_prints_what_matters(library, tmp_path):
    import pypdf

    from .office_suite import to_pdf

    welfare = scored(WELFARE, library)
    files = []
    for kind in ("atrs", "dpia"):
        for fmt in ("docx", "odt"):
            files.append(tmp_path / f"{kind}-{fmt}.{fmt}")
            files[-1].write_bytes((atrs if kind == "atrs" else dpia).made(welfare, fmt))
    for source, pdf in to_pdf(files, tmp_path / "pdf").items():
        text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages).split())
        if source.name.startswith("dpia"):
            assert "Prior consultation with the ICO (UK GDPR Article 36)" in text, source.name
            assert all(r.id in text for r in dpia.high_residual(welfare)), source.name
        else:
            assert "2.5.2 Risks and mitigations" in text, source.name


@pytest.mark.parametrize("kind", ["atrs", "dpia"])
def test_the_checked_in_example_drafts_are_current(library, kind):
    """Run `make generate` after changing a bank, the engine or a draft's data file."""
    written = (ROOT / "examples" / "drafts" / f"{WELFARE.stem}.{kind}.md").read_text(encoding="utf-8")
    module = atrs if kind == "atrs" else dpia
    assert written == module.made(scored(WELFARE, library), "md"), "stale: run make generate"


def test_a_rating_the_dpia_data_does_not_know_is_read_as_high():
    """A published file may carry another scoring method, with bands of its own."""
    assert dpia._overall("catastrophic") == "High"
    assert dpia._overall("low") == "Low"
