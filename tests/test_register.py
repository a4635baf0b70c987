"""The Markdown, CSV and JSON registers: valid tables, and user text that stays inert."""

from __future__ import annotations

import csv
import io
import json
import re

import markdown as python_markdown
import pytest
from markdown_it import MarkdownIt

from forethought import documents, engine, register
from forethought.escape import cell, csv_cell, filename, md

PAYLOAD = (
    "<script>alert(1)</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) "
    "![pixel](https://evil.example/p.png) https://evil.example/a www.evil.example evil@example.org "
    "<https://evil.example/b> | split | cells \\| `code` *em* _em_ ~~gone~~ $x$ &amp; [ref]: https://evil.example/c\n"
    "# Heading\n- item\n1. item\n===\n---\n> quote\n<!-- comment -->\u202eoverride"
)


def github_markdown() -> MarkdownIt:
    """As close to GitHub as markdown-it gets: tables, strikethrough, bare-URL autolinks."""
    parser = MarkdownIt("commonmark", {"linkify": True, "html": True}).enable(["table", "strikethrough", "linkify"])
    # GitHub links bare "www." and "https://" text and e-mail addresses, not bare domains.
    parser.linkify.set({"fuzzy_link": False})
    return parser


def tables(text: str) -> list[list[str]]:
    """The pipe-table blocks in Markdown source, as lists of row lines."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def cells(row: str) -> int:
    """Cells in a row, counting only pipes not escaped with a backslash."""
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def assert_valid_gfm_tables(text: str) -> int:
    blocks = tables(text)
    for block in blocks:
        assert len(block) >= 2 and re.fullmatch(r"\|(---\|)+", block[1]), block[:2]
        width = cells(block[0])
        for row in block:
            assert cells(row) == width, (row, width)
    tokens = github_markdown().parse(text)
    assert sum(t.type == "table_open" for t in tokens) == len(blocks)
    # Every rendered row has exactly as many cells as its header.
    widths, row_cells = [], 0
    for t in tokens:
        if t.type == "thead_open":
            widths.append(None)
        elif t.type in ("th_open", "td_open"):
            row_cells += 1
        elif t.type == "tr_close":
            if widths[-1] is None:
                widths[-1] = row_cells
            assert row_cells == widths[-1]
            row_cells = 0
    return len(blocks)


def injected_document(library) -> dict:
    """Every free-text field of a document holding the payload."""
    doc = documents.new_document(library, "2026-11-21")
    for q in library.questions.values():
        answers = doc["banks"][q.bank_id]["answers"]
        if q.type == "text":
            answers[q.id] = {"value": PAYLOAD[: q.max_length or 5000]}
        elif q.type == "list" and not q.item_pattern:
            answers[q.id] = {"value": [PAYLOAD[:500], "second"]}
        elif q.type in ("single_choice", "yes_no"):
            answers[q.id] = {"value": q.values[-1]}
        if q.type != "list" or not q.item_pattern:
            answers.setdefault(q.id, {})
            answers[q.id]["evidence"] = PAYLOAD
            answers[q.id]["note"] = PAYLOAD
            if not answers[q.id].get("value") and q.type not in ("text", "list", "single_choice", "yes_no"):
                del answers[q.id]
    for bank in library.banks:
        doc["banks"][bank.id]["mitigations"] = {
            m.id: {"status": status, "owner": PAYLOAD[:200], "evidence": PAYLOAD, "note": PAYLOAD}
            for m, status in zip(bank.mitigations, ["in_place", "declined", "planned"] * 100, strict=False)
        }
        doc["banks"][bank.id]["risks"] = {r.id: {"owner": PAYLOAD[:200], "note": PAYLOAD} for r in bank.risks}
    doc["sign_off"] = {
        "name": PAYLOAD[:200],
        "role": PAYLOAD[:200],
        "date": "2026-11-30",
        "decision": "proceed_with_conditions",
        "note": PAYLOAD,
    }
    checked, problems = documents.check(doc, library)
    assert not problems, problems
    return checked


@pytest.fixture(params=["fixture", "bundled"])
def any_library(request, fixture_library, library):
    return fixture_library if request.param == "fixture" else library


def render(doc, library):
    return register.markdown(doc, engine.score(doc, library), library)


def allowed_links(library) -> set[str]:
    return {s.url for b in library.all_banks for s in b.sources.values() if s.url}


def test_injected_text_keeps_every_table_valid(any_library):
    text = render(injected_document(any_library), any_library)
    assert "Heading" not in [line.lstrip("# ") for line in text.splitlines() if line.startswith("#")]
    assert assert_valid_gfm_tables(text) >= 8


@pytest.mark.parametrize("renderer", ["github", "python-markdown"])
def test_injected_text_comes_out_inert(any_library, renderer):
    text = render(injected_document(any_library), any_library)
    if renderer == "github":
        html = github_markdown().render(text)
    else:
        html = python_markdown.markdown(text, extensions=["tables"])
    # Only the tags the template writes, and none of the payload's own.
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
    assert tags <= {
        "h1",
        "h2",
        "h3",
        "h4",
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
        "ol",
        "li",
        "a",
        "code",
    }, tags
    for element in ("em", "code", "strong", "del", "s", "li", "h1", "h2", "h3", "h4"):
        for inner in re.findall(rf"<{element}>(.*?)</{element}>", html, re.S):
            for word in ("em", "code", "gone", "item", "Heading", "quote", "split"):
                assert inner.strip() != word, (element, inner)
    assert "\u202e" not in html
    hrefs = set(re.findall(r'href="([^"]*)"', html))
    anchors = {"#unanswered-questions", "#answer-these-next", "#sign-off", "#action-plan", "#red-flags-in-full"}
    assert hrefs <= allowed_links(any_library) | anchors, hrefs - allowed_links(any_library)
    # The payload's words survive as text.
    assert "alert(1)" in html and "evil.example" in html and "split" in html
    # Headings come only from the template.
    headings = re.findall(r"<h\d[^>]*>(.*?)</h\d>", html)
    assert not any("Heading" in h or "item" == h for h in headings)


def test_the_register_has_every_part(new_doc, fixture_library):
    doc = new_doc(
        {"FX-01": "high", "FX-04": "yes", "FX-05": "no", "FX-06": "dont_know"},
        risks={"FX-R01": {"owner": "Head of Digital", "review_date": "2027-01-15"}},
    )
    text = render(doc, fixture_library)
    # A summary a board reads, then the full register and the working as appendices, in this order.
    headings = [
        "# Risk register:",
        "## Summary",
        "### Risks by rating",
        "### Red flags",
        "### Heat map",
        "### The actions that matter most",
        "#### Write into the specification or contract",
        "#### Our own governance",
        "### Questions to put to bidders",
        "### Sign-off",
        "## Appendix A: the full register",
        "### About this assessment",
        "### Red flags in full",
        "### Answer these next",
        "### Risk register",
        "### Action plan",
        "#### Write into the specification or contract",
        "#### Our own governance",
        "### Unanswered questions",
        "## Appendix B: the working",
        "### Method",
        "### How each score was worked out",
        "### Sources",
    ]
    found = [line for line in text.splitlines() if line.startswith("#") and not line.startswith("#### FX-R")]
    assert [h.split(":")[0] for h in found] == [h.split(":")[0] for h in headings]
    summary = text.split("## Appendix A")[0]
    assert "**Decision asked for:**" in summary and "| If the unknowns go badly |" in summary
    assert "| On what we have told the tool |" in summary
    header = (
        "| ID | Risk | Inherent | Mitigations in place | Recommended mitigations | Residual | Target | Owner "
        "| Review date |"
    )
    assert header in text
    fixture = fixture_library.bank("fixture")
    assert f"| Fixture bank | 1.0.0 | `{fixture.content_hash.removeprefix('sha256:')[:16]}` |" in text
    assert "Will you reuse our data for anything else? (FX-06)" in text
    # Red flags come first in the register.
    rows = [line for line in text.splitlines() if line.startswith("| FX-R")]
    assert rows[0].startswith("| FX-R02 ")
    assert "| Head of Digital | 15 January 2027 |" in text


def test_the_method_lets_a_reader_recompute_each_score(new_doc, fixture_library):
    doc = new_doc({"FX-01": "medium", "FX-02": ["health"], "FX-03": 40, "PR-11": "from_100k", "FX-06": "yes_contract"})
    doc["banks"]["fixture"]["answers"]["FX-06"]["evidence"] = "Contract schedule 4"
    text = render(doc, fixture_library)
    section = text.split("#### FX-R01 Misuse of data")[1].split("####")[0]
    assert "**Likelihood 3** = 1 (Starting level); +1 FX-01 Intrusiveness: Medium" in section
    assert "+1 FX-03 Retention: 40 days" in section
    assert (
        "**Impact 5** = 2 (Starting level); +2 FX-02 Data used: Health; +1 PR-11 People affected: 100,000 to 1 million"
        in section
    )
    assert "**Inherent**: 3 × 5 = 15, Critical." in section
    assert "FX-M01, in place: lowers likelihood by 2." in section
    assert "**Residual**: 1 × 5 = 5, Medium." in section


def test_a_skipped_bank_is_named_with_its_reason(new_doc, fixture_library):
    doc = new_doc()
    doc["banks"]["profile"]["answers"]["PR-16"] = {"value": "no"}
    text = render(doc, fixture_library)
    assert "- **Fixture bank**: No supplier handles data." in text
    assert "| Fixture bank | 1.0.0 |" in text and "Not applicable" in text


def test_csv_register_guards_against_formulas(new_doc, fixture_library):
    doc = new_doc(risks={"FX-R01": {"owner": '=HYPERLINK("http://evil","x")', "note": "+1 then -2 @sum"}})
    text = register.csv_text(engine.score(doc, fixture_library))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["risk_id"] for r in rows] == ["FX-R01", "FX-R02", "FX-R03"]
    assert rows[0]["owner"].startswith("'=")
    assert rows[0]["note"].startswith("'+")
    assert list(rows[0]) == register.CSV_COLUMNS


def test_json_export_carries_the_document_and_result(new_doc, fixture_library):
    doc = new_doc({"FX-01": "low"})
    data = json.loads(register.json_text(doc, engine.score(doc, fixture_library), fixture_library))
    assert data["assessment"] == doc
    assert data["result"]["banks"][1]["risks"][0]["id"] == "FX-R01"
    assert {b["id"] for b in data["banks"]} == {"profile", "fixture"}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        (" =1", "' =1"),
        ("plain", "plain"),
        (None, ""),
        (3, "3"),
    ],
)
def test_csv_cells(value, expected):
    assert csv_cell(value) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a | b", "a \\| b"),
        ("line one\nline two", "line one<br>line two"),
        ("", " "),
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
    ],
)
def test_table_cells(text, expected):
    assert cell(text) == expected


@pytest.mark.parametrize("text", ["1.0.0", "2026-11-21", "well-known", "-1", "#1", "Section 4.2 (b)"])
def test_ordinary_text_stays_readable(text):
    assert md(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Town Centre CCTV", "town-centre-cctv"),
        ("../../etc/passwd", "etc-passwd"),
        ("Café: plan", "cafe-plan"),
        ("", "assessment"),
        ("<>", "assessment"),
    ],
)
def test_file_names(text, expected):
    assert filename(text) == expected


@pytest.mark.parametrize("name", ["draft-chatbot", "high-risk-surveillance", "cloud-hr-payroll"])
def test_the_summary_names_the_ten_actions_that_matter_most_red_flag_clearers_first(name, library):
    from .conftest import ROOT

    doc = documents.load(ROOT / "examples" / f"{name}.json", library)
    context = register.context(doc, engine.score(doc, library), library)
    top = context["top_actions"]
    chosen = top["contract"] + top["governance"]
    outstanding = context["actions"]["contract"] + context["actions"]["governance"]
    assert len(chosen) == top["count"] == min(10, len(outstanding))
    assert all(row in context["actions"][row["m"].where] for row in chosen)
    forcing = {m for r in context["risks"] for f in r.red_flags if not f.cleared_in_residual for m in f.cleared_by}
    clearers = {row["m"].id for row in outstanding if row["m"].id in forcing}
    assert clearers <= {row["m"].id for row in chosen}
    assert bool(clearers) == (name != "cloud-hr-payroll")  # the other two have red flags
    summary = render(doc, library).split("## Appendix A")[0]
    for row in chosen:
        assert f"| {row['m'].id} |" in summary
    left_out = [row["m"].id for row in outstanding if row not in chosen]
    assert not any(f"| {mid} |" in summary for mid in left_out)


@pytest.mark.parametrize(
    "stage, words", [("market_engagement", " at the market engagement stage:"), ("dont_know", ":")]
)
def test_the_summary_says_what_decision_is_asked_for(new_doc, fixture_library, stage, words):
    doc = new_doc({"PR-01": "Door counters", "PR-03": stage})
    summary = render(doc, fixture_library).split("## Appendix A")[0]
    assert f"**Decision asked for:** whether to go ahead with Door counters{words} proceed," in summary
