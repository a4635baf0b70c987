"""Assessments as a whole: the list, starting one, importing, copying, exporting and the history."""

from __future__ import annotations

import copy
import datetime as dt

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from ... import documents
from ...problems import ProblemsFound
from .. import accounts, forms, journey, wording
from ..helpers import bind, download, kept, library, store, submitted
from ..records import create, load
from . import main

PAGE_SIZE = 50


@main.get("/healthz")
def healthz():
    """A trivial route: the benchmark's baseline, and a check that the app is up."""
    return Response("ok\n", mimetype="text/plain")


@main.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: our own icon, not a 404."""
    return current_app.send_static_file("favicon.ico")


@main.get("/")
def home():
    page = max(1, request.args.get("page", 1, type=int))
    viewer = accounts.viewer(g.get("person"))  # per-assessment access: each person their own list
    listing = kept(
        ("home", page, viewer), lambda: Markup(render_template("home_list.html", **_home_rows(page, viewer)))
    )
    return render_template("home.html", listing=listing)


def _home_rows(page: int, viewer: str | None = None) -> dict:
    total = store().count(viewer)
    rows = store().page(offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, viewer=viewer)
    return {"rows": rows, "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "total": total}


@main.route("/assessments/new", methods=["GET", "POST"])
def new_assessment():
    profile = library().profile
    section = profile.sections[0]
    doc = documents.new_document(library(), dt.date.today().isoformat())
    shown = journey.shown_on_form(journey.form_visibility(doc, library()), section)
    # An assessment is known by its title everywhere, so a blank first page makes nothing.
    title = (documents.PROFILE_FIELDS["title"], "Enter the name of the project, so the assessment can be found")
    form = bind(forms.section_form_class(profile, section.id, shown, needed=(title,)))
    if submitted(form):
        doc = journey.with_answers(doc, profile, form.answers())
        assessment_id = create(doc, "Started the assessment")
        flash(f"Started the assessment and saved your answers to {section.title}.", "success")
        visible = journey.form_visibility(doc, library())
        added = [qid for qid in journey.shown_on_form(visible, section) if qid not in shown]
        if added:
            flash("We have added a question based on your answer.", "info")
            return redirect(
                url_for("main.section", assessment_id=assessment_id, bank_id=profile.id, section_id=section.id)
                + f"#{added[0]}"
            )
        after = journey.next_section(visible, profile, section.id)
        return redirect(
            url_for("main.section", assessment_id=assessment_id, bank_id=profile.id, section_id=after)
            if after
            else url_for("main.task_list", assessment_id=assessment_id)
        )
    return render_template(
        "section.html",
        form=form,
        bank=profile,
        section=section,
        loaded=None,
        next_label="Save and continue",
        conflict=None,
        position=(1, len(profile.sections)),
        previous=None,
        skip_to=None,
    )


@main.get("/a/<assessment_id>/assessment.json")
def export(assessment_id: str):
    loaded = load(assessment_id)
    return download(documents.dumps(loaded.doc), loaded.doc, "assessment.json", "application/json")


@main.route("/import", methods=["GET", "POST"])
def import_assessment():
    form = bind(forms.ImportForm, missing="Choose an assessment file to import")
    problems = None
    if submitted(form):
        name, content = form.upload()
        try:
            doc = documents.parse(content, library(), name)
        except ProblemsFound as e:
            problems = e.problems
        else:
            assessment_id = create(doc, f"Imported from {name}")
            flash("Imported the assessment.", "success")
            return redirect(url_for("main.task_list", assessment_id=assessment_id))
    status = 422 if (problems or form.file.errors) else 200
    return render_template("import.html", form=form, problems=problems), status


@main.route("/a/<assessment_id>/duplicate", methods=["GET", "POST"])
def duplicate(assessment_id: str):
    loaded = load(assessment_id)
    stage_question = documents.stage_question(library())
    form = bind(forms.DuplicateForm, stages=stage_question.values)
    if submitted(form):
        doc = copy.deepcopy(loaded.doc)
        doc["banks"]["profile"]["answers"][stage_question.id] = {"value": form.stage.data}
        doc["assessment_date"] = dt.date.today().isoformat()
        doc.pop("sign_off", None)
        new_id = create(
            doc,
            f"Copied from an earlier assessment for the {stage_question.label_of(form.stage.data)} stage",
            duplicated_from=assessment_id,
        )
        flash("Made a copy for the next stage. The earlier assessment is unchanged.", "success")
        return redirect(url_for("main.task_list", assessment_id=new_id))
    return render_template("duplicate.html", loaded=loaded, form=form, stage_question=stage_question)


@main.get("/a/<assessment_id>/history")
def history(assessment_id: str):
    loaded = load(assessment_id)
    entries = [{**e, "changes": wording.change_rows(library(), e["changes"])} for e in store().history(assessment_id)]
    return render_template("history.html", loaded=loaded, entries=entries)
