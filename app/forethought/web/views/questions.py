"""Answering the questions: the task list, a section's form, and a bank's check page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ... import documents, engine
from ...store import Conflict, Record
from .. import forms, journey
from ..helpers import bind, library, rendered_once, submitted
from ..records import bank_or_404, load, save, section_or_404
from . import main


@main.get("/a/<assessment_id>")
def task_list(assessment_id: str):
    loaded = load(assessment_id)
    return render_template(
        "task_list.html",
        loaded=loaded,
        progress=journey.progress(loaded.result),
        tasks=journey.tasks(library(), loaded.result, loaded.form_visibility()),
        status=loaded.result.status,
    )


@main.route("/a/<assessment_id>/<bank_id>/<section_id>", methods=["GET", "POST"])
def section(assessment_id: str, bank_id: str, section_id: str):
    loaded = load(assessment_id)
    bank = bank_or_404(bank_id)
    section = section_or_404(bank, section_id)
    if not loaded.result.bank(bank.id).applies or loaded.result.bank(bank.id).settle_first:
        return redirect(url_for("main.task_list", assessment_id=assessment_id))
    shown = journey.shown_on_form(loaded.form_visibility(), section)
    form_class = forms.section_form_class(bank, section.id, shown)
    conflict = None
    fields = None
    if request.method == "GET":
        form = bind(form_class, data=forms.initial_data(loaded.doc, bank.id, shown))
        form.base.data = journey.fingerprints(loaded.doc, bank.id, shown)
        fields = rendered_once(
            loaded,
            "section_fields.html",
            key=(bank.id, section.id),
            form=form,
            reach=journey.dont_know_reach(loaded.result, shown),
        )
    else:
        form = bind(form_class)
        valid = submitted(form)
        if valid:
            mine = form.answers()

            def change(current: Record):
                overwritten = journey.overwritten(current.document, bank.id, mine, form.base.data)
                if overwritten:
                    raise Conflict({"questions": overwritten, "document": current.document})
                new_doc = journey.with_answers(current.document, bank, mine)
                diff = journey.changes(current.document, new_doc, bank.id, section.question_ids)
                return new_doc, f"Answered {bank.title}: {section.title}", diff

            try:
                record = save(assessment_id, change)
            except Conflict as e:
                conflict = e.details
                form.base.data = journey.fingerprints(conflict["document"], bank.id, shown)
            else:
                saved_messages(load(assessment_id), section, mine)
                now_visible = journey.form_visibility(record.document, library())
                now_shown = journey.shown_on_form(now_visible, section)
                added = [qid for qid in now_shown if qid not in shown]
                if added:
                    flash("We have added a question based on your answer.", "info")
                    return redirect(
                        url_for("main.section", assessment_id=assessment_id, bank_id=bank.id, section_id=section.id)
                        + f"#{added[0]}"
                    )
                if request.form.get("then") == "task_list":
                    return redirect(url_for("main.task_list", assessment_id=assessment_id))
                after = journey.next_section(now_visible, bank, section.id)
                if after:
                    return redirect(
                        url_for("main.section", assessment_id=assessment_id, bank_id=bank.id, section_id=after)
                    )
                return redirect(url_for("main.check", assessment_id=assessment_id, bank_id=bank.id))
    index = [s.id for s in bank.sections].index(section.id)
    status = 409 if conflict else 200
    reach = journey.dont_know_reach(loaded.result, shown)
    after = journey.next_section(loaded.form_visibility(), bank, section.id)
    return render_template(
        "section.html",
        form=form,
        fields=fields,
        bank=bank,
        section=section,
        loaded=loaded,
        conflict=conflict,
        position=(index + 1, len(bank.sections)),
        progress=journey.progress(loaded.result),
        reach=reach,
        next_label="Save and continue",
        previous=journey.previous_section(loaded.form_visibility(), bank, section.id),
        skip_to=url_for("main.section", assessment_id=assessment_id, bank_id=bank.id, section_id=after)
        if after
        else url_for("main.check", assessment_id=assessment_id, bank_id=bank.id),
    ), status


def saved_messages(saved, section, answers: dict[str, dict]) -> None:
    """The banner after a save: saved, and a warning for each "don't know" that moves many risks."""
    flash(f"Saved your answers to {section.title}.", "success")
    for qid, risks in journey.dont_know_reach(saved.result, tuple(answers)).items():
        q = library().questions[qid]
        flash(
            f"You answered “{q.label_of(answers[qid].get('value'))}” to {qid} {q.short}. On its own this answer "
            f"could move {risks} risks, so it is one of the answers that matter most: find out if you can.",
            "warning",
        )


@main.get("/a/<assessment_id>/<bank_id>/check")
def check(assessment_id: str, bank_id: str):
    loaded = load(assessment_id)
    bank = bank_or_404(bank_id)
    visible = loaded.once("visibility", lambda: engine.visibility(loaded.doc, library()))
    return render_template(
        "check.html",
        loaded=loaded,
        bank=bank,
        visible=visible,
        bank_result=loaded.result.bank(bank.id),
        documents=documents,
    )
