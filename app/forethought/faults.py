"""What went wrong with the disk or the database, in words a person can act on.

SQLite and the operating system report a full disk, a folder that cannot be written, a
database another program holds or a damaged file as exceptions with terse messages. The
command line and the web app both turn them into a `Fault`: what happened, and what to do."""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fault:
    title: str
    advice: str
    status: int  # the HTTP status the web app answers with


class Unusable(Exception):
    """The database cannot be opened or used; str() says why and what to do."""

    def __init__(self, fault: Fault):
        super().__init__(f"{fault.title}. {fault.advice}")
        self.fault = fault


def _full(path: Path | str) -> Fault:
    return Fault(
        "The disk is full",
        f"Free some space on the disk that holds the database ({path}), then try again.",
        507,
    )


def _read_only(path: Path | str) -> Fault:
    return Fault(
        "The database cannot be written",
        f"The folder or the file is read-only: {path}. Let the user that runs Forethought write to "
        "both the folder and the file, or choose another place with --db.",
        503,
    )


def _busy(path: Path | str) -> Fault:
    return Fault(
        "The database is busy",
        f"Another program held {path} for more than 15 seconds. Wait a moment and try again; if it "
        "goes on, close any other program that has the database open.",
        503,
    )


def damaged(path: Path | str) -> Fault:
    return Fault(
        "The database is damaged",
        f"{path} is not a whole SQLite database any more. Stop Forethought and restore your latest "
        f"backup: forethought restore BACKUP --db {path}",
        500,
    )


def _unreachable(path: Path | str, reason: str) -> Fault:
    return Fault(
        "The database cannot be opened",
        f"{path}: {reason}. Check the disk is connected and the path is right, or choose another with --db.",
        503,
    )


def explain(error: BaseException, path: Path | str) -> Fault | None:
    """The fault behind a database or disk error, or None for any other error."""
    if isinstance(error, Unusable):
        return error.fault
    if isinstance(error, sqlite3.Error):
        return _sqlite(error, path)
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            return _full(path)
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return _read_only(path)
        return _unreachable(path, error.strerror or str(error))
    return None


# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF), https://sqlite.org/rescode.html
_BY_CODE = {13: _full, 8: _read_only, 5: _busy, 6: _busy, 11: damaged, 26: damaged}


def _sqlite(error: sqlite3.Error, path: Path | str) -> Fault | None:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in _BY_CODE:
        return _BY_CODE[code & 0xFF](path)
    message = str(error).lower()
    if "disk is full" in message:
        return _full(path)
    if "readonly" in message or "read-only" in message:
        return _read_only(path)
    if "locked" in message or "busy" in message:
        return _busy(path)
    if "malformed" in message or "not a database" in message:
        return damaged(path)
    if "unable to open" in message or "disk i/o" in message:
        return _read_only(path) if _folder_read_only(path) else _unreachable(path, str(error))
    return None


def _folder_read_only(path: Path | str) -> bool:
    """Whether the database's folder exists but cannot be written (SQLite cannot make the files
    it keeps beside the database, so it says only that it cannot open it)."""
    folder = Path(path).parent
    return isinstance(path, Path) and folder.is_dir() and not os.access(folder, os.W_OK)
