"""Signing off and publishing an assessment, and withdrawing a published version."""

from __future__ import annotations

import copy
import datetime as dt
import json

from flask import abort, flash, g, redirect, render_template, url_for
from markupsafe import Markup

from ... import documents
from ...publishing import publish, reading, signing
from ...store import Record, now
from .. import forms
from ..helpers import bind, download, keys, library, store, submitted, who
from ..public import AppLinks
from ..records import load, save
from . import main


@main.route("/a/<assessment_id>/publish", methods=["GET", "POST"])
def publish_page(assessment_id: str):
    """The sign-off. A valid one is not published yet: it shows the preview, to confirm."""
    loaded = load(assessment_id)
    form = _publish_form(forms.PublishForm, loaded)
    if submitted(form) and _ready(loaded):
        return _preview(loaded, form)
    return _publish_page(loaded, form)


@main.post("/a/<assessment_id>/publish/confirm")
def publish_confirm(assessment_id: str):
    """Publish what the preview showed, if that is still what would be published."""
    loaded = load(assessment_id)
    form = _publish_form(forms.ConfirmPublishForm, loaded)
    if not (submitted(form) and _ready(loaded)):
        return _publish_page(loaded, form)
    try:
        document = store().publish(assessment_id, _builder(loaded, form, form.previewed.data), reading.summary, who())
    except PreviewChanged:
        return _preview(loaded, form, changed=True), 409
    except publish.Unreadable as e:
        # Refused inside the transaction, so nothing was stored: say what to change.
        form.withhold_errors += _unreadable_errors(e.problems, form.fields)
        return _publish_page(loaded, form)
    save(assessment_id, _record_sign_off(form.sign_off()))
    version = document["publication"]["version"]
    return redirect(url_for("main.published", assessment_id=assessment_id, version=version))


@main.post("/a/<assessment_id>/publish/preview.json")
def publish_preview_json(assessment_id: str):
    """The very JSON file the preview showed, to keep or check before confirming it."""
    loaded = load(assessment_id)
    form = _publish_form(forms.ConfirmPublishForm, loaded)
    if not (submitted(form) and _ready(loaded)):
        return _publish_page(loaded, form)
    try:
        document = _preview_document(loaded, form, _moment(form.previewed_at.data))
    except publish.Unreadable as e:
        form.withhold_errors += _unreadable_errors(e.problems, form.fields)
        return _publish_page(loaded, form)
    if publish.fingerprint(document) != form.previewed.data:
        return _preview(loaded, form, changed=True), 409
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return download(text, loaded.doc, f"v{document['publication']['version']}-preview.json", "application/json")


@main.get("/a/<assessment_id>/published/<int:version>")
def published(assessment_id: str, version: int):
    """The confirmation after publishing, with the way to the public page and back to the work."""
    loaded = load(assessment_id)
    target = next((v for v in store().published_for(assessment_id) if v["version"] == version), None)
    if target is None:
        abort(404)
    return render_template("published.html", loaded=loaded, target=target)


class PreviewChanged(Exception):
    """What would be published is not what the preview showed."""


# A first version's id is only chosen when it is kept; its preview says this instead.
PREVIEW_ID = "not-yet-published"


def _ready(loaded) -> bool:
    return loaded.result.status == "completed"


def _publish_form(form_class, loaded):
    """The sign-off form: the last sign-off (dated today if it has no date), the fields that may
    be withheld, and what the latest version withheld, kept unless the signer lifts it."""
    sign_off = loaded.doc.get("sign_off", {})
    latest = _latest(loaded.record.id)
    latest_document = store().published_document(latest["publication_id"], latest["version"]) if latest else None
    form = bind(
        form_class,
        data={**sign_off, "date": sign_off.get("date") or dt.date.today().isoformat()},
        fields=publish.withholdable(loaded.doc, library()),
        carried=publish.withheld_in(latest_document),
        conflict=lambda decision, note: publish.decision_conflict(decision, note, loaded.result, library().method),
    )
    if person := g.get("person"):  # a signed-in approver signs in their own name, whatever is typed
        form.name.data = person["name"]
    return form


def _latest(assessment_id: str) -> dict | None:
    versions = store().published_for(assessment_id)
    return versions[-1] if versions else None


def _builder(loaded, form, previewed: str | None = None):
    """What store.publish calls, inside its transaction, to make the document: refused if a
    preview was confirmed and this is no longer what it showed. A confirmed document is signed;
    a preview is not, so looking at one makes no key."""

    def build(series: str, version: int, previous: str | None, at: str) -> dict:
        document = publish.publish(
            loaded.doc,
            library(),
            sign_off=form.sign_off(),
            redactions=form.redactions(),
            series=series,
            version=version,
            published_at=at,
            previous_content_hash=previous,
        )
        if previewed is not None and publish.fingerprint(document) != previewed:
            raise PreviewChanged
        if previewed is not None:
            publish.sign(document, keys())
        return document

    return build


def _preview_document(loaded, form, at: str) -> dict:
    """The document that would be published now, made in memory: nothing is stored."""
    latest = _latest(loaded.record.id)
    if latest is None:
        return _builder(loaded, form)(PREVIEW_ID, 1, None, at)
    return _builder(loaded, form)(latest["publication_id"], latest["version"] + 1, latest["content_hash"], at)


def _moment(text: str | None) -> str:
    """The preview's time as it was shown (a well-formed timestamp), or now."""
    try:
        return dt.datetime.fromisoformat(text or "").isoformat(timespec="seconds")
    except ValueError:
        return now()


def _preview(loaded, form, changed: bool = False):
    """Exactly what would be public, from the document that would be published: the public
    version page's own template, then the confirmation form carrying its fingerprint."""
    at = now()
    try:
        document = _preview_document(loaded, form, at)
    except publish.Unreadable as e:
        form.withhold_errors += _unreadable_errors(e.problems, form.fields)
        return _publish_page(loaded, form)
    scored = reading.verified(document)
    versions = store().published_for(loaded.record.id)
    version = document["publication"]["version"]
    this_one = {
        "publication_id": document["publication"]["id"],
        "version": version,
        "published_at": at,
        "content_hash": document["integrity"]["content_hash"],
        "withdrawn_at": None,
    }
    body = render_template(
        "public/version.html",
        layout="public/fragment.html",
        links=PreviewLinks(version),
        s=scored,
        answers=reading.answers(scored),
        versions=[*versions, this_one],
        context=scored.context(),
    )
    previous = store().published_document(versions[-1]["publication_id"], versions[-1]["version"]) if versions else {}
    return render_template(
        "publish_preview.html",
        loaded=loaded,
        form=form,
        body=Markup(body),
        heading=f"{document['title'] or 'Untitled assessment'}, version {version}",
        version=version,
        fingerprint=publish.fingerprint(document),
        previewed_at=at,
        withholdings=reading.withholding_changes(previous, document, library().questions),
        redactions=document["redactions"],
        sign_off_fields=documents.SIGN_OFF_FIELDS,
        changed=changed,
    )


class PreviewLinks(AppLinks):
    """The public page's links, as the preview shows it: the version not yet published has no
    page or files of its own, so its links lead to the preview's download and changes."""

    def __init__(self, version: int):
        self.preview_version = version

    def download(self, publication_id: str, version: int, ext: str) -> str:
        return "#download" if version == self.preview_version else super().download(publication_id, version, ext)

    def diff(self, publication_id: str, old: int, new: int) -> str:
        return "#changes" if new == self.preview_version else super().diff(publication_id, old, new)

    def drafts(self, scored) -> list:
        return []  # a version not yet published has no drafts to download


def _publish_page(loaded, form):
    return render_template(
        "publish.html",
        loaded=loaded,
        form=form,
        ready=_ready(loaded),
        fields=form.fields,
        withheld=form.withheld,
        withhold_errors=form.withhold_errors,
        carried=form.carried,
        lifted=form.lifted,
        versions=store().published_for(loaded.record.id),
    )


def _record_sign_off(signed: dict):
    """The change that keeps the sign-off with the assessment, and records it in the history."""

    def change(current: Record):
        new_doc = copy.deepcopy(current.document)
        new_doc["sign_off"] = signed
        before = current.document.get("sign_off", {})
        diff = [
            {"bank": "assessment", "item": "sign_off", "field": k, "before": before.get(k), "after": signed.get(k)}
            for k in documents.SIGN_OFF_FIELDS
            if before.get(k) != signed.get(k)
        ]
        return new_doc, "Signed off", diff

    return change


def _unreadable_errors(problems: list[str], fields: list[publish.Withholdable]) -> list[tuple[str, str]]:
    """Why the publication would not verify, each linked to the withheld field it names, if any."""
    targets = {"/assessment" + f.pointer: f"reason-{i}" for i, f in enumerate(fields, 1)}
    return [
        (
            targets.get(problem.split(":", 1)[0], "name"),
            f"Nothing was published, because the published file would not verify: {problem}",
        )
        for problem in problems
    ]


@main.route("/a/<assessment_id>/published/<int:version>/withdraw", methods=["GET", "POST"])
def withdraw(assessment_id: str, version: int):
    loaded = load(assessment_id)
    versions = {v["version"]: v for v in store().published_for(assessment_id)}
    if version not in versions:
        abort(404)
    target = versions[version]
    form = bind(forms.WithdrawForm)
    if submitted(form):
        store().withdraw(target["publication_id"], version, form.reason.data.strip(), who(), sign=_sign_withdrawal)
        flash(f"Withdrew version {version}. It stays readable, marked as withdrawn.", "success")
        return redirect(url_for("main.publish_page", assessment_id=assessment_id))
    return render_template("withdraw.html", loaded=loaded, form=form, target=target)


def _sign_withdrawal(content_hash: str, withdrawn_at: str, reason: str) -> dict | None:
    """The withdrawal's signature with the organisation's key (made first if there is none)."""
    organisation = keys().listing()["organisation"] or "Unnamed organisation"
    keys().current_or_new(organisation)
    return keys().sign(signing.withdrawal_message(content_hash, withdrawn_at, reason))
