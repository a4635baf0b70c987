"""A team server with named people, in a real browser with axe-core on each page: an
administrator signs in with a username, adds an editor on the People page, and the editor
signs in and is refused the sign-off."""

from __future__ import annotations

import subprocess

import pytest

from ..live import FORETHOUGHT, LiveServer

# Drives Debian's chromium: left out of `make test-fast`.
pytestmark = pytest.mark.browser


def test_an_administrator_adds_a_person_who_then_signs_in(page, axe, tmp_path):
    db = tmp_path / "team.db"
    secret = "ada's own long password"
    subprocess.run(
        [FORETHOUGHT, "set-password", "--db", str(db)],
        input="correct horse battery\ncorrect horse battery\n",
        text=True,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [FORETHOUGHT, "add-person", "ada", "--name", "Ada Admin", "--role", "admin", "--db", str(db)],
        input=f"{secret}\n{secret}\n",
        text=True,
        check=True,
        capture_output=True,
    )
    live = LiveServer(db, extra=("--host", "0.0.0.0")).start()
    try:
        page.goto(live.url + "/people")
        assert page.title().startswith("Sign in")
        axe(page, "sign in with a username")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill(secret)
        page.get_by_role("button", name="Sign in").click()
        assert page.title().startswith("People")
        axe(page, "people")
        page.get_by_label("Username").fill("eddie")
        page.get_by_label("Full name").fill("Eddie Editor")
        page.get_by_label("Editor: also answers and changes assessments").check()
        page.get_by_label("First password").fill("eddie's own long password")
        page.get_by_role("button", name="Add this person").click()
        assert "Added Eddie Editor (eddie) as editor" in page.content()
        axe(page, "people, after adding")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Username").fill("eddie")
        page.get_by_label("Password").fill("eddie's own long password")
        page.get_by_role("button", name="Sign in").click()
        page.goto(live.url + "/people")
        assert page.title().startswith("You cannot do that")
        assert "Only an administrator can add people" in page.content()
        axe(page, "refused")
    finally:
        live.stop()
