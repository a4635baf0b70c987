"""Every route the app has, found from its URL map, so a new route is covered the day it is
added: each POST refuses a form without this site's CSRF token and changes nothing, and each
page (whatever its status) carries the security headers."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from forethought.loading import bundled_library
from forethought.web import PASSWORD_SETTING, SECURITY_HEADERS, create_app

from .conftest import ClientRequest
from .test_publishing import aid, publish  # noqa: F401 (aid is a fixture)

LIBRARY = bundled_library()
PASSWORD = "correct horse battery"
# A value for each kind of part a route's address has, one that names something real.
EXAMPLE_VALUES = {
    "bank_id": "profile",
    "section_id": "people",
    "version": 1,
    "filename": "forethought.css",
    "ext": "json",
    "kind": "atrs",
    "fmt": "md",
    "old": 1,
    "new": 1,
    "username": "nobody",
    "risk_id": "SV-R01",
    "stem": "register",
}
# Where a route needs another value: the profile has no risks, so no actions page.
FOR_ENDPOINT = {
    **{endpoint: {"bank_id": "surveillance"} for endpoint in ("main.actions", "main.check", "main.risk_actions")},
    "main.output": {"ext": "docx"},  # a register file: its extension is one the register makes
}


@pytest.fixture
def world(store, aid):  # noqa: F811
    """A shared server with a password, signed in, an assessment published once and reviewed."""
    store.set_setting(PASSWORD_SETTING, generate_password_hash(PASSWORD))
    app = create_app(store, LIBRARY, require_password=True)
    client = ClientRequest(app.test_client())
    client.post("/sign-in", {"password": PASSWORD})
    publish(client, aid)
    latest = store.published_latest()[0]
    review = client.client.get(f"/review/published/{latest['publication_id']}/1").headers["Location"]
    values = {
        **EXAMPLE_VALUES,
        "assessment_id": aid,
        "publication_id": latest["publication_id"],
        "key": review.rstrip("/").rsplit("/", 1)[1],
    }
    return app, client, values


def addresses(app, values: dict, method: str) -> list[tuple[str, str]]:
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if method in rule.methods:
            given = {**values, **FOR_ENDPOINT.get(rule.endpoint, {})}
            found.append((rule.endpoint, adapter.build(rule.endpoint, {k: given[k] for k in rule.arguments})))
    return found


def snapshot(store) -> tuple:
    """Everything a post could change."""
    db = store.db
    return (
        db.execute("SELECT id, version FROM assessments ORDER BY id").fetchall(),
        *(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()
            for table in ("history", "published_versions", "review_subjects", "review_notes", "withdrawal_signatures")
        ),
        db.execute("SELECT count(*) FROM published_versions WHERE withdrawn_at IS NOT NULL").fetchone(),
        db.execute("SELECT count(*) FROM sign_in_sessions WHERE ended IS NULL").fetchone(),
    )


def test_every_post_route_refuses_a_form_without_a_csrf_token_and_changes_nothing(world, store):
    app, client, values = world
    posts = addresses(app, values, "POST")
    assert len(posts) >= 14  # the app's 14 today; a new one joins the list by itself
    before = snapshot(store)
    form = {"PR-10": "Changed", "name": "X", "password": PASSWORD, "reason": "Because", "note": "A note"}
    for endpoint, url in posts:
        response = client.client.post(url, data=form)
        assert response.status_code == 400, (endpoint, url, response.status_code)
        assert "did not come from this site" in response.get_data(as_text=True), endpoint
        assert snapshot(store) == before, endpoint
    assert client.client.get("/").status_code == 200  # still signed in: the sign-out was refused too


def test_every_page_carries_the_security_headers(world):
    app, client, values = world
    pages = addresses(app, values, "GET")
    assert len(pages) >= 40
    for endpoint, url in pages:
        response = client.client.get(url)
        assert response.status_code < 500, (endpoint, url, response.status_code)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (endpoint, url, name)
        assert "Access-Control-Allow-Origin" not in response.headers, endpoint
        if endpoint not in ("static", "main.favicon"):  # the stylesheet and the icon may be kept
            assert response.headers["Cache-Control"] == "no-store", endpoint


def test_a_method_a_route_does_not_take_is_refused_with_the_headers(world):
    app, client, _ = world
    response = client.client.post("/healthz")
    assert response.status_code == 405
    assert response.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
