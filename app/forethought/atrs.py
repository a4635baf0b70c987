"""A draft Algorithmic Transparency Recording Standard (ATRS) record, from a scored assessment.

The fields, in the template's order, and the questions whose answers fill each one are
data (`reports/atrs.json`, described by `schemas/draft-atrs.schema.json`; `docs/atrs.md`
is made from it). A field the answers give words for says so and still shows what the
standard asks; one they do not is marked "to complete". The risks and mitigations field
is the scored register's risks. A record is drafted only where the scored result says
the bank the data file names (the algorithmic decisions bank) applies.
"""

from __future__ import annotations

import json

from . import __version__, drafts, engine, escape
from .drafts import Draft, Entry, Part
from .engine import RiskResult
from .scored import Scored

DATA = "atrs.json"
FORMATS = ("md", "json", "docx", "odt")


def spec() -> dict:
    return drafts.data(DATA)


def applies(scored: Scored) -> bool:
    """Whether the bank that calls for a record applies, in the scored result."""
    wanted = spec()["applies_when_bank"]
    return any(b.id == wanted and b.applies for b in scored.result.banks)


def draft(scored: Scored) -> Draft:
    """The record's fields, filled from the answers; made once per scored version."""
    return scored.once(("atrs", "draft"), lambda: _draft(scored))


def made(scored: Scored, fmt: str) -> str | bytes:
    """The draft as Markdown, JSON (keyed by the standard's field names), Word or OpenDocument,
    made once per scored version."""
    if fmt not in FORMATS:
        raise ValueError(f"no ATRS format {fmt!r}")
    return scored.once(("atrs", fmt), lambda: _make(scored, fmt))


def _make(scored: Scored, fmt: str) -> str | bytes:
    if fmt == "md":
        return drafts.markdown(draft(scored))
    if fmt == "json":
        return _json(scored)
    from . import office

    document = drafts.office_document(
        draft(scored), subject="Algorithmic Transparency Recording Standard record (draft)"
    )
    return office.docx(document) if fmt == "docx" else office.odt(document)


def _draft(scored: Scored) -> Draft:
    data = spec()
    if not applies(scored):
        raise drafts.NotApplicable(data["not_applicable"])
    doc, library, result = scored.doc, scored.library, scored.result
    shown = engine.visibility(doc, library)
    risk_lines = [_risk_line(r, scored) for r in scored.context()["risks"]]
    parts = []
    for section in data["sections"]:
        part = Part(section["id"], f"{section['title']} (tier {section['tier']})")
        for spec_field in section["fields"]:
            item = drafts.entry(spec_field, doc, library, result, shown)
            if any("register" in f for f in spec_field["from"]) and risk_lines:
                item.lines = risk_lines + item.lines
                item.sources = ["register", *item.sources]
            part.items.append(item)
        parts.append(part)
    title, organisation, date, content_hash = drafts.header(doc)
    standard = data["standard"]
    built = Draft(
        kind="atrs",
        title=f"ATRS record draft: {title}",
        organisation=organisation,
        date=date,
        content_hash=content_hash,
        intro=[],
        parts=parts,
        sources=data["sources"],
    )
    filled, total = counts(built, data)[2]
    built.intro = [
        f"A draft record for the {standard['name']}, version {standard['version']} ({standard['date']}), made by "
        f"Forethought {__version__} from the assessment of {title} by {organisation}, dated {date}.",
        'Each field shows what the answers say and what the standard asks for. A field marked "to complete" is '
        "one the answers do not fill. Check every field against the tool itself before you send the record.",
        f"Tier 2: {filled} of {total} fields have words from the answers.",
        f"A field marked {drafts.CHECK_MARK} could not be confirmed from the version {standard['version']} template "
        "itself (its workbook was not available): check its name and number against the template.",
        f"Assessment content hash: {content_hash}.",
    ]
    return built


def counts(built: Draft, data: dict | None = None) -> dict[int, tuple[int, int]]:
    """For each tier: how many fields have words from the answers, and how many there are."""
    tiers = {s["id"]: s["tier"] for s in (data or spec())["sections"]}
    out: dict[int, tuple[int, int]] = {}
    for part in built.parts:
        entries = [i for i in part.items if isinstance(i, Entry)]
        filled, total = out.get(tiers[part.key], (0, 0))
        out[tiers[part.key]] = (filled + sum(bool(e.lines) for e in entries), total + len(entries))
    return out


def _risk_line(risk: RiskResult, scored: Scored) -> str:
    """One risk as the record gives it: its ratings now and once the plans are done, and its mitigations."""
    bank = scored.library.bank(risk.bank_id).title
    text = (
        f"{risk.id} {risk.title} ({bank}): {risk.residual.rating_label} now "
        f"(likelihood {risk.residual.likelihood} × impact {risk.residual.impact} = {risk.residual.score}), "
        f"{risk.target.rating_label} once the planned mitigations are done."
    )
    in_place = [m.action for m in risk.mitigations if m.status == "in_place"]
    planned = [m.action for m in risk.mitigations if m.status in ("planned", "recommended")]
    if in_place:
        text += " In place: " + " ".join(_sentence(a) for a in in_place)
    if planned:
        text += " Planned or recommended: " + " ".join(_sentence(a) for a in planned)
    for flag in risk.red_flags:
        text += f" Red flag{' (open)' if flag.assumed else ''}: {_sentence(flag.reason)}"
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _json(scored: Scored) -> str:
    data = spec()
    built = draft(scored)
    record: dict[str, dict] = {}
    for part in built.parts:
        record[part.key] = {e.key: _json_field(e) for e in part.items if isinstance(e, Entry)}
    risks = record["risks_mitigations_and_impact_assessments"].get("risks_and_mitigations")
    if risks is not None:
        risks["risks"] = [_json_risk(r) for r in scored.context()["risks"]]
    tiers = counts(built, data)
    out = {
        "standard": {k: data["standard"][k] for k in ("name", "version", "date")},
        "generated_by": f"Forethought {__version__}",
        "assessment": dict(
            zip(("title", "organisation", "assessment_date", "content_hash"), drafts.header(scored.doc), strict=True)
        ),
        "filled_from_answers": {f"tier_{t}": {"fields": n, "filled": f} for t, (f, n) in sorted(tiers.items())},
        "record": record,
    }
    # The JSON carries user text as JSON strings: inert wherever it is parsed, only control
    # and invisible format characters taken out, as every other output does.
    return json.dumps(drafts.visible_json(out), indent=2, ensure_ascii=False) + "\n"


def _json_field(e: Entry) -> dict:
    return {
        "ref": e.ref,
        "name": e.name,
        "status": e.status,
        "value": "\n\n".join(e.lines) if e.lines else None,
        "from": e.sources,
        "still_open": e.unknown,
        "asks": e.prompt,
        **({"check_field": True} if e.check else {}),
    }


def _json_risk(r: RiskResult) -> dict:
    return {
        "id": r.id,
        "title": r.title,
        "bank": r.bank_id,
        "residual": r.residual.rating_label,
        "residual_score": r.residual.score,
        "target": r.target.rating_label,
        "target_score": r.target.score,
        "mitigations_in_place": [m.action for m in r.mitigations if m.status == "in_place"],
        "mitigations_planned": [m.action for m in r.mitigations if m.status in ("planned", "recommended")],
        "red_flags": [f.reason for f in r.red_flags],
    }


# --- The field table for docs/atrs.md -------------------------------------------


def mapping_markdown(library) -> str:
    """Every ATRS field and the questions that fill it, as Markdown (`forethought draft-docs atrs`)."""
    data = spec()
    standard = data["standard"]
    out = [
        "# ATRS record draft: which answers fill which field",
        "",
        "<!-- Generated by `forethought draft-docs atrs` (make generate) from reports/atrs.json. Do not edit. -->",
        "",
        f"`forethought atrs FILE` drafts a record for the {escape.md(standard['name'])}, version "
        f"{escape.md(standard['version'])} ({standard['date']}), for an assessment where the "
        f"`{data['applies_when_bank']}` bank applies. The web app offers it on the results page, and the public "
        "page and static site of each published version. The welfare example's draft is "
        "`examples/drafts/welfare-fraud-risk-scoring.atrs.md`.",
        "",
        escape.md(standard["note"]),
        "",
        "The risks and mitigations field (2.5.2) is the scored register's risks, each with its rating now and "
        "once the planned mitigations are done, and its mitigations. Every other field takes the answers, "
        'notes and evidence of the questions below; a field none of them answers is marked "to complete".',
        "",
    ]
    for section in data["sections"]:
        out += [f"## {escape.one_line(section['title'])} (tier {section['tier']})", ""]
        out += ["| Ref | Field (JSON key) | Filled from | Asks for |", "|---|---|---|---|"]
        for f in section["fields"]:
            name = f"{escape.cell(f['name'])} (`{f['attribute']}`)" + (
                f" {drafts.CHECK_MARK}" if f.get("check") else ""
            )
            out.append(f"| {f['ref']} | {name} | {_fillers(f['from'], library)} | {escape.cell(f['prompt'])} |")
        out.append("")
    out += [
        f"{drafts.CHECK_MARK}: the field, or its number, could not be confirmed from the template workbook itself.",
        "",
    ]
    out += ["## Sources", ""] + [f"- {drafts._md_source(s)}" for s in data["sources"]]
    return "\n".join(out) + "\n"


def _fillers(fillers: list[dict], library) -> str:
    if not fillers:
        return "no question: to complete"
    parts = []
    for f in fillers:
        if "question" in f:
            q = library.questions.get(f["question"])
            parts.append(f"{f['question']} {escape.cell(q.short)}" if q else f["question"])
        elif "sign_off" in f:
            parts.append(f"the sign-off's {f['sign_off']}")
        else:
            parts.append("the scored register")
    return "<br>".join(parts)
