"""A draft data protection impact assessment (DPIA), in the steps of the ICO's sample template.

Steps 1 to 4 and 7 are fields filled from the profile and the banks' answers; step 5
is the scored risks of the banks that bear on people's data and rights, with the ICO's
likelihood, severity and overall risk; step 6 is the measures and the risk left once
they are done; and where a high risk is left, the draft says so and asks for prior
consultation with the ICO (UK GDPR Article 36). What goes where, and how the 5 × 5
scores become the ICO's three words, is data (`reports/dpia.json`, described by
`schemas/draft-dpia.schema.json`; `docs/dpia.md` is made from it).
"""

from __future__ import annotations

import json

from . import __version__, conditions, documents, drafts, engine, escape
from .drafts import Draft, Entry, Note, Part, Table
from .engine import RiskResult, Score
from .scored import Scored

DATA = "dpia.json"
FORMATS = ("md", "docx", "odt", "json")
ICO_LOW = "Low"  # the lowest of the template's three overall risks (schemas/draft-dpia.schema.json)


def spec() -> dict:
    return drafts.data(DATA)


def applies(scored: Scored) -> bool | None:
    """Whether the processing uses personal data, from the profile: True, False, or None while open."""
    library, doc = scored.library, scored.doc

    def fact_of(qid: str) -> conditions.Fact:
        question = library.questions.get(qid)
        kind = question.type if question else "text"
        value = documents.value(doc, question.bank_id, qid) if question else None
        return conditions.Fact(kind, True, value)

    return conditions.evaluate(spec()["applies_when"], fact_of)


def draft(scored: Scored) -> Draft:
    """The DPIA, filled from the answers and the scored risks; made once per scored version."""
    return scored.once(("dpia", "draft"), lambda: _draft(scored))


def made(scored: Scored, fmt: str) -> str | bytes:
    """The draft as Markdown, Word, OpenDocument or JSON, made once per scored version."""
    if fmt not in FORMATS:
        raise ValueError(f"no DPIA format {fmt!r}")
    return scored.once(("dpia", fmt), lambda: _make(scored, fmt))


def _make(scored: Scored, fmt: str) -> str | bytes:
    built = draft(scored)
    if fmt == "md":
        return drafts.markdown(built)
    if fmt == "json":
        return _json(built)
    from . import office

    document = drafts.office_document(built, subject="Data protection impact assessment (draft)")
    return office.docx(document) if fmt == "docx" else office.odt(document)


def high_residual(scored: Scored) -> list[RiskResult]:
    """The risks still high once every planned measure is done (the cautious reading), in register order."""
    data = spec()
    return [r for r in _risks(scored) if _overall(r.target.rating) == data["high"]]


def _risks(scored: Scored) -> list[RiskResult]:
    banks = set(spec()["risk_banks"])
    return [r for r in scored.context()["risks"] if r.bank_id in banks]


def _draft(scored: Scored) -> Draft:
    data = spec()
    state = applies(scored)
    if state is False:
        raise drafts.NotApplicable(data["not_applicable"])
    doc, library, result = scored.doc, scored.library, scored.result
    shown = engine.visibility(doc, library)
    risks = _risks(scored)
    parts = []
    for step in data["steps"]:
        part = Part(step["id"], step["title"], landscape="table" in step)
        if step.get("table") == "risks":
            part.items = _assessed(risks, scored)
        elif step.get("table") == "measures":
            part.items = _measures(risks, scored)
        else:
            for spec_field in step["fields"]:
                item = drafts.entry(spec_field, doc, library, result, shown)
                if any(f.get("register") == "review" for f in spec_field["from"]):
                    item.lines += _review_lines(risks)
                    item.sources += ["register"] if risks else []
                part.items.append(item)
        parts.append(part)
        if step.get("table") == "measures":
            parts.append(_article_36(scored))
    title, organisation, date, content_hash = drafts.header(doc)
    intro = [
        f"A draft DPIA for {title} by {organisation}, made by Forethought {__version__} from the assessment dated "
        f"{date}, in the steps of the {data['template']['publisher']}'s {data['template']['name']}.",
        'Each field shows what the answers say and what the step asks for; a field marked "to complete" is one '
        "the answers do not fill. Steps 5 and 6 come from the scored risk register, its 5 × 5 scores put in the "
        "ICO's words for likelihood, severity and overall risk as step 5 explains.",
        f"Assessment content hash: {content_hash}.",
    ]
    if state is None:
        intro.insert(1, data["unknown_applies"])
    return Draft("dpia", f"DPIA draft: {title}", organisation, date, content_hash, intro, parts, data["sources"])


def _words(score: Score) -> tuple[str, str, str]:
    """A score's likelihood, severity and overall risk in the ICO's words."""
    data = spec()
    return (
        data["likelihood"][str(score.likelihood)],
        data["severity"][str(score.impact)],
        _overall(score.rating),
    )


def _overall(rating: str) -> str:
    """A rating as the ICO's overall risk. A rating the data file does not know (a published file
    scored with another method's bands) is read as high: the cautious reading, as everywhere."""
    data = spec()
    return data["overall"].get(rating, data["high"])


def _assessed(risks: list[RiskResult], scored: Scored) -> list:
    method = scored.library.method
    if not risks:
        return [
            Note("None of the banks that bear on personal data and rights applies, so the register has no risks here.")
        ]
    rows = []
    for r in risks:
        likelihood, severity, overall = _words(r.residual)
        told = r.established_residual if r.established_applies else None
        overall_text = f"{overall} ({r.residual.rating_label}, score {r.residual.score})"
        if r.residual.forced_by_red_flag:
            overall_text += "; a red flag puts it at the top"
        if told is None:
            overall_text += "; on what you have told us it may not arise"
        elif told.rating != r.residual.rating:
            overall_text += f"; {told.rating_label} on what you have told us"
        rows.append(
            [
                f"{r.id} {r.title}. {r.statement}. Who could be harmed: {r.harmed}.",
                f"{likelihood} ({r.residual.likelihood} of 5: {method.likelihood[r.residual.likelihood - 1].label})",
                f"{severity} ({r.residual.impact} of 5: {method.impact[r.residual.impact - 1].label})",
                overall_text,
            ]
        )
    return [
        Note(
            "Each risk as it stands with the measures already in place, if the open answers go badly (the register's "
            "cautious reading)."
        ),
        Note(_scale_words(scored)),
        Table(
            [
                "Source of risk and possible impact on individuals",
                "Likelihood of harm",
                "Severity of harm",
                "Overall risk",
            ],
            rows,
            [5, 2, 2, 3],
        ),
    ]


def _scale_words(scored: Scored) -> str:
    """How the register's levels and ratings become the ICO's words, from the data file."""
    data = spec()

    def runs(words: dict) -> str:
        groups: dict[str, list[int]] = {}
        for level in range(1, 6):
            groups.setdefault(words[str(level)], []).append(level)
        return ", ".join(
            f"{levels[0]}" + (f" to {levels[-1]}" if len(levels) > 1 else "") + f" {word}"
            for word, levels in groups.items()
        )

    ratings = ", ".join(f"{r.label} as {_overall(r.id)}" for r in scored.library.method.ratings)
    return (
        f"The register's 5 × 5 levels in the ICO's words: likelihood {runs(data['likelihood'])}; impact "
        f"{runs(data['severity'])}. The overall risk follows the register's rating: {ratings}."
    )


def _measures(risks: list[RiskResult], scored: Scored) -> list:
    rank = scored.library.method.rank
    # The template asks for measures against the risks step 5 finds medium or high.
    shown = [r for r in risks if _overall(r.residual.rating) != ICO_LOW]
    rows = []
    for r in shown:
        options = _options(r)
        if rank(r.target.rating) < rank(r.residual.rating):
            effect = "Reduced"
        elif r.target.score < r.residual.score:
            effect = "Reduced, within the same rating"
        else:
            effect = "Accepted"
        _, _, residual = _words(r.target)
        chosen = [m for m in r.mitigations if m.status == "planned"]
        suggested = [m for m in r.mitigations if m.status == "recommended"]
        approved = "Yes: planned" if chosen else ("Not yet: recommended" if suggested else "No new measures")
        rows.append(
            [
                f"{r.id} {r.title}",
                "\n".join(options) or "None left to take",
                effect,
                f"{residual} ({r.target.rating_label}, score {r.target.score})",
                approved,
            ]
        )
    left_out = [r.id for r in risks if r not in shown]
    notes = [f"Low in step 5, so left out here: {', '.join(left_out)}."] if left_out else []
    if not rows:
        return [Note("No risk is medium or high in step 5, so no measures are needed."), *map(Note, notes)]
    return [
        Note(
            "Each risk that step 5 finds medium or high, with the measures to reduce it. The residual risk is the "
            "risk once every measure not declined is done and evidenced (the register's target)."
        ),
        *map(Note, notes),
        Table(
            ["Risk", "Options to reduce or eliminate risk", "Effect on risk", "Residual risk", "Measure approved"],
            rows,
            [3, 6, 2, 2, 2],
        ),
    ]


def _options(r: RiskResult) -> list[str]:
    words = {"planned": "Planned", "recommended": "Recommended", "in_place": "In place", "declined": "Declined"}
    out = []
    for m in r.mitigations:
        if m.status not in words:
            continue
        who = ", ".join(x for x in (m.owner and f"owner {m.owner}", m.due and f"due {m.due}") if x)
        out.append(f"{words[m.status]}: {m.id} {m.action}" + (f" ({who})" if who else ""))
    return out


def _article_36(scored: Scored) -> Part:
    data = spec()["article_36"]
    high = high_residual(scored)
    part = Part("article_36", data["heading"], landscape=True)
    if not high:
        part.items = [Note(data["none"])]
        return part
    rows = []
    for r in high:
        why = [f"Red flag: {f.reason}" for f in r.red_flags if not f.cleared_in_target]
        why += [f"Declined: {m.id} {m.action}" for m in r.mitigations if m.status == "declined"]
        raised = _raised_by(r, scored)
        if raised:
            why.append("Raised by the answers to: " + "; ".join(raised))
        if r.assumptions:
            why.append("Rests on open answers: " + ", ".join(r.assumptions))
        told = r.established_target if r.established_applies else None
        if told is None:
            why.append("On what you have told us it may not arise")
        elif told.rating != r.target.rating:
            why.append(f"{told.rating_label} on what you have told us")
        rows.append(
            [
                f"{r.id} {r.title}",
                f"High ({r.target.rating_label}, score {r.target.score})",
                "\n".join(why) or "The answers given",
            ]
        )
    part.items = [
        Note(data["prompt"], strong=True),
        Note("High residual risks: " + ", ".join(f"{r.id} {r.title}" for r in high) + ".", strong=True),
        Table(["Risk", "Residual risk", "Why it stays high"], rows, [4, 2, 5]),
    ]
    return part


def _raised_by(r: RiskResult, scored: Scored) -> list[str]:
    """The questions whose answers add to the risk's likelihood or impact, each once."""
    questions = scored.library.questions
    found: list[str] = []
    for reason in r.likelihood.reasons + r.impact.reasons:
        if reason.question and reason.points > 0 and reason.question in questions:
            text = f"{reason.question} {questions[reason.question].short}"
            found += [text] if text not in found else []
    return found


def _review_lines(risks: list[RiskResult]) -> list[str]:
    dated = sorted((r.review_date, r.id) for r in risks if r.review_date)
    if not dated:
        return []
    owners = sorted({r.owner for r in risks if r.owner})
    lines = [f"Earliest review date in the risk register: {dated[0][0]} ({dated[0][1]})."]
    return lines + ([f"Risk owners: {'; '.join(owners)}."] if owners else [])


def _json(built: Draft) -> str:
    out: dict = {
        "template": spec()["template"]["name"],
        "generated_by": f"Forethought {__version__}",
        "title": built.title,
        "organisation": built.organisation,
        "assessment_date": built.date,
        "content_hash": built.content_hash,
        "steps": {},
    }
    for part in built.parts:
        step: dict = {"title": part.title}
        for item in part.items:
            if isinstance(item, Entry):
                step.setdefault("fields", {})[item.key] = {
                    "name": item.name,
                    "status": item.status,
                    "value": "\n\n".join(item.lines) if item.lines else None,
                    "from": item.sources,
                    "still_open": item.unknown,
                    "asks": item.prompt,
                }
            elif isinstance(item, Table):
                step.setdefault("tables", []).append([dict(zip(item.header, row, strict=True)) for row in item.rows])
            else:
                step.setdefault("notes", []).append(item.text)
        out["steps"][part.key] = step
    return json.dumps(drafts.visible_json(out), indent=2, ensure_ascii=False) + "\n"


# --- The field table for docs/dpia.md -------------------------------------------


def mapping_markdown(library) -> str:
    """Every DPIA step and field, the answers that fill it, and how the scores map (`forethought draft-docs dpia`)."""
    from .conditions import describe

    data = spec()
    method = library.method
    questions = library.questions

    def label(qid: str) -> str:
        return f"{qid} ({escape.one_line(questions[qid].short)})" if qid in questions else qid

    out = [
        "# DPIA draft: which answers fill which part",
        "",
        "<!-- Generated by `forethought draft-docs dpia` (make generate) from reports/dpia.json. Do not edit. -->",
        "",
        f"`forethought dpia FILE` drafts a data protection impact assessment in the seven steps of the "
        f"{escape.md(data['template']['publisher'])}'s {escape.md(data['template']['name'])}, as Markdown, Word "
        "(`--format docx`), OpenDocument (`--format odt`) or JSON. The web app offers the same files on the "
        "results page and on the public page of each published version; the static site has the Markdown and "
        "JSON. The welfare example's draft is `examples/drafts/welfare-fraud-risk-scoring.dpia.md`.",
        "",
        escape.md(data["template"]["note"]),
        "",
        f"A draft is made when {describe(data['applies_when'], label, lambda q, v: f'`{v}`')}; while that is not yet "
        "answered, the draft is made with a warning that it assumes personal data is used.",
        "",
        "## How the register's scores become the ICO's words",
        "",
        "Steps 5 and 6 take the risks of these banks, when they apply: "
        + ", ".join(f"`{b}`" for b in data["risk_banks"])
        + ". Step 5 gives each risk as it stands with the measures already in place (the register's residual "
        "score, read cautiously: an open answer counts against you). Step 6 gives the measures not declined and "
        "the risk left once they are all done and evidenced (the register's target), which is the ICO's residual "
        "risk. The ICO's template has three words for each; the 5 × 5 levels map onto them like this:",
        "",
        "| Level | Likelihood (ours) | Likelihood of harm (ICO) | Impact (ours) | Severity of harm (ICO) |",
        "|---|---|---|---|---|",
    ]
    for level in range(1, 6):
        out.append(
            f"| {level} | {escape.cell(method.likelihood[level - 1].label)} "
            f"| {escape.cell(data['likelihood'][str(level)])} "
            f"| {escape.cell(method.impact[level - 1].label)} | {escape.cell(data['severity'][str(level)])} |"
        )
    out += ["", "| Our rating | Scores | Overall risk (ICO) |", "|---|---|---|"]
    for rating in method.ratings:
        out.append(
            f"| {escape.cell(rating.label)} | {rating.min} to {rating.max} "
            f"| {escape.cell(data['overall'][rating.id])} |"
        )
    out += [
        "",
        "The overall risk comes from our rating, not from the two words alone, so a red flag that puts a risk at "
        "the top rating makes its overall risk High whatever its likelihood and severity.",
        "",
        f"## {escape.one_line(data['article_36']['heading'])}",
        "",
        f"Every risk whose residual risk is {data['high']} once the measures are done is named after step 6, "
        "with why it stays high (an uncleared red flag, the measures declined, the answers that raise its likelihood "
        "or impact, the open answers it rests on, and its rating on what the team has told us where that is "
        "lower), under this prompt:",
        "",
        f"> {escape.md(data['article_36']['prompt'])}",
        "",
        f'Where no risk stays {data["high"]}: "{escape.md(data["article_36"]["none"])}"',
        "",
    ]
    for step in data["steps"]:
        out += [f"## {escape.one_line(step['title'])}", ""]
        if step.get("table") == "risks":
            out += [
                "A table, one row per risk: the source of risk and possible impact (the risk's statement and who "
                "could be harmed), likelihood of harm, severity of harm and overall risk, each with our level.",
                "",
            ]
            continue
        if step.get("table") == "measures":
            out += [
                "A table, one row per risk that step 5 finds medium or high (the template asks for measures "
                "against those; the low ones are named below it): the options (each mitigation planned, "
                "recommended, in place or declined, "
                "with its owner and date), the effect on risk (Reduced where the target rating is lower, Reduced "
                "within the same rating where only the score falls, otherwise Accepted; never Eliminated), the "
                "residual risk, and whether the measure is approved (Yes where the team has planned it).",
                "",
            ]
            continue
        out += ["| Field | Filled from | Asks for |", "|---|---|---|"]
        for f in step["fields"]:
            out.append(f"| {escape.cell(f['name'])} | {_fillers(f['from'], label)} | {escape.cell(f['prompt'])} |")
        out.append("")
    out += ["## Sources", ""] + [f"- {drafts._md_source(s)}" for s in data["sources"]]
    return "\n".join(out) + "\n"


def _fillers(fillers: list[dict], label) -> str:
    if not fillers:
        return "no question: to complete"
    parts = []
    for f in fillers:
        if "question" in f:
            parts.append(label(f["question"]))
        elif "sign_off" in f:
            parts.append(f"the sign-off's {drafts.SIGN_OFF_WORDS[f['sign_off']].lower()}")
        else:
            parts.append("the risk register's review dates and owners")
    return "<br>".join(parts)
