"""Named people on a shared server and what each role may do.

Once an administrator has added anyone (`forethought add-person`, or the People page), signing in
takes a username and that person's own password, and everything they change is recorded under
their own name. Each person has one role:

- reviewer: reads everything and adds notes when reviewing a publication;
- editor: also starts, imports, copies and answers assessments;
- approver: also signs off, publishes and withdraws;
- admin: also adds people, changes their roles and disables them.

On a laptop (no password) nobody signs in and nothing here applies; a shared password with no
people added works as before, for everyone alike."""

from __future__ import annotations

import re
import time
from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from ..store import Store

ROLES = {
    "reviewer": "Reviewer: reads everything and adds review notes",
    "editor": "Editor: also answers and changes assessments",
    "approver": "Approver: also signs off, publishes and withdraws",
    "admin": "Administrator: also adds people and changes their roles",
}

# What changes something beyond the answers: signing off and publishing, and managing people.
APPROVING = frozenset({"main.publish_page", "main.publish_confirm", "main.publish_preview_json", "main.withdraw"})
ADMINISTERING = frozenset({"main.people", "main.person"})
# The only things a reviewer sends: review notes, and their own sign-out.
REVIEWING = frozenset({"review.start", "review.view", "auth.sign_out", "auth.sign_in"})

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
MIN_PASSWORD = 12  # OWASP ASVS 2.1.1


def may(role: str, endpoint: str | None, method: str) -> bool:
    """Whether a person with `role` may use this page with this method."""
    if role == "admin":
        return True
    if endpoint in ADMINISTERING:
        return False
    if endpoint in APPROVING:
        return role == "approver"
    if method in ("GET", "HEAD"):
        return True
    return role in ("editor", "approver") or endpoint in REVIEWING


def may_open(person: dict, allowed: set[str]) -> bool:
    """Whether a person may open an assessment that only `allowed` may (empty: everyone)."""
    return not allowed or person["role"] == "admin" or person["username"] in allowed


def viewer(person: dict | None) -> str | None:
    """Whose view of the list of assessments a person gets: None sees every one."""
    return None if person is None or person["role"] == "admin" else person["username"]


def refusal(role: str, endpoint: str | None) -> str:
    """Why the page is refused, and who can do it, in words."""
    if endpoint in ADMINISTERING:
        return "Only an administrator can add people or change their roles."
    if endpoint in APPROVING:
        return "Only an approver can sign off, publish or withdraw. Ask an approver to do it."
    return f"As a {role} you can read assessments and add review notes, but not change answers. Ask an editor."


def problem_with_new(store: Store, username: str, name: str, role: str, password: str) -> str | None:
    """What is wrong with a new person's details, or None: the one check the command and the form share."""
    if not USERNAME.fullmatch(username):
        return "A username is 2 to 40 lower-case letters, digits, dots, hyphens or underscores"
    if store.account(username):
        return f"There is already someone called {username}: choose another username"
    if not name.strip() or len(name) > 100:
        return "Enter the person's full name (100 characters or fewer)"
    if role not in ROLES:
        return f"Choose a role: {', '.join(ROLES)}"
    if len(password) < MIN_PASSWORD:
        return f"Use a password of at least {MIN_PASSWORD} characters"
    return None


def add(store: Store, username: str, name: str, role: str, password: str) -> None:
    """A new person, their password hashed with scrypt (werkzeug's default, memory-hard). The
    first person added ends every session signed in with the shared password, which stops working."""
    first = not store.has_accounts()
    store.add_account(username, name.strip(), role, generate_password_hash(password))
    if first:
        store.end_sessions(time.time())


def signs_in(store: Store, username: str, password: str) -> dict | None:
    """The person, if the username and password are theirs and they are not disabled."""
    person = store.account(username.strip().lower())
    if person is None:
        # As long as a real check, so the time taken does not tell which usernames exist.
        check_password_hash(_dummy(), password)
        return None
    if not check_password_hash(person["password_hash"], password) or person["disabled"]:
        return None
    return person


@lru_cache(maxsize=1)
def _dummy() -> str:
    return generate_password_hash("not anyone's password")


def shown(person: dict) -> str:
    """How history and review notes name a person: their name and, to tell two apart, username."""
    return f"{person['name']} ({person['username']})"
