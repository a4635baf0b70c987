"""The Host header is never reflected, the static site carries its own policy, and over
HTTPS (from a proxy the server is told to trust) the cookie is Secure and HSTS is sent."""

from __future__ import annotations

import http.client

import pytest
from click.testing import CliRunner
from werkzeug.security import generate_password_hash

from forethought.cli import cli
from forethought.loading import bundled_library
from forethought.store import Store
from forethought.web import PASSWORD_SETTING, create_app
from forethought.web.hosts import LOOPBACK_NAMES

from ..conftest import ROOT
from ..live import LiveServer

EVIL = "evil.example"


@pytest.mark.parametrize("path", ["/static//forethought.css", "/review", "/static/%2F%2Fevil.example/x.css"])
def test_a_redirect_is_a_path_on_this_site_whatever_the_host_header(client_request, path):
    response = client_request.client.get(path, headers={"Host": EVIL})
    assert response.status_code == 308
    location = response.headers["Location"]
    assert EVIL not in location.split("/static/")[0] and location.startswith("/") and not location.startswith("//")


def test_with_trusted_names_another_name_is_refused_before_the_app(store):
    app = create_app(store, bundled_library(), trusted_hosts=LOOPBACK_NAMES)
    client = app.test_client()
    for path in ["/static//forethought.css", "/", "/healthz"]:
        response = client.get(path, headers={"Host": EVIL})
        assert response.status_code == 400, path
        assert "does not answer to that name" in response.get_data(as_text=True)
        assert EVIL not in str(response.headers) and response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200


def raw_get(port: int, path: str, headers: dict) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_the_laptop_server_answers_only_to_its_own_names(tmp_path):
    """A web page elsewhere cannot reach the laptop's app through a name it controls."""
    live = LiveServer(tmp_path / "f.db").start()
    try:
        assert raw_get(live.port, "/static//forethought.css", {"Host": EVIL}).status == 400
        ok = raw_get(live.port, "/static//forethought.css", {"Host": f"127.0.0.1:{live.port}"})
        assert ok.status == 308 and ok.headers["Location"] == "/static/forethought.css"
        assert ok.headers["Server"] == "Forethought"  # no name or version of the software underneath
        # The laptop as it always was: no sign-in.
        assert raw_get(live.port, "/", {"Host": f"localhost:{live.port}"}).status == 200
    finally:
        live.stop()


@pytest.fixture
def shared_db(tmp_path):
    path = tmp_path / "team.db"
    Store(path).set_setting(PASSWORD_SETTING, generate_password_hash("correct horse battery"))
    return path


def test_a_team_server_answers_to_the_names_it_is_given(shared_db):
    live = LiveServer(shared_db, extra=("--host", "0.0.0.0", "--server-name", "risks.example.gov.uk")).start()
    try:
        assert raw_get(live.port, "/healthz", {"Host": EVIL}).status == 400
        assert raw_get(live.port, "/healthz", {"Host": "risks.example.gov.uk"}).status == 200
    finally:
        live.stop()


def test_behind_a_proxy_even_127_0_0_1_needs_a_password(db_path):
    result = CliRunner().invoke(cli, ["serve", "--behind-proxy", "127.0.0.1", "--db", str(db_path)])
    assert result.exit_code == 2 and "forethought set-password" in result.output


def test_behind_a_trusted_proxy_https_gives_a_secure_cookie_and_hsts(shared_db):
    live = LiveServer(shared_db, extra=("--behind-proxy", "127.0.0.1")).start()
    try:
        response = raw_get(live.port, "/sign-in", {"X-Forwarded-Proto": "https"})
        assert response.status == 200
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        plain = raw_get(live.port, "/sign-in", {})
        assert "Strict-Transport-Security" not in plain.headers
    finally:
        live.stop()


def test_without_behind_proxy_a_forwarded_https_is_not_believed(shared_db):
    live = LiveServer(shared_db, extra=("--host", "0.0.0.0")).start()
    try:
        response = raw_get(live.port, "/sign-in", {"X-Forwarded-Proto": "https"})
        assert response.status == 200 and "Strict-Transport-Security" not in response.headers
        assert "Secure" not in response.headers.get("Set-Cookie", "")
    finally:
        live.stop()


def test_every_static_site_page_carries_a_content_security_policy(tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(out), "--from", str(ROOT / "examples" / "published")])
    assert result.exit_code == 0, result.output
    pages = list(out.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        head = page.read_text().split("</head>")[0]
        policy = head.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
        assert "default-src 'none'" in policy and "script-src" not in policy and "base-uri 'none'" in policy, page
        # Before anything the policy governs (a stylesheet linked, or one inside the page).
        governed = [head.index(tag) for tag in ("<link", "<style") if tag in head]
        assert head.index("Content-Security-Policy") < min(governed), page
