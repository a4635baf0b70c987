"""What the answers add up to: the results, owners and actions, and the register with its downloads."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ... import atrs, dpia, drafts, office, register
from ...banks import Bank
from ...scored import OUTPUTS
from ...store import Conflict, Record
from .. import forms, journey, wording
from ..helpers import bind, download, library, rendered_once, submitted
from ..records import bank_or_404, load, save
from ..rendering import Shown, shown
from . import main


@main.get("/a/<assessment_id>/results")
def results(assessment_id: str):
    loaded = load(assessment_id)

    def answer_link(item) -> str:
        return (
            url_for("main.section", assessment_id=assessment_id, bank_id=item.bank_id, section_id=item.section_id)
            + f"#{item.id}"
        )

    body = rendered_once(
        loaded,
        "results_body.html",
        loaded=loaded,
        method=library().method,
        answer_link=answer_link,
        context=loaded.context(),
        drafts=offered_drafts(loaded),
    )
    return render_template("results.html", loaded=loaded, body=body)


@main.get("/a/<assessment_id>/<bank_id>/actions")
def actions(assessment_id: str, bank_id: str):
    """Every risk of a bank with its owner, review date and decisions, each with a change link."""
    loaded = load(assessment_id)
    bank, bank_result = _risk_bank(loaded, bank_id)
    return render_template("actions_summary.html", loaded=loaded, bank=bank, bank_result=bank_result, labels=wording)


@main.route("/a/<assessment_id>/<bank_id>/actions/<risk_id>", methods=["GET", "POST"])
def risk_actions(assessment_id: str, bank_id: str, risk_id: str):
    """One risk's owner, review date and treatment, and a decision on each mitigation that lowers it."""
    return _actions(assessment_id, bank_id, risk_id)


def _risk_bank(loaded, bank_id: str):
    bank = bank_or_404(bank_id)
    bank_result = loaded.result.bank(bank.id)
    if bank.kind != "risk" or not bank_result.applies:
        abort(404)
    return bank, bank_result


def _actions(assessment_id: str, bank_id: str, risk_id: str):
    loaded = load(assessment_id)
    bank, bank_result = _risk_bank(loaded, bank_id)
    form_class = forms.actions_form_class(bank)
    risks = [r for r in bank_result.risks if r.id == risk_id]
    if not risks:
        abort(404)
    # Only what the page shows: a record for a mitigation that no longer
    # applies is kept as it is, not cleared by a form that did not show it.
    mitigations = [m for m in bank_result.mitigations if m.status != "not_applicable" and risk_id in m.risks]
    ids = (tuple(m.id for m in mitigations), tuple(r.id for r in risks))
    conflict = None
    if request.method == "GET":
        form = bind(form_class, data=form_class.data_from(loaded.doc, bank.id, ids))
        form.base.data = _action_fingerprints(loaded.doc, bank, ids)
    else:
        form = bind(form_class)
        valid = submitted(form)
        if valid:
            mitigation_records, risk_records = form.records(ids)

            def change(current: Record):
                mitigation_base, _, risk_base = (form.base.data or "").partition("|")
                if journey.overwritten(
                    current.document, bank.id, mitigation_records, mitigation_base, "mitigations"
                ) or journey.overwritten(current.document, bank.id, risk_records, risk_base, "risks"):
                    raise Conflict({"document": current.document})
                new_doc = journey.with_records(current.document, bank, "mitigations", mitigation_records)
                new_doc = journey.with_records(new_doc, bank, "risks", risk_records)
                diff = journey.changes(current.document, new_doc, bank.id, ids[0], "mitigations") + journey.changes(
                    current.document, new_doc, bank.id, ids[1], "risks"
                )
                return new_doc, f"Planned actions for {bank.title}", diff

            try:
                save(assessment_id, change)
            except Conflict as e:
                conflict = e.details
                form.base.data = _action_fingerprints(conflict["document"], bank, ids)
            else:
                flash(f"Saved the actions for {risk_id} {risks[0].title}.", "success")
                return redirect(url_for("main.actions", assessment_id=assessment_id, bank_id=bank.id) + f"#{risk_id}")
    return render_template(
        "actions.html",
        loaded=loaded,
        bank=bank,
        risks=risks,
        mitigations=mitigations,
        form=form,
        conflict=conflict,
        labels=wording,
    ), 409 if conflict else 200


def _action_fingerprints(doc: dict, bank: Bank, ids: tuple) -> str:
    return (
        journey.fingerprints(doc, bank.id, ids[0], "mitigations")
        + "|"
        + journey.fingerprints(doc, bank.id, ids[1], "risks")
    )


@main.get("/a/<assessment_id>/register")
def register_page(assessment_id: str):
    loaded = load(assessment_id)
    # Made visible once per version (rendering.shown), not looked through on every view.
    html = loaded.once("register_html shown", lambda: Shown(shown(loaded.register_html())))
    return render_template("register.html", loaded=loaded, html=html)


@main.get("/a/<assessment_id>/<any(register, heatmap):stem>.<any(md, csv, html, docx, odt, svg, png):ext>")
def output(assessment_id: str, stem: str, ext: str):
    """A register file or the heat map picture, made once per version (scored.OUTPUTS)."""
    made = OUTPUTS[ext]
    if made.stem != stem:
        abort(404)
    loaded = load(assessment_id)
    return download(made.make(loaded), loaded.doc, f"{stem}.{ext}", made.media_type)


@main.get("/a/<assessment_id>/register.json")
def register_json(assessment_id: str):
    loaded = load(assessment_id)
    return download(
        register.json_text(loaded.doc, loaded.result, library()), loaded.doc, "register.json", "application/json"
    )


# The drafts the answers fill: an ATRS record where the algorithm bank applies, a DPIA where
# personal data is used. Each is made once per version (Scored.once), never per request.
DRAFT_TYPES = {
    "md": "text/markdown",
    "json": "application/json",
    "docx": office.DOCX_TYPE,
    "odt": office.ODT_TYPE,
}


def offered_drafts(scored) -> list[tuple[str, tuple[str, ...]]]:
    """The drafts this version can make, and their formats: what the results page links to."""
    return drafts.offered(scored, {"atrs": atrs.FORMATS, "dpia": dpia.FORMATS})


@main.get("/a/<assessment_id>/<any(atrs, dpia):kind>-draft.<any(md, json, docx, odt):fmt>")
def draft_download(assessment_id: str, kind: str, fmt: str):
    loaded = load(assessment_id)
    if fmt not in dict(offered_drafts(loaded)).get(kind, ()):
        abort(404)
    made = (atrs if kind == "atrs" else dpia).made(loaded, fmt)
    return download(made, loaded.doc, f"{kind}-draft.{fmt}", DRAFT_TYPES[fmt])
