"""The web pages. Views translate between HTTP and the engine, the journey
functions and the store; they hold no rules of their own."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for

from .. import documents, engine, register
from ..banks import Bank, Library
from ..escape import filename
from ..problems import ProblemsFound
from ..publishing import publish, reading
from ..scored import Scored
from ..store import Change, Conflict, NotFound, Record, Store
from . import forms, journey
from .rendering import register_html

main = Blueprint("main", __name__)

PAGE_SIZE = 50


# --- Helpers ------------------------------------------------------------------------


def store() -> Store:
    return current_app.extensions["forethought"]["store"]


def library() -> Library:
    return current_app.extensions["forethought"]["library"]


def who() -> str:
    return session.get("name") or "Someone who has not given their name"


def bind(form_class, *, data: dict | None = None, **kwargs):
    """A form bound to this request, with the session's CSRF context."""
    formdata = request.form if request.method == "POST" else None
    if request.method == "POST" and request.files:
        formdata = request.form.copy()
        formdata.update(request.files)
    meta = {"csrf_secret": current_app.config["SECRET_KEY"].encode(), "csrf_context": session}
    return form_class(formdata=formdata, data=data, meta=meta, **kwargs)


def uploaded(form, missing: str) -> tuple[str, bytes] | None:
    """The uploaded file's safe name and bytes, or None with the form told why."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors = [missing]
        return None
    return filename(upload.filename.rsplit(".", 1)[0], default="the file") + ".json", upload.read()


def refuse_without_csrf(form) -> None:
    if "csrf_token" in form.errors:
        abort(400, "This form has expired or did not come from this site.")


@dataclass
class Loaded(Scored):
    """A stored version of an assessment, scored once; the cache keeps it while it is current."""

    record: Record | None = None

    def register_html(self):
        return self.once("register_html", lambda: register_html(self.register()))


def load(assessment_id: str) -> Loaded:
    """The stored assessment and its scores, from the cache when the version matches."""
    cache = current_app.extensions["forethought"]["cache"]
    try:
        version = store().version(assessment_id)
        hit = cache.get(assessment_id)
        if hit and hit.record.version == version:
            return hit
        record = store().get(assessment_id)
    except NotFound:
        abort(404)
    loaded = Loaded.score(record.document, library())
    loaded.record = record
    cache.put(assessment_id, loaded)
    return loaded


def bank_or_404(bank_id: str) -> Bank:
    try:
        return library().bank(bank_id)
    except KeyError:
        abort(404)


def section_or_404(bank: Bank, section_id: str):
    for section in bank.sections:
        if section.id == section_id:
            return section
    abort(404)


def create(doc: dict, action: str, **kwargs) -> str:
    """Store a new assessment with the summary the home page lists, and keep its scores."""
    loaded = Loaded.score(doc, library())
    assessment_id = store().create(doc, journey.summary(doc, loaded.result, library()), who(), action, **kwargs)
    _keep(assessment_id, loaded)
    return assessment_id


def save(assessment_id: str, change) -> Record:
    """Apply a change and refresh the listed summary, all in one transaction. The new
    version is scored once, here, and kept for the page the save redirects to."""
    made: list[Loaded] = []

    def with_summary(current: Record) -> Change:
        new_doc, action, diff = change(current)
        made[:] = [Loaded.score(new_doc, library())]
        return Change(new_doc, journey.summary(new_doc, made[0].result, library()), action, diff)

    try:
        record = store().update(assessment_id, with_summary, who())
    except NotFound:
        abort(404)
    made[0].record = record
    current_app.extensions["forethought"]["cache"].put(assessment_id, made[0])
    return record


def _keep(assessment_id: str, loaded: Loaded) -> None:
    loaded.record = store().get(assessment_id)
    current_app.extensions["forethought"]["cache"].put(assessment_id, loaded)


# --- Pages ---------------------------------------------------------------------------


@main.get("/healthz")
def healthz():
    """A trivial route: the benchmark's baseline, and a check that the app is up."""
    return Response("ok\n", mimetype="text/plain")


@main.get("/")
def home():
    page = max(1, request.args.get("page", 1, type=int))
    total = store().count()
    rows = store().page(offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("home.html", rows=rows, page=page, pages=pages, total=total)


@main.route("/assessments/new", methods=["GET", "POST"])
def new_assessment():
    profile = library().profile
    section = profile.sections[0]
    doc = documents.new_document(library(), dt.date.today().isoformat())
    shown = journey.shown_on_form(doc, library(), profile, section)
    form = bind(forms.section_form_class(profile, section.id, shown))
    if request.method == "POST":
        valid = form.validate()
        refuse_without_csrf(form)
        if valid:
            doc = journey.with_answers(doc, profile, form.answers())
            assessment_id = create(doc, "Started the assessment")
            added = [qid for qid in journey.shown_on_form(doc, library(), profile, section) if qid not in shown]
            if added:
                flash("We have added a question based on your answer.", "info")
                return redirect(
                    url_for("main.section", assessment_id=assessment_id, bank_id=profile.id, section_id=section.id)
                    + f"#{added[0]}"
                )
            after = journey.next_section(doc, library(), profile, section.id)
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


@main.get("/a/<assessment_id>")
def task_list(assessment_id: str):
    loaded = load(assessment_id)
    return render_template(
        "task_list.html",
        loaded=loaded,
        tasks=journey.tasks(library(), loaded.result, loaded.doc),
        status=loaded.result.status,
    )


@main.route("/a/<assessment_id>/<bank_id>/<section_id>", methods=["GET", "POST"])
def section(assessment_id: str, bank_id: str, section_id: str):
    loaded = load(assessment_id)
    bank = bank_or_404(bank_id)
    section = section_or_404(bank, section_id)
    if not loaded.result.bank(bank.id).applies or loaded.result.bank(bank.id).settle_first:
        return redirect(url_for("main.task_list", assessment_id=assessment_id))
    shown = journey.shown_on_form(loaded.doc, library(), bank, section)
    form_class = forms.section_form_class(bank, section.id, shown)
    conflict = None
    if request.method == "GET":
        form = bind(form_class, data=forms.initial_data(loaded.doc, bank.id, shown))
        form.base.data = journey.fingerprints(loaded.doc, bank.id, shown)
    else:
        form = bind(form_class)
        valid = form.validate()
        refuse_without_csrf(form)
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
                now_shown = journey.shown_on_form(record.document, library(), bank, section)
                added = [qid for qid in now_shown if qid not in shown]
                if added:
                    flash("We have added a question based on your answer.", "info")
                    return redirect(
                        url_for("main.section", assessment_id=assessment_id, bank_id=bank.id, section_id=section.id)
                        + f"#{added[0]}"
                    )
                if request.form.get("then") == "task_list":
                    return redirect(url_for("main.task_list", assessment_id=assessment_id))
                after = journey.next_section(record.document, library(), bank, section.id)
                if after:
                    return redirect(
                        url_for("main.section", assessment_id=assessment_id, bank_id=bank.id, section_id=after)
                    )
                return redirect(url_for("main.check", assessment_id=assessment_id, bank_id=bank.id))
    index = [s.id for s in bank.sections].index(section.id)
    status = 409 if conflict else 200
    after = journey.next_section(loaded.doc, library(), bank, section.id)
    return render_template(
        "section.html",
        form=form,
        bank=bank,
        section=section,
        loaded=loaded,
        conflict=conflict,
        position=(index + 1, len(bank.sections)),
        next_label="Save and continue",
        previous=journey.previous_section(loaded.doc, library(), bank, section.id),
        skip_to=url_for("main.section", assessment_id=assessment_id, bank_id=bank.id, section_id=after)
        if after
        else url_for("main.check", assessment_id=assessment_id, bank_id=bank.id),
    ), status


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


@main.get("/a/<assessment_id>/results")
def results(assessment_id: str):
    loaded = load(assessment_id)

    def answer_link(item) -> str:
        return (
            url_for("main.section", assessment_id=assessment_id, bank_id=item.bank_id, section_id=item.section_id)
            + f"#{item.id}"
        )

    return render_template(
        "results.html",
        loaded=loaded,
        method=library().method,
        answer_link=answer_link,
        context=loaded.context(),
    )


@main.route("/a/<assessment_id>/<bank_id>/actions", methods=["GET", "POST"])
def actions(assessment_id: str, bank_id: str):
    loaded = load(assessment_id)
    bank = bank_or_404(bank_id)
    bank_result = loaded.result.bank(bank.id)
    if bank.kind != "risk" or not bank_result.applies:
        abort(404)
    form_class = forms.actions_form_class(bank)
    # Only what the page shows: a record for a mitigation that no longer
    # applies is kept as it is, not cleared by a form that did not show it.
    ids = (
        tuple(m.id for m in bank_result.mitigations if m.status != "not_applicable"),
        tuple(r.id for r in bank_result.risks),
    )
    conflict = None
    if request.method == "GET":
        form = bind(form_class, data=form_class.data_from(loaded.doc, bank.id, ids))
        form.base.data = _action_fingerprints(loaded.doc, bank, ids)
    else:
        form = bind(form_class)
        valid = form.validate()
        refuse_without_csrf(form)
        if valid:
            mitigations, risks = form.records(ids)

            def change(current: Record):
                mitigation_base, _, risk_base = (form.base.data or "").partition("|")
                if journey.overwritten(
                    current.document, bank.id, mitigations, mitigation_base, "mitigations"
                ) or journey.overwritten(current.document, bank.id, risks, risk_base, "risks"):
                    raise Conflict({"document": current.document})
                new_doc = journey.with_records(current.document, bank, "mitigations", mitigations)
                new_doc = journey.with_records(new_doc, bank, "risks", risks)
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
                flash(f"Saved the actions for {bank.title}.", "success")
                return redirect(url_for("main.results", assessment_id=assessment_id) + f"#bank-{bank.id}")
    return render_template(
        "actions.html",
        loaded=loaded,
        bank=bank,
        bank_result=bank_result,
        form=form,
        conflict=conflict,
        documents=documents,
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
    return render_template("register.html", loaded=loaded, html=loaded.register_html())


def _download(text: str, loaded: Loaded, suffix: str, mimetype: str) -> Response:
    stem = filename(documents.value(loaded.doc, "profile", "PR-01"), default="assessment")
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{suffix}"'
    return response


@main.get("/a/<assessment_id>/register.md")
def register_markdown(assessment_id: str):
    loaded = load(assessment_id)
    return _download(loaded.register(), loaded, "register.md", "text/markdown; charset=utf-8")


@main.get("/a/<assessment_id>/register.csv")
def register_csv(assessment_id: str):
    loaded = load(assessment_id)
    return _download(register.csv_text(loaded.result), loaded, "register.csv", "text/csv; charset=utf-8")


@main.get("/a/<assessment_id>/register.json")
def register_json(assessment_id: str):
    loaded = load(assessment_id)
    return _download(
        register.json_text(loaded.doc, loaded.result, library()), loaded, "register.json", "application/json"
    )


@main.get("/a/<assessment_id>/assessment.json")
def export(assessment_id: str):
    loaded = load(assessment_id)
    return _download(documents.dumps(loaded.doc), loaded, "assessment.json", "application/json")


@main.route("/import", methods=["GET", "POST"])
def import_assessment():
    form = bind(forms.ImportForm)
    problems = None
    if request.method == "POST":
        form.validate()
        refuse_without_csrf(form)
        upload = uploaded(form, "Choose an assessment file to import")
        if upload:
            name, content = upload
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
    stage_question = library().profile.questions["PR-03"]
    form = bind(forms.DuplicateForm)
    if request.method == "POST":
        valid = form.validate()
        refuse_without_csrf(form)
        if valid and form.stage.data not in stage_question.values:
            form.stage.errors = ["Choose the procurement stage for the new copy"]
            valid = False
        if valid:
            doc = copy.deepcopy(loaded.doc)
            doc["banks"]["profile"]["answers"]["PR-03"] = {"value": form.stage.data}
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
    return render_template("history.html", loaded=loaded, entries=store().history(assessment_id))


@main.route("/your-name", methods=["GET", "POST"])
def your_name():
    form = bind(forms.NameForm, data={"name": session.get("name", "")})
    if request.method == "POST":
        valid = form.validate()
        refuse_without_csrf(form)
        if valid:
            session["name"] = form.name.data.strip()
            flash("Thank you. Your changes will be recorded under that name.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("name.html", form=form)


def _safe_next(target: str | None) -> str:
    """Only follow a same-site path after a form, never an address elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.home")


# --- Publishing ----------------------------------------------------------------------


@main.route("/a/<assessment_id>/publish", methods=["GET", "POST"])
def publish_page(assessment_id: str):
    loaded = load(assessment_id)
    ready = loaded.result.status == "completed"
    fields = publish.withholdable(loaded.doc, library())
    sign_off = loaded.doc.get("sign_off", {})
    form = bind(forms.PublishForm, data={**sign_off, "date": sign_off.get("date") or dt.date.today().isoformat()})
    withheld: dict[str, str] = {}
    withhold_errors: list[tuple[str, str]] = []
    if request.method == "POST":
        valid = form.validate()
        refuse_without_csrf(form)
        allowed = {f.pointer for f in fields}
        for key, where in request.form.items():
            if not key.startswith("withhold-"):
                continue
            index = key.removeprefix("withhold-")
            reason = (request.form.get(f"reason-{index}") or "").strip()
            withheld[where] = reason
            if where not in allowed:
                withhold_errors.append(
                    (key, "A field you chose to withhold has changed since this page loaded. Check the list again.")
                )
            elif not reason:
                withhold_errors.append((f"reason-{index}", "Say why this field is withheld"))
        if valid and ready and not withhold_errors:
            signed = {
                k: v.strip()
                for k, v in (
                    ("name", form.name.data),
                    ("role", form.role.data),
                    ("date", form.date.data),
                    ("decision", form.decision.data),
                    ("note", form.note.data or ""),
                )
                if v and v.strip()
            }
            redactions = [{"pointer": p, "reason": r} for p, r in withheld.items()]

            def build(series: str, version: int, previous: str | None, at: str) -> dict:
                return publish.publish(
                    loaded.doc,
                    library(),
                    sign_off=signed,
                    redactions=redactions,
                    series=series,
                    version=version,
                    published_at=at,
                    previous_content_hash=previous,
                )

            document = store().publish(assessment_id, build, reading.summary, who())

            def record_sign_off(current: Record):
                new_doc = copy.deepcopy(current.document)
                new_doc["sign_off"] = signed
                diff = [
                    {
                        "bank": "assessment",
                        "item": "sign_off",
                        "field": k,
                        "before": current.document.get("sign_off", {}).get(k),
                        "after": signed.get(k),
                    }
                    for k in ("name", "role", "date", "decision", "note")
                    if current.document.get("sign_off", {}).get(k) != signed.get(k)
                ]
                return new_doc, "Signed off", diff

            save(assessment_id, record_sign_off)
            version = document["publication"]["version"]
            flash(f"Published version {version}. Anyone can now read it here.", "success")
            return redirect(url_for("public.version", publication_id=document["publication"]["id"], version=version))
    return render_template(
        "publish.html",
        loaded=loaded,
        form=form,
        ready=ready,
        fields=fields,
        withheld=withheld,
        withhold_errors=withhold_errors,
        versions=store().published_for(assessment_id),
        decisions=reading.DECISIONS,
    )


@main.route("/a/<assessment_id>/published/<int:version>/withdraw", methods=["GET", "POST"])
def withdraw(assessment_id: str, version: int):
    loaded = load(assessment_id)
    versions = {v["version"]: v for v in store().published_for(assessment_id)}
    if version not in versions:
        abort(404)
    target = versions[version]
    form = bind(forms.WithdrawForm)
    if request.method == "POST":
        valid = form.validate()
        refuse_without_csrf(form)
        if valid:
            store().withdraw(target["publication_id"], version, form.reason.data.strip(), who())
            flash(f"Withdrew version {version}. It stays readable, marked as withdrawn.", "success")
            return redirect(url_for("main.publish_page", assessment_id=assessment_id))
    return render_template("withdraw.html", loaded=loaded, form=form, target=target)
