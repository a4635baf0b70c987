"""Which names this server answers to. The Host header is whatever the sender typed, so it is
never trusted on its own: a request for another name is refused before it reaches the app
(which would otherwise build links and redirects from it), and every redirect the app sends
is a path on this site, never an address built from the header."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from werkzeug.sansio.utils import host_is_trusted

# What a browser on this computer calls a server on 127.0.0.1. Refusing any other name also
# stops a web page elsewhere reaching the laptop's app through a name it controls (DNS rebinding).
LOOPBACK_NAMES = ("localhost", "127.0.0.1")

REFUSAL = b"This server does not answer to that name. Use the address you were given for Forethought.\n"


class TrustedHosts:
    """WSGI middleware: a request whose Host header is not one of `names` (the port aside)
    gets a plain 400 and never reaches the app."""

    def __init__(self, app, names: Iterable[str], headers: dict[str, str]):
        self.app, self.names, self.headers = app, tuple(names), headers

    def __call__(self, environ, start_response):
        if host_is_trusted(environ.get("HTTP_HOST") or environ.get("SERVER_NAME"), self.names):
            return self.app(environ, start_response)
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(REFUSAL))),
                ("Cache-Control", "no-store"),
                *self.headers.items(),
            ],
        )
        return [REFUSAL]


def same_site(location: str, host: str) -> str:
    """A redirect's Location as a path when it names this request's own host, which is how
    werkzeug writes its own redirects (merging slashes, adding one): from the Host header."""
    parts = urlsplit(location)
    if parts.netloc and parts.netloc.lower() == host.lower():
        # One leading slash: "//name" would be read as another site.
        return urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))
    return location
