"""Sessions that end: signing out, a new password or an administrator's revoke ends a session
in every copy of its cookie at once, and a session ends by itself when unused for half an hour
or twelve hours after it began. Real HTTP on 127.0.0.1 where a copied cookie matters."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from werkzeug.security import generate_password_hash

from forethought import documents, engine
from forethought.cli import cli
from forethought.loading import bundled_library
from forethought.store import Store
from forethought.web import PASSWORD_SETTING, create_app, journey, sessions

from ..conftest import ROOT
from ..live import Browserish, LiveServer
from .conftest import ClientRequest

LIBRARY = bundled_library()
PASSWORD = "correct horse battery"


@pytest.fixture
def team(tmp_path):
    """A team server on the network, a password set and one assessment; its address and the id."""
    path = tmp_path / "team.db"
    store = Store(path)
    store.set_setting(PASSWORD_SETTING, generate_password_hash(PASSWORD))
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", LIBRARY)
    aid = store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")
    live = LiveServer(path, extra=("--host", "0.0.0.0")).start()
    yield live, aid
    live.stop()


def signed_in(live) -> Browserish:
    browser = Browserish(live)
    status, headers, _ = browser.post_form("/sign-in", {"password": PASSWORD})
    assert status == 302, status
    return browser


def copy_of(browser: Browserish) -> Browserish:
    """Someone else holding the same cookie: copied from a shared machine, a proxy log, a backup."""
    thief = Browserish(browser.server)
    thief.cookie = browser.cookie
    return thief


def opens(browser: Browserish, aid: str) -> bool:
    status, headers, body = browser.get(f"/a/{aid}/assessment.json")
    assert status in (200, 302), status
    if status == 302:
        assert headers["Location"].startswith("/sign-in")
    return status == 200


def test_signing_out_ends_every_copy_of_the_cookie(team):
    live, aid = team
    alice = signed_in(live)
    thief = copy_of(alice)
    assert opens(alice, aid) and opens(thief, aid)
    status, _, _ = alice.post_form("/sign-out", {})
    assert status == 302
    assert not opens(thief, aid)
    assert not opens(alice, aid)


def test_a_new_password_ends_every_session(team):
    live, aid = team
    alice, bob = signed_in(live), signed_in(live)
    thief = copy_of(alice)
    result = CliRunner().invoke(
        cli, ["set-password", "--db", str(live.db_path)], input="another long secret\nanother long secret\n"
    )
    assert result.exit_code == 0 and "Signed out 2 sessions" in result.output, result.output
    assert not opens(thief, aid) and not opens(alice, aid) and not opens(bob, aid)


def test_an_administrator_can_sign_everyone_out(team):
    live, aid = team
    alice = signed_in(live)
    thief = copy_of(alice)
    result = CliRunner().invoke(cli, ["sign-out-everyone", "--db", str(live.db_path)])
    assert result.exit_code == 0 and "Signed out 1 session of" in result.output, result.output
    assert not opens(thief, aid) and not opens(alice, aid)
    assert opens(signed_in(live), aid)  # signing in again works


def test_signing_in_gives_a_new_cookie_so_a_planted_one_is_never_signed_in(team):
    live, aid = team
    browser = Browserish(live)
    browser.get("/sign-in")
    planted = browser.cookie
    browser.post_form("/sign-in", {"password": PASSWORD})
    assert browser.cookie != planted and opens(browser, aid)
    victim_before = copy_of(browser)
    victim_before.cookie = planted
    assert not opens(victim_before, aid)


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked(store, monkeypatch):
    store.set_setting(PASSWORD_SETTING, generate_password_hash(PASSWORD))
    clock = Clock()
    monkeypatch.setattr(sessions.time, "time", clock)
    client = ClientRequest(create_app(store, LIBRARY, require_password=True).test_client())
    client.post("/sign-in", {"password": PASSWORD})
    return client, clock


def test_a_session_unused_for_half_an_hour_ends(clocked):
    client, clock = clocked
    clock.now += 29 * 60
    assert client.client.get("/").status_code == 200
    clock.now += 29 * 60  # used 29 minutes ago: still live
    assert client.client.get("/").status_code == 200
    clock.now += 31 * 60
    response = client.client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_session_ends_twelve_hours_after_it_began_however_busy(clocked):
    client, clock = clocked
    for _ in range(35):  # every 20 minutes for 11 hours 40 minutes
        clock.now += 20 * 60
        assert client.client.get("/").status_code == 200
    clock.now += 25 * 60  # used 25 minutes ago, but begun 12 hours 5 minutes ago
    assert client.client.get("/").status_code == 302
