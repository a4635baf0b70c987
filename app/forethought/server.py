"""Running the web app: where its database lives and how it is served.

Waitress is a production WSGI server in pure Python, so the same command
serves one person on a laptop and a small team on a shared machine, on any
operating system, with nothing to compile."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path


def default_db_path() -> Path:
    """Where the database lives unless --db says otherwise: the platform's
    usual place for an application's own data."""
    if override := os.environ.get("FORETHOUGHT_DB"):
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
        return base / "Forethought" / "forethought.db"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Forethought" / "forethought.db"
    base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "forethought" / "forethought.db"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(app, host: str, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="Forethought",
        max_request_body_size=4 * 1024 * 1024,
        clear_untrusted_proxy_headers=True,
    )
