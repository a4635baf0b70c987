"""Safe by default: CSRF on every form, strict headers, size limits, clear
errors for bad uploads, escaped user text, and a password before anything
when served beyond this computer."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from werkzeug.security import generate_password_hash

from forethought.cli import cli
from forethought.loading import bundled_library
from forethought.web import PASSWORD_SETTING, create_app

from .conftest import ClientRequest, check_page
from .test_journey import start

LIBRARY = bundled_library()


def post_routes(aid: str) -> list[str]:
    return [
        "/assessments/new",
        f"/a/{aid}/profile/about",
        f"/a/{aid}/public-trust/actions/PT-R01",
        "/import",
        f"/a/{aid}/duplicate",
        "/your-name",
    ]


@pytest.mark.parametrize("index", range(6))
def test_posts_without_a_csrf_token_are_refused_and_change_nothing(client_request, store, index):
    aid = start(client_request)
    url = post_routes(aid)[index]
    before = (store.count(), store.get(aid).version)
    page, _ = client_request.post(
        url,
        {"PR-01": "Changed", "stage": "exit", "name": "X", "file": (io.BytesIO(b"{}"), "a.json")},
        csrf=False,
        expected_status=400,
        content_type="multipart/form-data",
    )
    assert "This form has expired or did not come from this site" in page.text
    assert (store.count(), store.get(aid).version) == before


def test_a_token_from_another_session_is_refused(app, store):
    alice, mallory = ClientRequest(app.test_client()), ClientRequest(app.test_client())
    aid = start(alice)
    stolen = mallory.csrf_token()
    response = alice.client.post(f"/a/{aid}/profile/people", data={"csrf_token": stolen, "PR-11": "over_1m"})
    assert response.status_code == 400
    assert "PR-11" not in store.get(aid).document["banks"]["profile"]["answers"]


def test_security_headers_on_every_response(client_request):
    aid = start(client_request)
    for url in ["/", f"/a/{aid}", f"/a/{aid}/register.md", "/healthz", "/nowhere"]:
        response = client_request.client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    static = client_request.client.get("/static/forethought.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_session_cookie_is_http_only_and_same_site(client_request):
    client_request.post("/your-name", {"name": "Priya"})
    cookie = client_request.client.get_cookie("forethought_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_an_oversize_upload_gets_a_clear_message_and_changes_nothing(client_request, store):
    before = store.count()
    big = io.BytesIO(b"{" + b" " * (3 * 1024 * 1024) + b"}")
    page, _ = client_request.post(
        "/import", {"file": (big, "big.json")}, expected_status=413, content_type="multipart/form-data"
    )
    assert page.h1.text == "That file or form is too large"
    assert "smaller than 2 MB" in page.text and "Nothing has been saved" in page.text
    assert store.count() == before


def test_an_oversize_form_gets_a_clear_message(client_request, store):
    aid = start(client_request)
    version = store.get(aid).version
    page, _ = client_request.post(f"/a/{aid}/profile/people", {"PR-10": "x" * (3 * 1024 * 1024)}, expected_status=413)
    assert page.h1.text == "That file or form is too large"
    assert store.get(aid).version == version


MALFORMED = {
    "not JSON": (b"{ this is not json", ["line 1 column 3: not valid JSON"]),
    "not UTF-8": (b"\xff\xfe\x00{", ["not UTF-8 text"]),
    "a picture": (b"\x89PNG\r\n\x1a\n\x00\x00", ["not UTF-8 text"]),
    "not an assessment": (b'{"hello": "world"}', ["/format: not a Forethought assessment"]),
    "from a newer version": (
        json.dumps({"format": "forethought-assessment", "format_version": 7, "banks": {}}).encode(),
        ["made by a newer Forethought"],
    ),
    "several problems": (
        json.dumps(
            {
                "format": "forethought-assessment",
                "format_version": 1,
                "banks": {
                    "profile": {
                        "answers": {
                            "PR-03": {"value": "someday"},
                            "PR-09": {"value": "2027-13-01"},
                            "PR-99": {"value": 1},
                        }
                    },
                    "astrology": {},
                },
            }
        ).encode(),
        [
            "/banks: unknown key 'astrology'",
            "/banks/profile/answers: unknown key 'PR-99'",
            "/banks/profile/answers/PR-03/value: 'someday' is not one of",
            "/banks/profile/answers/PR-09/value: '2027-13-01' is not a real date",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_import_lists_clear_errors_and_changes_nothing(client_request, store, name):
    content, expected = MALFORMED[name]
    before = store.count()
    page, _ = client_request.post(
        "/import",
        {"file": (io.BytesIO(content), "upload.json")},
        expected_status=422,
        content_type="multipart/form-data",
    )
    problems = [" ".join(li.get_text().split()) for li in page.select(".govuk-error-summary li")]
    assert page.select_one(".govuk-error-summary__title").text.strip() == "The file cannot be imported"
    for words in expected:
        assert any(words in p for p in problems), (words, problems)
    assert len(problems) == len(expected)
    assert "Traceback" not in page.text
    assert store.count() == before


def test_importing_without_choosing_a_file(client_request):
    page, _ = client_request.post("/import", {}, expected_status=422, content_type="multipart/form-data")
    assert page.select_one(".govuk-error-summary a")["href"] == "#file"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> [link](javascript:alert(1)) | =SUM(A1)'


def test_hostile_text_is_escaped_on_every_page(client_request, store):
    aid = start(client_request, **{"PR-01": HOSTILE, "PR-02": HOSTILE, "PR-08": HOSTILE})
    client_request.post("/your-name", {"name": HOSTILE[:80]})
    client_request.post(f"/a/{aid}/profile/people", {"PR-10": HOSTILE, "PR-11-note": HOSTILE})
    for url in [
        "/",
        f"/a/{aid}",
        f"/a/{aid}/results",
        f"/a/{aid}/history",
        f"/a/{aid}/register",
        f"/a/{aid}/profile/people",
        f"/a/{aid}/profile/check",
    ]:
        response = client_request.client.get(url)
        html = response.get_data(as_text=True)
        check_page(html)
        assert "<script>" not in html and "<img" not in html, url
        assert 'href="javascript' not in html, url
    disposition = client_request.client.get(f"/a/{aid}/register.md").headers["Content-Disposition"]
    assert (
        disposition == 'attachment; filename="script-alert-x-script-img-src-x-onerror-alert-1-link-javascr-register.md"'
    )


def test_the_next_parameter_never_leaves_the_site(client_request):
    for target in ["//evil.example/", "https://evil.example/", "/\\evil.example"]:
        _, response = client_request.post(f"/your-name?next={target}", {"name": "Priya"})
        assert response.headers["Location"] == "/"


@pytest.fixture
def locked(store):
    store.set_setting(PASSWORD_SETTING, generate_password_hash("correct horse battery"))
    app = create_app(store, LIBRARY, require_password=True)
    return ClientRequest(app.test_client())


def test_with_a_password_every_assessment_page_needs_signing_in(locked, store):
    for url in ["/", "/assessments/new", "/import", "/a/anything"]:
        response = locked.client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert locked.client.get("/healthz").status_code == 200
    locked.get("/sign-in")


def test_signing_in_and_out(locked):
    page, _ = locked.post("/sign-in?next=/import", {"password": "wrong"}, expected_status=401)
    assert "That password is not right" in page.text
    _, response = locked.post("/sign-in?next=/import", {"password": "correct horse battery"})
    assert response.headers["Location"] == "/import"
    locked.get("/")
    locked.post("/sign-out", {})
    assert locked.client.get("/").status_code == 302


def test_repeated_wrong_passwords_are_slowed_down(locked):
    for _ in range(5):
        locked.post("/sign-in", {"password": "wrong"}, expected_status=401)
    page, _ = locked.post("/sign-in", {"password": "correct horse battery"}, expected_status=429)
    assert "Too many wrong passwords" in page.text


def test_the_app_refuses_network_use_without_a_password(store, db_path):
    with pytest.raises(RuntimeError, match="a password is required but none is set"):
        create_app(store, LIBRARY, require_password=True)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--db", str(db_path)])
    assert result.exit_code == 2
    assert "Refusing to listen on 0.0.0.0" in result.output and "forethought set-password" in result.output


def test_set_password_stores_only_a_hash(db_path):
    from forethought.store import Store

    result = CliRunner().invoke(
        cli, ["set-password", "--db", str(db_path)], input="a long enough secret\na long enough secret\n"
    )
    assert result.exit_code == 0, result.output
    stored = Store(db_path).setting(PASSWORD_SETTING)
    assert stored and "a long enough secret" not in stored
    short = CliRunner().invoke(cli, ["set-password", "--db", str(db_path)], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
