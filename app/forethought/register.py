"""The risk register: the scored assessment as Markdown, CSV and JSON.

The Markdown comes from the template `reports/register.md.j2`. Every value the
template prints is escaped as Markdown unless it is already `escape.Markdown`,
so user text can never break a table or inject HTML or links; the template
itself supplies all the Markdown syntax.
"""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from typing import Any

import jinja2

from . import __version__, dates, documents, escape, resources
from .banks import Library
from .engine import AssessmentResult, MitigationResult, RiskResult, Score

# The scores if the unknowns go badly (inherent_, residual_, target_), then the
# same on what the team has told us (established_).
CSV_COLUMNS = [
    "bank",
    "risk_id",
    "title",
    "category",
    "risk_statement",
    "harmed",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_score",
    "inherent_rating",
    "mitigations_in_place",
    "recommended_mitigations",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_rating",
    "target_likelihood",
    "target_impact",
    "target_score",
    "target_rating",
    "red_flags",
    "open_red_flags",
    "rests_on_unknowns",
    "established_arises",
    "established_inherent_score",
    "established_inherent_rating",
    "established_residual_score",
    "established_residual_rating",
    "established_target_score",
    "established_target_rating",
    "owner",
    "review_date",
    "treatment",
    "note",
]


def _finalize(value: Any) -> str:
    if isinstance(value, escape.Markdown):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    return escape.md(value)


@lru_cache(maxsize=1)
def report_templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.reports_dir())),
        autoescape=False,  # Markdown, not HTML: _finalize escapes every value instead
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = escape.cell
    env.filters["line"] = escape.one_line
    env.filters["score"] = score_text
    env.filters["both"] = both_text
    env.filters["link"] = escape.link
    env.filters["md_block"] = escape.md
    env.filters["date"] = dates.long_date  # "1 April 2027", as the pages show a date
    return env


def score_text(score: Score) -> escape.Markdown:
    """ "High (L3 × I4 = 12)", with the red flag named when it forced the rating."""
    text = f"**{escape.md(score.rating_label)}**<br>L{score.likelihood} × I{score.impact} = {score.score}"
    if score.forced_by_red_flag:
        text += "<br>red flag"
    return escape.Markdown(text)


def both_text(risk: RiskResult, stage: str) -> escape.Markdown:
    """A stage's score if the unknowns go badly, and on what the team has told
    us where that differs."""
    cautious = getattr(risk, stage)
    text = str(score_text(cautious))
    floor = risk.established(stage)
    if not risk.established_applies:
        text += "<br>*Told us:* may not arise"
    elif (floor.rating, floor.score) != (cautious.rating, cautious.score):
        text += f"<br>*Told us:* {escape.md(floor.rating_label)}, L{floor.likelihood} × I{floor.impact} = {floor.score}"
    return escape.Markdown(text)


def _mitigation_list(items: list[MitigationResult]) -> escape.Markdown:
    if not items:
        return escape.Markdown("None")
    parts = []
    for m in items:
        lowers = ", ".join(
            x
            for x in (
                f"L−{m.lowers_likelihood}" if m.lowers_likelihood else "",
                f"I−{m.lowers_impact}" if m.lowers_impact else "",
            )
            if x
        )
        parts.append(f"{m.id} {escape.one_line(m.action)} ({lowers})")
    return escape.Markdown("<br>".join(parts))


def _answer_text(doc: dict, library: Library, question_id: str) -> str | None:
    question = library.questions[question_id]
    value = documents.value(doc, question.bank_id, question_id)
    return None if value is None else question.label_of(value)


def context(doc: dict, result: AssessmentResult, library: Library) -> dict:
    """Everything the register template needs, computed once."""
    profile = {q.id: _answer_text(doc, library, q.id) for q in library.profile.questions.values()}
    banks = [b for b in result.banks if b.kind == "risk"]
    applying = [b for b in banks if b.applies]
    risks = [r for b in applying for r in b.risks]
    method = library.method

    def ordered(rs: list[RiskResult]) -> list[RiskResult]:
        # Red flags first, then the highest residual score.
        return sorted(rs, key=lambda r: (not r.red_flags, -method.rank(r.residual.rating), -r.residual.score, r.id))

    heat = {(lk, i): [] for lk in range(1, 6) for i in range(1, 6)}
    for r in ordered(risks):
        heat[(r.residual.likelihood, r.residual.impact)].append(r.id)

    actions: dict[str, list[dict]] = {"contract": [], "governance": []}
    in_place, declined = [], []
    for b in applying:
        for m in b.mitigations:
            lowered = []
            for rid in m.risks:
                lowering = next(x for x in library.bank(b.id).mitigations if x.id == m.id).lowering_for(rid)
                parts = [
                    p
                    for p in (
                        f"L−{lowering.likelihood}" if lowering.likelihood else "",
                        f"I−{lowering.impact}" if lowering.impact else "",
                    )
                    if p
                ]
                lowered.append(f"{rid} {' '.join(parts)}")
            row = {"m": m, "lowers": "; ".join(lowered)}
            if m.status == "not_applicable":
                continue
            if m.status == "in_place":
                in_place.append(row)
            elif m.status == "declined":
                declined.append(row)
            else:
                actions[m.where].append(row)
    flags = [(r, f) for r in ordered(risks) for f in r.red_flags]
    flagged = {r.id for r in risks if r.residual.forced_by_red_flag}
    overall = result.overall
    sources = {}
    for b in applying:
        bank = library.bank(b.id)
        cited = {s for q in bank.questions.values() for s in q.sources} | {s for r in bank.risks for s in r.sources}
        sources[b.id] = [bank.sources[s] for s in bank.sources if s in cited]
    return {
        "doc": doc,
        "result": result,
        "library": library,
        "method": method,
        "version": __version__,
        "format_version": documents.FORMAT_VERSION,
        "profile": profile,
        "title": documents.about(doc, "title") or "Untitled assessment",
        "banks": banks,
        "applying": applying,
        "skipped": [b for b in banks if not b.applies],
        "risks": ordered(risks),
        "by_bank": {b.id: ordered(b.risks) for b in applying},
        "heat": heat,
        "flags": flags,
        "open_flags": [(r, f) for r, f in flags if f.assumed],
        "raised_flags": [(r, f) for r, f in flags if not f.assumed],
        "settled": overall["settled"],
        "established": overall["established"],
        "answer_next": result.answer_next,
        "actions": actions,
        "top_actions": top_actions(actions, risks, method),
        "flagged": flagged,
        "in_place": in_place,
        "declined": declined,
        "bidder_questions": [q for b in applying for q in b.bidder_questions],
        "unanswered": [q for b in result.banks if b.applies for q in b.unanswered],
        "dont_know": [q for b in result.banks if b.applies for q in b.dont_know],
        "mitigation_list": _mitigation_list,
        "sources": sources,
        "sign_off": doc.get("sign_off"),
        "decision_labels": {
            "proceed": "Proceed",
            "proceed_with_conditions": "Proceed with conditions",
            "do_not_proceed": "Do not proceed",
        },
        "status_labels": {
            "not_started": "Not started",
            "in_progress": "In progress",
            "completed": "Completed",
            "cannot_start": "Waiting on the profile",
            "not_applicable": "Not applicable",
            "recommended": "Recommended",
            "planned": "Planned",
            "in_place": "In place",
            "declined": "Declined",
        },
        "hash": _short_hash,
    }


TOP_ACTIONS = 10


def top_actions(actions: dict[str, list[dict]], risks: list[RiskResult], method) -> dict:
    """The outstanding actions that matter most, at most TOP_ACTIONS, split by where
    they are done: first those that would clear a red flag now forcing a rating, then
    those lowering the highest-rated risks, then those that take the most off the
    scores of the risks they lower."""
    by_id = {r.id: r for r in risks}

    def weight(row: dict) -> tuple:
        m = row["m"]
        lowered = [by_id[rid] for rid in m.risks if rid in by_id]
        clears = any(m.id in f.cleared_by and not f.cleared_in_residual for r in lowered for f in r.red_flags)
        highest = max((method.rank(r.residual.rating) for r in lowered), default=-1)
        taken = sum(r.residual.score for r in lowered) * (m.lowers_likelihood + m.lowers_impact)
        return (not clears, -highest, -taken, m.id)

    rows = [(where, row) for where in ("contract", "governance") for row in actions[where]]
    chosen = sorted(rows, key=lambda x: weight(x[1]))[:TOP_ACTIONS]
    return {
        "contract": [row for where, row in chosen if where == "contract"],
        "governance": [row for where, row in chosen if where == "governance"],
        "count": len(chosen),
    }


def markdown(doc: dict, result: AssessmentResult, library: Library, template: str = "register.md.j2") -> str:
    # The register prints the same bank text and answers many times: escape each once.
    with escape.remembering():
        return report_templates().get_template(template).render(**context(doc, result, library))


def rows(result: AssessmentResult) -> list[dict]:
    """One row per risk, in register order, with plain values."""
    out = []
    for bank in result.banks:
        for r in bank.risks:
            out.append(
                {
                    "bank": bank.id,
                    "risk_id": r.id,
                    "title": r.title,
                    "category": r.category or "",
                    "risk_statement": r.statement + ".",
                    "harmed": r.harmed,
                    "inherent_likelihood": r.inherent.likelihood,
                    "inherent_impact": r.inherent.impact,
                    "inherent_score": r.inherent.score,
                    "inherent_rating": r.inherent.rating_label,
                    "mitigations_in_place": "; ".join(m.id for m in r.mitigations if m.status == "in_place"),
                    "recommended_mitigations": "; ".join(
                        m.id for m in r.mitigations if m.status in ("recommended", "planned")
                    ),
                    "residual_likelihood": r.residual.likelihood,
                    "residual_impact": r.residual.impact,
                    "residual_score": r.residual.score,
                    "residual_rating": r.residual.rating_label,
                    "target_likelihood": r.target.likelihood,
                    "target_impact": r.target.impact,
                    "target_score": r.target.score,
                    "target_rating": r.target.rating_label,
                    "red_flags": "; ".join(f.id for f in r.red_flags),
                    "open_red_flags": "; ".join(f.id for f in r.red_flags if f.assumed),
                    "rests_on_unknowns": "; ".join(r.assumptions),
                    "established_arises": "yes" if r.established_applies else "may not arise",
                    "established_inherent_score": r.established_inherent.score,
                    "established_inherent_rating": r.established_inherent.rating_label,
                    "established_residual_score": r.established_residual.score,
                    "established_residual_rating": r.established_residual.rating_label,
                    "established_target_score": r.established_target.score,
                    "established_target_rating": r.established_target.rating_label,
                    "owner": r.owner or "",
                    "review_date": r.review_date,
                    "treatment": r.treatment or "",
                    "note": r.note or "",
                }
            )
    return out


def csv_text(result: AssessmentResult) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(result):
        writer.writerow({k: escape.csv_cell(v) for k, v in row.items()})
    return buffer.getvalue()


def json_text(doc: dict, result: AssessmentResult, library: Library) -> str:
    """The assessment and its scored result together, for machines."""
    return (
        json.dumps(
            {
                "generated_by": f"Forethought {__version__}",
                "banks": [
                    {"id": b.id, "version": b.version, "content_hash": b.content_hash} for b in library.all_banks
                ],
                "method": result.method,
                "assessment": doc,
                "result": result.to_dict(),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


# --- The bank documentation ---------------------------------------------------


def bank_docs(library: Library) -> str:
    """Every bank's questions, risks, mitigations and sources as one Markdown document."""
    from .conditions import describe

    questions = library.questions

    def label(qid: str) -> str:
        # Bank text, escaped like any other; ids and option values are
        # schema-checked ([A-Z0-9-] and [a-z0-9_]) and go into code spans.
        return f"{qid} ({escape.one_line(questions[qid].short)})" if qid in questions else qid

    def value(qid: str, v: str) -> str:
        return f"`{v}`"

    def describe_md(condition: dict) -> escape.Markdown:
        return escape.Markdown(describe(condition, label, value))

    def driver_text(d) -> escape.Markdown:
        if d.points is not None:
            points = ", ".join(f"{value(d.question, v)} +{p}" for v, p in d.points.items())
        else:
            points = ", ".join(f"at least {at_least:g}: +{p}" for at_least, p in d.bands)
        text = f"{label(d.question)}: {points}; unanswered or don't know +{d.max_points}"
        if d.when:
            text += f"; only when {describe_md(d.when)}"
        return escape.Markdown(text + (f". {escape.one_line(d.note)}" if d.note else ""))

    env = report_templates()
    return env.get_template("banks.md.j2").render(
        library=library,
        method=library.method,
        hash=_short_hash,
        describe=describe_md,
        answer_text=_answer_format,
        driver_text=driver_text,
        lowers_text=_lowers_text,
        mitigation_ids=lambda bank, rid: ", ".join(m.id for m in bank.mitigations_for(rid)),
    )


def _answer_format(q) -> escape.Markdown:
    """What a question accepts, for the bank documentation."""
    if q.type in ("single_choice", "multiple_choice"):
        kind = "One of" if q.type == "single_choice" else "Any of"
        items = [f"`{o.value}` {escape.one_line(o.label)}" for o in q.options]
        if q.dont_know:
            items.append("`dont_know` Don't know")
        return escape.Markdown(f"{kind}:<br>" + "<br>".join(items))
    if q.type == "yes_no":
        return escape.Markdown("`yes` / `no`" + (" / `dont_know`" if q.dont_know else ""))
    if q.type == "number":
        limits = [
            f"from {q.minimum:g}" if q.minimum is not None else "",
            f"to {q.maximum:g}" if q.maximum is not None else "",
        ]
        text = ("Whole number" if q.integer else "Number") + "".join(f" {x}" for x in limits if x)
        return escape.md(text + (f", in {q.unit}" if q.unit else ""))
    return escape.md({"text": "Text", "list": "A list, one item per line", "date": "A date"}[q.type])


def _lowers_text(m) -> str:
    parts = []
    for x in m.lowers:
        bits = [
            b
            for b in (
                f"likelihood −{x.likelihood}" if x.likelihood else "",
                f"impact −{x.impact}" if x.impact else "",
            )
            if b
        ]
        parts.append(f"{x.risk}: {', '.join(bits)}")
    return "\n".join(parts)


def _short_hash(content_hash: str) -> escape.Markdown:
    """A content hash's first 16 hex digits, in a code span."""
    return escape.Markdown("`" + content_hash.removeprefix("sha256:")[:16] + "`")
