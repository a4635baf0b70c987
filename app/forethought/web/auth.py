"""Signing in, for when the app is served beyond this computer with a password."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from . import accounts, forms, sessions
from .helpers import bind, safe_next, submitted

auth = Blueprint("auth", __name__)


@auth.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if not current_app.config["REQUIRE_PASSWORD"]:
        return redirect(url_for("main.home"))
    store = current_app.extensions["forethought"]["store"]
    named = store.has_accounts()
    form = bind(forms.SignInForm)
    status = 200
    if submitted(form):
        username = (form.username.data or "").strip().lower() if named else ""
        # Tries are taken before the password is checked, so guesses sent at once all count:
        # from this address, and (with people added) for this username from anywhere.
        taken = _take_tries(
            [f"address {request.remote_addr or 'unknown'}", *([f"account {username}"] if named else [])]
        )
        if taken is None:
            form.password.errors = ["Too many wrong passwords. Wait 30 seconds, then try again."]
            status = 429
        elif (person := _check(store, named, username, form.password.data)) is not None:
            for try_id in taken:
                current_app.extensions["forethought"]["throttle"].give_back(try_id)
            sessions.begin(store, person or None)
            current_app.logger.info("signed in: %s from %s", person or "shared password", request.remote_addr)
            return redirect(safe_next(request.args.get("next")))
        else:
            # A security event, kept for whoever runs the server (OWASP ASVS 7.1.3); never the password.
            current_app.logger.warning(
                "sign-in refused: %r from %s", username or "shared password", request.remote_addr
            )
            form.password.errors = [
                "That username and password do not match" if named else "That password is not right"
            ]
            status = 401
    return render_template("sign_in.html", form=form, named=named), status


def _take_tries(keys: list[str]) -> list[int] | None:
    """A try for each key, or None (every try given back) if any of them must wait."""
    throttle = current_app.extensions["forethought"]["throttle"]
    taken: list[int] = []
    for key in keys:
        found = throttle.take(key)
        if found is None:
            for try_id in taken:
                throttle.give_back(try_id)
            return None
        taken.append(found)
    return taken


def _check(store, named: bool, username: str, password: str) -> str | None:
    """The username signed in ("" for the shared password), or None if the password is wrong."""
    from . import check_password

    if named:
        person = accounts.signs_in(store, username, password)
        return person["username"] if person else None
    return "" if check_password(store, password) else None


@auth.post("/sign-out")
def sign_out():
    form = bind(forms.ConfirmForm)
    submitted(form)
    sessions.end(current_app.extensions["forethought"]["store"])
    if not current_app.config["REQUIRE_PASSWORD"]:
        abort(404)
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
