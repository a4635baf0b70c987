"""Reviewing a published assessment: the findings `verify` makes, highlighted,
with notes per question or risk and a review report to download. Reviewers
never change the assessment itself; their notes are kept apart from it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for

from .. import escape
from ..canonical import digest
from ..decisions import DECISIONS
from ..files import parse_json
from ..problems import ProblemsFound
from ..publishing import reading, verify
from ..publishing.verify import FINDING_LABELS
from ..register import report_templates
from ..store import NotFound
from . import forms, rendering, wording
from .helpers import bind, keys, rendered_once, store, submitted, who
from .public import verified

review = Blueprint("review", __name__, url_prefix="/review")


def subject(key: str) -> tuple[dict, str]:
    try:
        return store().review_subject("sha256:" + key)
    except NotFound:
        abort(404)


def reviewed(key: str) -> tuple[reading.Verified, str]:
    """The review subject verified (once per day), and where it came from; the stored
    document is read and parsed only when the cache does not hold it."""
    try:
        source = store().review_source("sha256:" + key)
    except NotFound:
        abort(404)
    return verified(("review", key), lambda: subject(key)[0]), source


def keep_for_review(document: dict, source: str) -> str:
    """Store the document as a review subject; the address of its review page."""
    content_hash = digest(document)
    store().add_review_subject(content_hash, document, source)
    return url_for("review.view", key=content_hash.removeprefix("sha256:"))


@review.route("/", methods=["GET", "POST"])
def start():
    form = bind(forms.ImportForm, missing="Choose a published assessment file to review")
    problems = None
    if submitted(form):
        name, content = form.upload()
        document, problems = parse_json(content, name)
        if not problems:
            try:
                reading.verified(document, name=name)
            except ProblemsFound as e:
                problems = e.problems
        if not problems:
            return redirect(keep_for_review(document, f"uploaded as {name}"))
    status = 422 if (problems or form.file.errors) else 200
    return render_template("review_start.html", form=form, problems=problems, rows=store().published_latest()), status


@review.get("/published/<publication_id>/<int:version>")
def from_published(publication_id: str, version: int):
    try:
        document = store().published_document(publication_id, version)
    except NotFound:
        abort(404)
    return redirect(keep_for_review(document, f"published here as version {version}"))


@review.route("/<key>", methods=["GET", "POST"])
def view(key: str):
    scored, source = reviewed(key)
    targets = (
        ["general"]
        + [r.id for r in scored.result.risks]
        + [q["id"] for bank in reading.answers(scored) for section in bank["sections"] for q in section["rows"]]
    )
    form = bind(forms.ReviewNoteForm, targets=targets)
    if submitted(form):
        store().add_review_note("sha256:" + key, form.target.data, form.note.data.strip(), who())
        flash("Added your note.", "success")
        anchor = "" if form.target.data == "general" else f"#{form.target.data}"
        return redirect(url_for("review.view", key=key) + anchor)
    listed = store().review_notes("sha256:" + key)
    notes: dict[str, list] = {}
    for note in listed:
        notes.setdefault(note["target"], []).append(note)
    by_target: dict[str, list] = {}
    for finding in scored.report.findings:
        by_target.setdefault(finding.where, []).append(finding)
    # Notes are only ever added, so how many there are says which set this is.
    body = rendered_once(
        scored,
        "review_body.html",
        key=len(listed),
        notes=notes,
        by_target=by_target,
        labels=FINDING_LABELS,
        answers=reading.answers(scored),
        context=scored.context(),
    )
    choices = scored.once(("review target choices",), lambda: _target_choices(scored, targets))
    return render_template(
        "review.html",
        s=scored,
        source=source,
        key=key,
        form=form,
        notes=notes,
        targets=targets,
        findings=scored.report.findings,
        labels=FINDING_LABELS,
        body=body,
        known_keys=keys().fingerprints(),
        left_out=left_out(scored),
        findings_html=rendered_once(
            scored, "review_findings.html", findings=scored.report.findings, labels=FINDING_LABELS
        ),
        target_options=None
        if form.target.data
        else rendered_once(scored, "review_targets.html", targets=choices, selected=None),
        target_choices=choices,
    )


def left_out(scored: reading.Verified) -> list[str]:
    """A withdrawal this app signed for this very version that the file leaves out: the copy
    without it is the original file, so only the publisher's own record can show it."""
    publication = scored.publication
    try:
        if scored.withdrawal or not store().published_withdrawn_at(publication["id"], publication["version"]):
            return []
        ours = store().published_document(publication["id"], publication["version"])
    except NotFound:
        return []
    return verify.withdrawals_left_out(scored.published, [ours])


def _target_choices(scored: reading.Verified, targets: list[str]) -> list[tuple[str, str]]:
    return wording.target_choices(targets, {r.id: r.title for r in scored.result.risks}, scored.library.questions)


@review.get("/<key>/report.md")
def report(key: str):
    scored, source = reviewed(key)
    notes = store().review_notes("sha256:" + key)
    text = (
        report_templates()
        .get_template("review.md.j2")
        .render(
            s=scored,
            source=source,
            notes=notes,
            labels=FINDING_LABELS,
            today=dt.date.today().isoformat(),
            when=rendering.when,
            findings=scored.report.findings,
            questions=scored.library.questions,
            decisions=DECISIONS,
            about=dict(_target_choices(scored, sorted({n["target"] for n in notes}))),
        )
    )
    stem = escape.filename(scored.published.get("title"), default="assessment")
    return Response(
        text,
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="{stem}-review.md"'},
    )
