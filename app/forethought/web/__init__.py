"""The web app: Flask + WTForms over the engine and the SQLite store.

    app = create_app(Store("forethought.db"))

Safe by default: CSRF on every form, a strict Content-Security-Policy with no
script at all, request size limits, and, when served beyond this computer, a
password before any page that shows or changes an assessment.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash

from .. import __version__, faults
from ..banks import Library
from ..cache import Cache
from ..loading import bundled_library
from ..publishing import signing
from ..store import Store
from . import accounts, forms, hosts, sessions
from .rendering import COMPILED, FILTERS, GLOBALS, shown, with_design_system

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
PASSWORD_SETTING = "password_hash"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# A year, the usual for a site that will stay on HTTPS; no subdomains, as the app does not own them.
HSTS = "max-age=31536000"

# Pages anyone may see without signing in when a password is set.
OPEN_ENDPOINTS = {"main.healthz", "main.favicon", "static", "auth.sign_in"}


class SignInThrottle:
    """Slows password guessing: 5 tries from an address, then a 30 seconds' wait.

    A try is taken before the password is checked and given back if it was right, so
    only wrong ones count. The record lives in the database, taken in one write
    transaction: every worker process serving the file counts the same tries, and
    guesses sent at once cannot all pass the count before any is recorded."""

    def __init__(self, store: Store, tries: int = 5, seconds: float = 30.0, clock=time.time):
        # Wall-clock time by default: every process reads the same clock.
        self.store, self.tries, self.seconds, self.clock = store, tries, seconds, clock

    def take(self, address: str) -> int | None:
        """A try for this address (give it back with `give_back`), or None: wait."""
        at = self.clock()
        return self.store.take_sign_in_try(address, self.tries, since=at - self.seconds, at=at)

    def give_back(self, try_id: int) -> None:
        self.store.give_back_sign_in_try(try_id)


def create_app(
    store: Store | str | Path,
    library: Library | None = None,
    *,
    require_password: bool = False,
    trusted_hosts: Sequence[str] | None = None,
) -> Flask:
    """The app over a store. With `trusted_hosts` (hosts.LOOPBACK_NAMES on a laptop, the
    server's names on a team server) a request for any other name is refused."""
    if not isinstance(store, Store):
        store = Store(store)
    library = library or bundled_library()
    app = Flask(__name__)
    app.session_interface = sessions.SessionCookies()
    app.config.update(
        SECRET_KEY=store.secret("session_key"),
        SESSION_COOKIE_NAME="forethought_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_UPLOAD_BYTES,
        MAX_FORM_PARTS=5000,
        REQUIRE_PASSWORD=require_password,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if require_password and not store.setting(PASSWORD_SETTING):
        raise RuntimeError("a password is required but none is set: run `forethought set-password`")
    app.extensions["forethought"] = {
        "store": store,
        "library": library,
        "cache": Cache(),
        # Verified published versions and review subjects: each holds a whole document and library.
        "verified": Cache(size=32),
        # Listing pages and feeds, kept until the database changes (helpers.kept).
        "listing pages": Cache(size=64),
        "throttle": SignInThrottle(store),
        # The organisation's signing keys: a folder beside the database, never inside it.
        "keys": signing.keys_beside(store.path),
    }

    from .auth import auth
    from .public import public
    from .review import review
    from .views import main

    app.register_blueprint(main)
    app.register_blueprint(auth)
    app.register_blueprint(public)
    app.register_blueprint(review)
    _register_template_helpers(app)
    _register_guards(app)
    _register_errors(app)
    if trusted_hosts:
        app.wsgi_app = hosts.TrustedHosts(app.wsgi_app, trusted_hosts, SECURITY_HEADERS)  # type: ignore[method-assign]
    return app


def _register_template_helpers(app: Flask) -> None:
    # Before the environment is made: finalize is compiled into every template.
    app.jinja_options = {**app.jinja_options, "finalize": shown, "bytecode_cache": COMPILED}
    app.jinja_loader = with_design_system(app.jinja_loader)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
    app.jinja_env.globals["version"] = __version__

    @app.context_processor
    def common():
        return {
            "signed_in_name": g.person["name"] if g.get("person") else session.get("name"),
            "person": g.get("person"),
            # The header links to the People page for whoever may use it (administrators).
            "may_administer": bool(g.get("person")) and accounts.may(g.person["role"], "main.people", "GET"),
            "require_password": app.config["REQUIRE_PASSWORD"],
            "signed_in": bool(session.get("signed_in")),
            "library": app.extensions["forethought"]["library"],
            # Only a signed-in person on a shared server has a sign-out button to fill in.
            "sign_out_form": forms.ConfirmForm(
                meta={"csrf_secret": app.config["SECRET_KEY"].encode(), "csrf_context": session}
            )
            if app.config["REQUIRE_PASSWORD"] and session.get("signed_in")
            else None,
        }


def _register_guards(app: Flask) -> None:
    @app.before_request
    def require_sign_in():
        g.person = None
        if not app.config["REQUIRE_PASSWORD"] or request.endpoint in ("static", "main.healthz"):
            return None
        store = app.extensions["forethought"]["store"]
        if session.get("signed_in") and not sessions.live(store, app.config):
            session.clear()  # signed out elsewhere, revoked or timed out: this copy of the cookie too
        g.person = sessions.person(store) if session.get("signed_in") else None
        if not session.get("signed_in"):
            if request.endpoint not in OPEN_ENDPOINTS and not (request.endpoint or "").startswith("public."):
                return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
        elif g.person:
            _check_person(app, store, g.person)
        return None

    @app.after_request
    def headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        if response.location:
            response.location = hosts.same_site(response.location, request.host)
        if request.is_secure:  # over HTTPS (itself, or from a trusted proxy): never plain HTTP again
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def _check_person(app: Flask, store: Store, person: dict) -> None:
    """Refuse what this person's role does not allow (403, saying who can), and an assessment
    only others may open (404, as if it did not exist: its title is not theirs to know either)."""
    if not accounts.may(person["role"], request.endpoint, request.method):
        app.logger.warning("refused %s %s to %s (%s)", request.method, request.path, person["username"], person["role"])
        abort(403, accounts.refusal(person["role"], request.endpoint))
    assessment_id = (request.view_args or {}).get("assessment_id")
    if assessment_id and not accounts.may_open(person, store.access(assessment_id)):
        abort(404)


MESSAGES = {
    400: (
        "Sorry, that request could not be used",
        "This form has expired or did not come from this site. Go back, refresh the page and try again. "
        "Nothing has been saved from this attempt.",
    ),
    403: ("You cannot do that", "Your role does not allow it."),
    404: ("Page not found", "Check the address, or go back to the list of assessments."),
    405: ("That action is not allowed here", "Go back and use the buttons on the page."),
    413: (
        "That file or form is too large",
        f"Files and forms must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Nothing has been saved from "
        "this attempt. If you are importing an assessment, check you chose the right file.",
    ),
    500: (
        "Sorry, something went wrong",
        "Your saved answers are safe: nothing is lost when this happens. Go back and try again.",
    ),
}


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        if code == 422:  # what cannot be shown says why, in words
            title, message = "This cannot be shown", error.description or ""
        elif code == 403 and error.description:  # a role's refusal says who can
            message = error.description
        return render_template("error.html", title=title, message=message, code=code), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        found = faults.explain(error, _shown_path(app))
        if found is not None:
            return _fault_page(app, error, found)
        app.logger.exception("unexpected error")
        title, message = MESSAGES[500]
        if request.method == "POST":  # a save is one transaction: it was rolled back
            message = "What you just sent was NOT saved; answers saved before it are safe. Go back and try again."
        return render_template("error.html", title=title, message=message, code=500), 500


def _shown_path(app: Flask) -> Path | str:
    """The database's path on a laptop, where the person reading is the one who can act; on a
    shared server, words, as where the files are is no business of the network."""
    return "the database" if app.config["REQUIRE_PASSWORD"] else app.extensions["forethought"]["store"].path


def _fault_page(app: Flask, error: Exception, found: faults.Fault):
    """A full disk, a read-only folder, a busy or damaged database: what happened, whether what
    was sent was saved (never: a save is one transaction), and what to do."""
    app.logger.error("%s: %s", found.title, error)
    title, message = found.title, found.advice
    if request.method == "POST":
        title, message = (
            f"Not saved: {found.title[0].lower()}{found.title[1:]}",
            f"What you sent was NOT saved. {message}",
        )
    return render_template("error.html", title=title, message=message, code=found.status), found.status


def check_password(store: Store, password: str) -> bool:
    """The shared password, which works only until the first person is added."""
    if store.has_accounts():
        return False
    stored = store.setting(PASSWORD_SETTING)
    return bool(stored) and check_password_hash(stored, password)
