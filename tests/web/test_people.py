"""Named people with roles on a shared server: an editor cannot publish, a reviewer cannot
change answers (but can add review notes), the history and the sign-off name each person's own
account, signing out ends that person's session in every copy of the cookie, and an
administrator adds people and stops them signing in. Real HTTP on 127.0.0.1 where it matters."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from werkzeug.security import generate_password_hash

from forethought import documents, engine
from forethought.cli import cli
from forethought.loading import bundled_library
from forethought.store import Store
from forethought.web import PASSWORD_SETTING, create_app, journey

from ..conftest import ROOT
from ..live import Browserish, LiveServer
from .conftest import ClientRequest, location_id

LIBRARY = bundled_library()
SHARED = "the old shared password"
PEOPLE = {
    "ada": ("Ada Admin", "admin"),
    "eddie": ("Eddie Editor", "editor"),
    "april": ("April Approver", "approver"),
    "rita": ("Rita Reviewer", "reviewer"),
}


def password_of(username: str) -> str:
    return f"{username}'s own long password"


def add_everyone(db) -> None:
    for username, (name, role) in PEOPLE.items():
        secret = password_of(username)
        result = CliRunner().invoke(
            cli,
            ["add-person", username, "--name", name, "--role", role, "--db", str(db)],
            input=f"{secret}\n{secret}\n",
        )
        assert result.exit_code == 0 and f"Added {name} ({username}) as {role}" in result.output, result.output


@pytest.fixture
def team(tmp_path):
    db = tmp_path / "team.db"
    store = Store(db)
    store.set_setting(PASSWORD_SETTING, generate_password_hash(SHARED))
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", LIBRARY)
    aid = store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")
    add_everyone(db)
    return db, store, aid


@pytest.fixture
def live(team):
    db, _, _ = team
    server = LiveServer(db, extra=("--host", "0.0.0.0")).start()
    yield server
    server.stop()


def sign_in(server, username: str, password: str | None = None) -> Browserish:
    browser = Browserish(server)
    status, _, body = browser.post_form(
        "/sign-in", {"username": username, "password": password or password_of(username)}
    )
    assert status == 302, (status, body[:500])
    return browser


def test_each_person_signs_in_as_themselves_and_the_shared_password_stops_working(team, live):
    browser = Browserish(live)
    status, _, body = browser.post_form("/sign-in", {"password": SHARED})
    assert status == 401 and "That username and password do not match" in body
    status, _, _ = Browserish(live).post_form("/sign-in", {"username": "eddie", "password": password_of("rita")})
    assert status == 401
    sign_in(live, "eddie")


def test_an_editor_changes_answers_under_their_own_name_but_cannot_publish(team, live):
    _, store, aid = team
    eddie = sign_in(live, "eddie")
    status, _, _ = eddie.post_form(f"/a/{aid}/profile/people", {"PR-10": "Changed by Eddie"})
    assert status == 302
    status, _, history = eddie.get(f"/a/{aid}/history")
    assert status == 200 and "Eddie Editor (eddie)" in history
    assert store.history(aid)[0]["who"] == "Eddie Editor (eddie)"  # the newest entry
    status, _, body = eddie.get(f"/a/{aid}/publish")
    assert status == 403 and "Only an approver can sign off, publish or withdraw" in body
    status, _, _ = eddie.request(
        "POST", f"/a/{aid}/publish/confirm", b"x=1", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 403 and store.published_count() == 0
    status, _, _ = eddie.get("/people")
    assert status == 403


def test_a_reviewer_reads_and_adds_notes_but_cannot_change_answers(team, live):
    _, store, aid = team
    rita = sign_in(live, "rita")
    version = store.get(aid).version
    for page in ["/", f"/a/{aid}", f"/a/{aid}/results", f"/a/{aid}/profile/people", f"/a/{aid}/assessment.json"]:
        assert rita.get(page)[0] == 200, page
    status, _, body = rita.post_form(f"/a/{aid}/profile/people", {"PR-10": "Changed by Rita"})
    assert status == 403 and "not change answers" in body
    for url in ["/assessments/new", "/import", f"/a/{aid}/duplicate"]:
        assert rita.post_form(url, {"PR-01": "x"})[0] == 403, url
    assert store.get(aid).version == version and store.count() == 1
    status, headers, _ = rita.get("/review/published/x/1")
    # Reviewing an uploaded file is hers to do: the review page takes her notes.
    example = (ROOT / "examples" / "published" / "town-centre-lfr.v1.json").read_bytes()
    boundary = "----forethought"
    _, _, page = rita.get("/review/")
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="lfr.json"\r\n'
            "Content-Type: application/json\r\n\r\n"
        ).encode()
        + example
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, headers, _ = rita.request(
        "POST", "/review/", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert status == 302
    review = headers["Location"]
    status, _, _ = rita.post_form(review, {"target": "general", "note": "Checked the sources."})
    assert status == 302
    notes = store.review_notes("sha256:" + review.rstrip("/").rsplit("/", 1)[1])
    assert [(n["note"], n["who"]) for n in notes] == [("Checked the sources.", "Rita Reviewer (rita)")]


def test_signing_out_ends_that_persons_session_everywhere_it_was_copied(team, live):
    _, _, aid = team
    eddie = sign_in(live, "eddie")
    copy = Browserish(live)
    copy.cookie = eddie.cookie
    assert copy.get(f"/a/{aid}/assessment.json")[0] == 200
    assert eddie.post_form("/sign-out", {})[0] == 302
    status, headers, _ = copy.get(f"/a/{aid}/assessment.json")
    assert status == 302 and headers["Location"].startswith("/sign-in")


@pytest.fixture
def in_process(team):
    db, store, aid = team
    app = create_app(store, LIBRARY, require_password=True)

    def signed_in(username: str, address: str = "127.0.0.1") -> ClientRequest:
        client = ClientRequest(app.test_client())
        client.client.environ_base["REMOTE_ADDR"] = address
        client.post("/sign-in", {"username": username, "password": password_of(username)})
        return client

    return store, aid, app, signed_in


def test_an_approver_publishes_and_the_sign_off_is_in_their_own_name(in_process):
    from .test_publishing import publish

    store, aid, _, signed_in = in_process
    publish(signed_in("april"), aid)  # the form is sent with another name typed in it
    latest = store.published_latest()[0]
    document = store.published_document(latest["publication_id"], latest["version"])
    assert document["assessment"]["sign_off"]["name"] == "April Approver"
    assert store.history(aid)[0]["who"] == "April Approver (april)"


def test_an_administrator_adds_people_changes_roles_and_stops_them_signing_in(in_process):
    store, aid, _, signed_in = in_process
    ada, rita = signed_in("ada"), signed_in("rita")
    # An administrator finds the People page from the header on every page; nobody else sees it.
    header = {a.get_text(strip=True): a["href"] for a in ada.get("/").select("a.govuk-service-navigation__link")}
    assert header.get("People") == "/people"
    assert "People" not in {a.get_text(strip=True) for a in rita.get("/").select("a.govuk-service-navigation__link")}
    page = ada.get("/people")
    assert "Rita Reviewer" in page.text
    page, _ = ada.post(
        "/people",
        {"username": "Bad Name!", "name": "Nobody", "role": "editor", "password": "long enough secret"},
        expected_status=422,
    )
    assert "A username is 2 to 40" in page.text
    ada.post(
        "/people", {"username": "newbie", "name": "New Person", "role": "editor", "password": "long enough secret"}
    )
    assert store.account("newbie")["role"] == "editor"
    ada.post("/people/rita", {"role": "editor"})
    assert store.account("rita")["role"] == "editor"
    assert rita.client.get("/").status_code == 302  # a new role: sign in again
    rita = signed_in("rita")
    ada.post("/people/rita", {"disable": "yes"})
    assert rita.client.get("/").status_code == 302
    ClientRequest(rita.client).post(
        "/sign-in", {"username": "rita", "password": password_of("rita")}, expected_status=401
    )


def test_wrong_passwords_for_one_person_from_many_addresses_are_slowed_down(in_process):
    store, aid, app, _ = in_process
    for n in range(5):
        client = ClientRequest(app.test_client())
        client.client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n}"
        client.post("/sign-in", {"username": "eddie", "password": "a guess"}, expected_status=401)
    client = ClientRequest(app.test_client())
    client.client.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    page, _ = client.post("/sign-in", {"username": "eddie", "password": password_of("eddie")}, expected_status=429)
    assert "Too many wrong passwords" in page.text
    # Someone else is not held up by the guesses at Eddie's account.
    client.post("/sign-in", {"username": "april", "password": password_of("april")})


def test_the_laptop_has_no_sign_in_and_no_people_page(client_request):
    assert client_request.client.get("/").status_code == 200
    assert client_request.client.get("/people").status_code == 404


def test_refused_sign_ins_and_refused_pages_are_logged_without_the_password(in_process, caplog):
    store, aid, app, signed_in = in_process
    caplog.set_level("INFO", logger=app.logger.name)
    client = ClientRequest(app.test_client())
    client.post("/sign-in", {"username": "eddie", "password": "a wrong guess"}, expected_status=401)
    rita = signed_in("rita")
    rita.client.post(f"/a/{aid}/profile/people", data={"PR-10": "x"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sign-in refused: 'eddie' from 127.0.0.1" in logged
    assert "signed in: rita from 127.0.0.1" in logged
    assert f"refused POST /a/{aid}/profile/people to rita (reviewer)" in logged
    assert "a wrong guess" not in logged and password_of("rita") not in logged


def test_an_assessment_shared_with_some_people_does_not_exist_for_the_others(in_process):
    store, aid, app, signed_in = in_process
    other = store.create(store.get(aid).document, {"title": "Everyone's"}, "Test", "Imported")
    result = CliRunner().invoke(cli, ["share", aid, "eddie", "--db", str(store.path)])
    assert result.exit_code == 0 and "eddie and administrators" in result.output, result.output
    eddie, april, ada = signed_in("eddie"), signed_in("april"), signed_in("ada")
    for url in [f"/a/{aid}", f"/a/{aid}/results", f"/a/{aid}/assessment.json", f"/a/{aid}/history"]:
        assert eddie.client.get(url).status_code == 200, url
        assert ada.client.get(url).status_code == 200, url
        assert april.client.get(url).status_code == 404, url
    response = april.client.post(f"/a/{aid}/profile/people", data={"PR-10": "x"})
    assert response.status_code == 404
    listed = april.client.get("/").get_data(as_text=True)
    assert f"/a/{other}" in listed and f"/a/{aid}" not in listed
    assert f"/a/{aid}" in eddie.client.get("/").get_data(as_text=True)
    _, response = eddie.post(f"/a/{aid}/duplicate", {"stage": "exit"})
    copied = location_id(response)
    assert store.access(copied) == {"eddie"} and april.client.get(f"/a/{copied}").status_code == 404
    assert CliRunner().invoke(cli, ["share", aid, "--everyone", "--db", str(store.path)]).exit_code == 0
    assert april.client.get(f"/a/{aid}").status_code == 200
    assert f"/a/{aid}" in april.client.get("/").get_data(as_text=True)
    refused = CliRunner().invoke(cli, ["share", aid, "nobody", "--db", str(store.path)])
    assert refused.exit_code == 1 and "There is nobody called nobody" in refused.output
