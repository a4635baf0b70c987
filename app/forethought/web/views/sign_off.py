"""Signing off and publishing an assessment, and withdrawing a published version."""

from __future__ import annotations

import copy
import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for

from ...publishing import publish, reading
from ...store import Record
from .. import forms
from ..helpers import bind, library, store, submitted, who
from ..records import load, save
from . import main


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
        valid = submitted(form)
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
            elif too_long := publish.reason_too_long(reason):
                withhold_errors.append((f"reason-{index}", too_long[0].upper() + too_long[1:]))
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

            try:
                document = store().publish(assessment_id, build, reading.summary, who())
            except publish.Unreadable as e:
                # Refused inside the transaction, so nothing was stored: say what to change.
                withhold_errors += _unreadable_errors(e.problems, fields)
                return _publish_page(loaded, form, ready, fields, withheld, withhold_errors)

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
    return _publish_page(loaded, form, ready, fields, withheld, withhold_errors)


def _publish_page(loaded, form, ready: bool, fields: list, withheld: dict, withhold_errors: list):
    return render_template(
        "publish.html",
        loaded=loaded,
        form=form,
        ready=ready,
        fields=fields,
        withheld=withheld,
        withhold_errors=withhold_errors,
        versions=store().published_for(loaded.record.id),
        decisions=reading.DECISIONS,
    )


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
        store().withdraw(target["publication_id"], version, form.reason.data.strip(), who())
        flash(f"Withdrew version {version}. It stays readable, marked as withdrawn.", "success")
        return redirect(url_for("main.publish_page", assessment_id=assessment_id))
    return render_template("withdraw.html", loaded=loaded, form=form, target=target)
