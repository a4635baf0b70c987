"""The session cookie: what it holds, when it is sent, and when it stops working."""

from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS (directly or
    from a proxy `serve --behind-proxy` trusts), so a browser never sends it over plain HTTP."""

    def get_cookie_secure(self, app) -> bool:
        return request.is_secure or super().get_cookie_secure(app)
