"""The name a person's changes are recorded under, and, on a shared server, the people who can
sign in (administrators only: web/accounts.py)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from ...store import now
from .. import accounts, forms
from ..helpers import bind, safe_next, store, submitted
from . import main


@main.route("/your-name", methods=["GET", "POST"])
def your_name():
    form = bind(forms.NameForm, data={"name": session.get("name", "")})
    if submitted(form):
        session["name"] = form.name.data.strip()
        flash("Thank you. Your changes will be recorded under that name.", "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("name.html", form=form)


@main.route("/people", methods=["GET", "POST"])
def people():
    if not current_app.config["REQUIRE_PASSWORD"]:
        abort(404)  # on a laptop nobody signs in
    form = bind(forms.PersonForm)
    status = 200
    if submitted(form):
        username = form.username.data.strip().lower()
        problem = accounts.problem_with_new(store(), username, form.name.data, form.role.data, form.password.data)
        if problem is None:
            accounts.add(store(), username, form.name.data, form.role.data, form.password.data)
            flash(f"Added {form.name.data.strip()} ({username}) as {form.role.data}.", "success")
            return redirect(url_for("main.people"))
        form.username.errors = [problem]
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("people.html", form=form, people=store().accounts(), roles=accounts.ROLES), status


@main.post("/people/<username>")
def person(username: str):
    if not current_app.config["REQUIRE_PASSWORD"]:
        abort(404)
    form = bind(forms.PersonChangeForm)
    if submitted(form):  # the CSRF check first: nothing about who exists is told to a forged post
        if store().account(username) is None:
            abort(404)
        if form.disable.data:
            store().change_account(username, disabled=now())
            flash(f"{username} can no longer sign in; their sessions have ended.", "success")
        elif form.role.data in accounts.ROLES:
            store().change_account(username, role=form.role.data)
            flash(f"{username} is now {form.role.data}.", "success")
    return redirect(url_for("main.people"))
