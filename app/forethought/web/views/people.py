"""The name a person's changes are recorded under."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session

from .. import forms
from ..helpers import bind, safe_next, submitted
from . import main


@main.route("/your-name", methods=["GET", "POST"])
def your_name():
    form = bind(forms.NameForm, data={"name": session.get("name", "")})
    if submitted(form):
        session["name"] = form.name.data.strip()
        flash("Thank you. Your changes will be recorded under that name.", "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("name.html", form=form)
