"""Signed-in sessions: what the cookie holds, when it is sent, and when it stops working.

The cookie (Flask's, signed) holds a random key; the database holds a digest of that key with
when the session began, when it was last used and whether it has ended. Every request on a
shared server checks the key, so signing out, a new password or an administrator's revoke ends
the session in every copy of its cookie and every worker process at once, and a session ends
on its own after half an hour unused or twelve hours in all (OWASP ASVS 3.3.2)."""

from __future__ import annotations

import hashlib
import secrets
import time

from flask import request, session
from flask.sessions import SecureCookieSessionInterface

from ..store import Store

IDLE_SECONDS = 30 * 60
LONGEST_SECONDS = 12 * 60 * 60


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS (directly or
    from a proxy `serve --behind-proxy` trusts), so a browser never sends it over plain HTTP."""

    def get_cookie_secure(self, app) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def begin(store: Store, account: str | None = None) -> None:
    """Sign this browser in with a new session, as `account` (a username) if given. Whatever the
    cookie held before is dropped, so a cookie planted before signing in is never the one signed
    in (session fixation)."""
    session.clear()
    key = secrets.token_urlsafe(32)
    store.start_session(_digest(key), time.time(), account)
    session["signed_in"] = True
    session["key"] = key
    if account:
        session["account"] = account


def person(store: Store) -> dict | None:
    """The person this session signed in as, read afresh (their role may have changed), or None
    for the shared password. A person disabled since has their session ended."""
    username = session.get("account")
    if not username:
        return None
    found = store.account(username)
    if found is None or found["disabled"]:
        end(store)
        return None
    return found


def end(store: Store) -> None:
    """Sign out: the session ends for every copy of its cookie, not only this browser's."""
    key = session.get("key")
    if key:
        store.end_sessions(time.time(), _digest(key))
    session.clear()


def live(store: Store, config) -> bool:
    """Whether this request belongs to a session that is signed in and has not ended."""
    key = session.get("key")
    if not session.get("signed_in") or not isinstance(key, str):
        return False
    return store.session_alive(
        _digest(key),
        time.time(),
        idle=config.get("SESSION_IDLE_SECONDS", IDLE_SECONDS),
        longest=config.get("SESSION_LONGEST_SECONDS", LONGEST_SECONDS),
    )


def end_everyone(store: Store) -> int:
    """End every session (a new password, an administrator's revoke); how many were live."""
    return store.end_sessions(time.time())
