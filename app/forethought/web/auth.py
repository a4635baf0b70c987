"""Signing in, for when the app is served beyond this computer with a password."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from . import forms, sessions
from .helpers import bind, safe_next, submitted

auth = Blueprint("auth", __name__)


@auth.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    from . import check_password

    if not current_app.config["REQUIRE_PASSWORD"]:
        return redirect(url_for("main.home"))
    form = bind(forms.SignInForm)
    status = 200
    if request.method == "POST":
        valid = submitted(form)
        throttle = current_app.extensions["forethought"]["throttle"]
        # The try is taken before the password is checked, so guesses sent at once all count.
        taken = throttle.take(request.remote_addr or "unknown") if valid else None
        if valid and taken is None:
            form.password.errors = ["Too many wrong passwords. Wait 30 seconds, then try again."]
            status = 429
        elif valid and check_password(current_app.extensions["forethought"]["store"], form.password.data):
            throttle.give_back(taken)
            sessions.begin(current_app.extensions["forethought"]["store"])
            return redirect(safe_next(request.args.get("next")))
        elif valid:
            form.password.errors = ["That password is not right"]
            status = 401
    return render_template("sign_in.html", form=form), status


@auth.post("/sign-out")
def sign_out():
    form = bind(forms.ConfirmForm)
    submitted(form)
    sessions.end(current_app.extensions["forethought"]["store"])
    if not current_app.config["REQUIRE_PASSWORD"]:
        abort(404)
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
