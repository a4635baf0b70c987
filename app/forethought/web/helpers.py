"""What every view needs: the store and library of this app, the person's name, forms bound to
the request with their CSRF context, uploads, and same-site redirects."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, render_template, request, session, url_for
from markupsafe import Markup

from .. import documents
from ..banks import Library
from ..escape import filename
from ..publishing import signing
from ..scored import Scored
from ..store import Store
from . import accounts
from .rendering import Shown


def store() -> Store:
    return current_app.extensions["forethought"]["store"]


def library() -> Library:
    return current_app.extensions["forethought"]["library"]


def keys() -> signing.Keys:
    """This organisation's signing keys."""
    return current_app.extensions["forethought"]["keys"]


def who() -> str:
    """Who the history records: the signed-in person's own account on a shared server with
    people added, else the name typed on the "your name" page."""
    if person := g.get("person"):
        return accounts.shown(person)
    return session.get("name") or "Someone who has not given their name"


def bind(form_class, *, data: dict | None = None, **kwargs):
    """A form bound to this request, with the session's CSRF context."""
    formdata = request.form if request.method == "POST" else None
    if request.method == "POST" and request.files:
        formdata = request.form.copy()
        formdata.update(request.files)
    meta = {"csrf_secret": current_app.config["SECRET_KEY"].encode(), "csrf_context": session}
    return form_class(formdata=formdata, data=data, meta=meta, **kwargs)


def submitted(form) -> bool:
    """Whether this request posted the form and it is valid. A post without this site's CSRF
    token is refused outright (400): it did not come from a page we served, or it has expired."""
    if request.method != "POST":
        return False
    valid = form.validate()
    if "csrf_token" in form.errors:
        abort(400, "This form has expired or did not come from this site.")
    return valid


def safe_next(target: str | None) -> str:
    """Only follow a path on this site after a form, never an address elsewhere. A browser
    drops tabs and line breaks from an address and reads a backslash as a slash, so
    "/<tab>/evil.example" is "//evil.example": a target with any of them, a space or any other
    character that is not printable, is not followed, nor one that names a site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    if "\\" in target or " " in target or not target.isprintable():
        return url_for("main.home")
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else url_for("main.home")


def download(text: str, doc: dict, suffix: str, mimetype: str) -> Response:
    """A file to save, named after the assessment's title (made safe for any file system)."""
    stem = filename(documents.about(doc, "title"), default="assessment")
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{suffix}"'
    return response


def rendered_once(scored: Scored, template: str, *, key: Hashable = (), **context) -> Markup:
    """A template that depends on nothing but this version and `key` (no forms, no messages,
    no session), rendered on the first request and kept with the scored version."""
    return scored.once(("rendered", template, key), lambda: Shown(render_template(template, **context)))


def kept(key: tuple, make: Callable[[], str]) -> str:
    """A listing page or feed kept until the database changes (store.change_marker): a page that
    lists thousands of rows is made once per change, not once per reader."""
    pages = current_app.extensions["forethought"]["listing pages"]
    return pages.get_or_make((*key, store().change_marker()), make)
