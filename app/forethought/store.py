"""The SQLite store for the web app: assessments, their history, and settings.

sqlite-utils over one SQLite file in WAL mode. Every change is one
transaction that writes the new document and appends its history entry
together, so a crash leaves either both or neither. The history table is
append-only: triggers refuse updates and deletes. This module knows nothing of
Flask or of scoring; callers pass in the summary columns they want listed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import faults

migrations = Migrations("forethought")


def _refuse(db: Database, name: str, event: str, table: str, message: str) -> None:
    """A trigger that refuses every UPDATE or DELETE on a table that only ever grows."""
    db.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END")


@migrations()
def m001_assessments_and_history(db: Database) -> None:
    db["assessments"].create(
        {
            "id": str,
            "version": int,  # goes up by one with every change; used to cache scores
            "document": str,  # the assessment JSON
            "title": str,
            "organisation": str,
            "stage": str,
            "status": str,
            "rating": str,
            "created": str,
            "updated": str,
            "duplicated_from": str,
        },
        pk="id",
        not_null={"version", "document", "created", "updated"},
    )
    db["assessments"].create_index(["updated"])
    db["history"].create(
        {
            "id": int,
            "assessment_id": str,
            "version": int,
            "at": str,
            "who": str,
            "action": str,
            "changes": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id")],
    )
    db["history"].create_index(["assessment_id", "id"])
    _refuse(db, "history_no_update", "UPDATE", "history", "history is append-only")
    _refuse(db, "history_no_delete", "DELETE", "history", "history is append-only")
    db["settings"].create({"key": str, "value": str}, pk="key")


@migrations()
def m002_publications_and_reviews(db: Database) -> None:
    db["published_versions"].create(
        {
            "id": int,
            "publication_id": str,
            "assessment_id": str,
            "version": int,
            "content_hash": str,
            "published_at": str,
            "title": str,
            "organisation": str,
            "stage": str,
            "rating": str,
            "banks": str,
            "decision": str,
            "document": str,
            "withdrawn_at": str,
            "withdrawn_reason": str,
            "withdrawn_by": str,
        },
        pk="id",
        not_null={"publication_id", "version", "content_hash", "published_at", "document"},
    )
    db["published_versions"].create_index(["publication_id", "version"], unique=True)
    db["published_versions"].create_index(["assessment_id"])
    # A published version never changes; withdrawing sets the withdrawal columns once.
    db.execute("""
        CREATE TRIGGER published_immutable BEFORE UPDATE ON published_versions
        WHEN OLD.withdrawn_at IS NOT NULL OR NEW.document IS NOT OLD.document
          OR NEW.content_hash IS NOT OLD.content_hash OR NEW.version IS NOT OLD.version
          OR NEW.publication_id IS NOT OLD.publication_id OR NEW.published_at IS NOT OLD.published_at
        BEGIN SELECT RAISE(ABORT, 'published versions are immutable'); END""")
    _refuse(db, "published_no_delete", "DELETE", "published_versions", "published versions are never deleted")
    db["review_subjects"].create({"content_hash": str, "document": str, "source": str, "added": str}, pk="content_hash")
    db["review_notes"].create(
        {"id": int, "content_hash": str, "target": str, "note": str, "who": str, "at": str}, pk="id"
    )
    db["review_notes"].create_index(["content_hash", "id"])


@migrations()
def m003_established_ratings(db: Database) -> None:
    # The listed rating is the one if the unknowns go badly; the established one
    # (on what the team has told us) sits beside it, so a list can show both.
    db["assessments"].add_column("established_rating", str)
    db["published_versions"].add_column("established_rating", str)


@migrations()
def m004_sign_in_tries(db: Database) -> None:
    # Recent password tries by address, shared by every worker process serving this file.
    db["sign_in_tries"].create({"id": int, "address": str, "at": float}, pk="id", not_null={"address", "at"})
    db["sign_in_tries"].create_index(["address", "at"])
    db["sign_in_tries"].create_index(["at"])


# Only the withdrawal columns of a published version may be set after it is written (once).
_WITHDRAWAL = "withdraw"


def protect_published_versions(db: Database) -> None:
    """(Re)make the trigger that refuses any change to a published version but its withdrawal,
    naming every other column the table has now, the listed summary included: the listing must
    never say what the document does not. A migration that adds a column to published_versions
    calls this again."""
    columns = [c.name for c in db["published_versions"].columns if not c.name.startswith(_WITHDRAWAL)]
    changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in columns)
    db.execute("DROP TRIGGER IF EXISTS published_immutable")
    db.execute(f"""
        CREATE TRIGGER published_immutable BEFORE UPDATE ON published_versions
        WHEN OLD.withdrawn_at IS NOT NULL OR {changed}
        BEGIN SELECT RAISE(ABORT, 'published versions are immutable'); END""")


# What the public listing reads, in one index, so a page of it is found, filtered and counted
# without reading a single document (which SQLite keeps in overflow pages ahead of later columns).
_LISTING_INDEX_COLUMNS = (
    "publication_id",
    "version",
    "published_at",
    "title",
    "organisation",
    "stage",
    "rating",
    "established_rating",
    "decision",
    "banks",
    "content_hash",
    "assessment_id",
    "withdrawn_at",
    "withdrawn_reason",
)


@migrations()
def m005_published_listing_protected_and_indexed(db: Database) -> None:
    protect_published_versions(db)
    db["published_versions"].create_index(_LISTING_INDEX_COLUMNS, index_name="published_listing")


@migrations()
def m006_signed_withdrawals(db: Database) -> None:
    # A withdrawal's signature, kept beside the version it withdraws; like the version, never
    # changed or deleted.
    db["withdrawal_signatures"].create(
        {"publication_id": str, "version": int, "signature": str}, pk=("publication_id", "version")
    )
    _refuse(
        db, "withdrawal_signatures_immutable", "UPDATE", "withdrawal_signatures", "withdrawal signatures are immutable"
    )
    _refuse(
        db, "withdrawal_signatures_kept", "DELETE", "withdrawal_signatures", "withdrawal signatures are never deleted"
    )


@migrations()
def m007_sign_in_sessions(db: Database) -> None:
    # Each signed-in session, by a digest of the random key its cookie holds (so the file alone
    # opens none): a session ends when it is signed out, revoked or has timed out, in every copy
    # of its cookie and every worker at once.
    db["sign_in_sessions"].create(
        {"key_digest": str, "account": str, "started": float, "seen": float, "ended": float},
        pk="key_digest",
        not_null={"started", "seen"},
    )


@migrations()
def m008_accounts(db: Database) -> None:
    # Named people on a shared server, each with one role; a password hash, never a password.
    # Nobody is deleted (the history names them): a person who leaves is disabled.
    db["accounts"].create(
        {"username": str, "name": str, "role": str, "password_hash": str, "created": str, "disabled": str},
        pk="username",
        not_null={"name", "role", "password_hash", "created"},
    )


@migrations()
def m009_assessment_access(db: Database) -> None:
    # Who may open an assessment, where an organisation needs it: no rows, everyone signed in.
    db["assessment_access"].create({"assessment_id": str, "username": str}, pk=("assessment_id", "username"))


# The assessments a person may not see: those with a list of people that does not name them.
_HIDDEN_FROM = "SELECT assessment_id FROM assessment_access GROUP BY assessment_id HAVING sum(username = ?) = 0"


class AccountExists(Exception):
    pass


_ACCOUNT_COLUMNS = ("username", "name", "role", "password_hash", "created", "disabled")


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# Each listing filter as SQL over the `latest` rows, with its parameters from the filter's value.
_LISTING_FILTERS: dict[str, tuple[str, Callable[[str], list]]] = {
    "organisation": ("organisation = ?", lambda v: [v]),
    "stage": ("stage = ?", lambda v: [v]),
    "rating": ("rating = ?", lambda v: [v]),
    "decision": ("decision = ?", lambda v: [v]),
    "bank": ("EXISTS (SELECT 1 FROM json_each(latest.banks) WHERE value = ?)", lambda v: [v]),
    "from": ("substr(published_at, 1, 10) >= ?", lambda v: [v]),
    "to": ("substr(published_at, 1, 10) <= ?", lambda v: [v]),
    "q": (
        "(title LIKE ? ESCAPE '\\' OR organisation LIKE ? ESCAPE '\\')",
        lambda v: [_like(v), _like(v)],
    ),
}


def listing_where(filters: dict) -> tuple[str, list]:
    """The WHERE clause and parameters for the listing filters given (empty ones match everything)."""
    clauses, params = ["1"], []
    for key, (clause, values) in _LISTING_FILTERS.items():
        if filters.get(key):
            clauses.append(clause)
            params.extend(values(filters[key]))
    return " AND ".join(clauses), params


class Conflict(Exception):
    """Raised by a change function when the stored document moved underneath it."""

    def __init__(self, details: Any = None):
        super().__init__("the assessment changed since it was read")
        self.details = details


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Record:
    id: str
    version: int
    document: dict
    created: str
    updated: str
    title: str | None
    organisation: str | None
    stage: str | None
    status: str | None
    rating: str | None
    duplicated_from: str | None
    established_rating: str | None = None


@dataclass(frozen=True)
class Change:
    """What a change function returns: the new document, its listed summary,
    what happened in words, and the field-level differences for the history."""

    document: dict
    summary: dict
    action: str
    changes: list[dict]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_id() -> str:
    """A random id of 12 URL-safe characters that starts with a letter or digit, because people
    type ids after a command and one starting with a hyphen reads as an option."""
    while True:
        value = secrets.token_urlsafe(9)
        if value[0].isalnum():
            return value


def backup_problem(path: Path) -> str | None:
    """Why a file is not a Forethought database that can be restored from, or None. Read only:
    checking a backup never changes it."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            whole = [tuple(r) for r in conn.execute("PRAGMA quick_check").fetchall()] == [("ok",)]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as e:
        return f"it is not a database Forethought can read ({e})"
    if not whole:
        return "it is damaged (SQLite's quick check found errors in it)"
    if "assessments" not in tables:
        return "it is not a Forethought database (it holds no assessments table)"
    return None


class Store:
    """One SQLite file. Connections are per thread, as the server runs requests on several."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._writes = 0  # this store's commits, for change_marker
        with self.faults_explained():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = self.db
            db.enable_wal()
            migrations.apply(db)

    @contextmanager
    def faults_explained(self) -> Iterator[None]:
        """A full disk, a read-only folder, a busy or damaged database raised as faults.Unusable,
        which says what happened and what to do; any other error as it was."""
        try:
            yield
        except (OSError, sqlite3.Error) as e:
            fault = faults.explain(e, self.path)
            if fault is None:
                raise
            raise faults.Unusable(fault) from e

    def check(self) -> None:
        """SQLite's quick check of the whole file (every page, not every index entry): raises
        faults.Unusable if any part of it is damaged, as a server must not start on such a file."""
        with self.faults_explained():
            rows = self.db.execute("PRAGMA quick_check").fetchall()
        if [tuple(r) for r in rows] != [("ok",)]:
            raise faults.Unusable(faults.damaged(self.path))

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the whole database in `target`, taken while the app may be saving
        (SQLite's online backup API): written beside it first, so `target` is whole or absent."""
        partial = target.with_name(target.name + ".part")
        with self.faults_explained():
            partial.unlink(missing_ok=True)
            copy = sqlite3.connect(str(partial))
            try:
                self.db.conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")  # one file, nothing beside it
            finally:
                copy.close()
            partial.replace(target)

    def restore_from(self, backup: Path) -> None:
        """Replace everything in this database with the backup's, in one step (the backup API
        again, so any other connection sees either the old database or the new)."""
        with self.faults_explained():
            source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            try:
                source.backup(self.db.conn)
            finally:
                source.close()
            self._writes += 1

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(str(self.path), timeout=15, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 15000")
            # In WAL mode NORMAL is durable against a process crash, which is the
            # failure a laptop app sees; FULL also covers power loss mid-write.
            conn.execute("PRAGMA synchronous = FULL")
            db = self._local.db = Database(conn)
        return db

    @contextmanager
    def _write(self) -> Iterator[Database]:
        """One write transaction, taking the write lock at the start so a
        read-check-write cannot interleave with another writer."""
        db = self.db
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        else:
            db.conn.commit()
            self._writes += 1

    def change_marker(self) -> tuple[int, int]:
        """A value that differs whenever the file may have changed since this thread last read it, so
        a page made from it can be kept until then: SQLite's data version (which other connections'
        commits change, in this process or another) and this store's own count of commits."""
        return self.db.execute("PRAGMA data_version").fetchone()[0], self._writes

    # --- settings -------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self._write() as db:
            db["settings"].upsert({"key": key, "value": value}, pk="key")

    def secret(self, key: str) -> str:
        """A random secret made on first use and kept, e.g. the session signing key."""
        with self._write() as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
            if row:
                return row[0]
            value = secrets.token_hex(32)
            db["settings"].insert({"key": key, "value": value})
            return value

    # --- sign-in tries --------------------------------------------------------

    def take_sign_in_try(self, address: str, limit: int, since: float, at: float) -> int | None:
        """Record a try from `address` at `at` unless it already has `limit` tries
        since `since`; the try's id, or None if it must wait. One write transaction,
        so tries sent at once from several processes cannot all pass the count."""
        with self._write() as db:
            db.execute("DELETE FROM sign_in_tries WHERE at < ?", [since])
            (recent,) = db.execute("SELECT count(*) FROM sign_in_tries WHERE address = ?", [address]).fetchone()
            if recent >= limit:
                return None
            return db.execute("INSERT INTO sign_in_tries (address, at) VALUES (?, ?)", [address, at]).lastrowid

    def give_back_sign_in_try(self, try_id: int) -> None:
        """Forget one try, e.g. one that gave the right password."""
        with self._write() as db:
            db.execute("DELETE FROM sign_in_tries WHERE id = ?", [try_id])

    # --- signed-in sessions ---------------------------------------------------

    def start_session(self, key_digest: str, at: float, account: str | None = None) -> None:
        with self._write() as db:
            db["sign_in_sessions"].insert({"key_digest": key_digest, "account": account, "started": at, "seen": at})

    def session_alive(self, key_digest: str, at: float, idle: float, longest: float) -> bool:
        """Whether the session is live at `at`: not ended, used within `idle` seconds and begun
        within `longest`. A live one is marked as seen (at most once a minute: a read, not a write,
        on most requests); one that has timed out is ended."""
        row = self.db.execute(
            "SELECT started, seen, ended FROM sign_in_sessions WHERE key_digest = ?", [key_digest]
        ).fetchone()
        if row is None or row[2] is not None:
            return False
        started, seen, _ = row
        if at - seen > idle or at - started > longest:
            self.end_sessions(at, key_digest)
            return False
        if at - seen > 60:
            with self._write() as db:
                db.execute("UPDATE sign_in_sessions SET seen = ? WHERE key_digest = ?", [at, key_digest])
        return True

    def end_sessions(self, at: float, key_digest: str | None = None) -> int:
        """End one session, or every session (a new password, an administrator's revoke); how many."""
        where, args = ("AND key_digest = ?", [key_digest]) if key_digest else ("", [])
        with self._write() as db:
            return db.execute(
                f"UPDATE sign_in_sessions SET ended = ? WHERE ended IS NULL {where}", [at, *args]
            ).rowcount

    # --- people ---------------------------------------------------------------

    def add_account(self, username: str, name: str, role: str, password_hash: str) -> None:
        """A new person; AccountExists if the username is taken (by anyone, ever)."""
        try:
            with self._write() as db:
                db["accounts"].insert(
                    {"username": username, "name": name, "role": role, "password_hash": password_hash, "created": now()}
                )
        except sqlite3.IntegrityError:
            raise AccountExists(username) from None

    def account(self, username: str) -> dict | None:
        row = self.db.execute(
            f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM accounts WHERE username = ?", [username]
        ).fetchone()
        return dict(zip(_ACCOUNT_COLUMNS, row, strict=True)) if row else None

    def accounts(self) -> list[dict]:
        """Everyone, without their password hashes."""
        rows = self.db.execute(f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM accounts ORDER BY username")
        return [{k: v for k, v in zip(_ACCOUNT_COLUMNS, row, strict=True) if k != "password_hash"} for row in rows]

    def has_accounts(self) -> bool:
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM accounts)").fetchone()[0] == 1

    def change_account(self, username: str, **changes: str | None) -> None:
        """Set an account's role, name, password hash or disabled time; a disabled person's
        sessions end in the same transaction."""
        allowed = {"name", "role", "password_hash", "disabled"}
        assert set(changes) <= allowed, changes
        with self._write() as db:
            db["accounts"].update(username, changes)
            if changes.get("disabled") or changes.get("password_hash") or changes.get("role"):
                db.execute(
                    "UPDATE sign_in_sessions SET ended = ? WHERE account = ? AND ended IS NULL",
                    [dt.datetime.now(dt.timezone.utc).timestamp(), username],
                )

    def access(self, assessment_id: str) -> set[str]:
        """The usernames that may open the assessment; empty for everyone signed in."""
        rows = self.db.execute("SELECT username FROM assessment_access WHERE assessment_id = ?", [assessment_id])
        return {row[0] for row in rows}

    def set_access(self, assessment_id: str, usernames: set[str]) -> None:
        """Only these people may open the assessment (administrators always may); none, everyone."""
        with self._write() as db:
            self._record(db, assessment_id)  # NotFound for an assessment that does not exist
            db.execute("DELETE FROM assessment_access WHERE assessment_id = ?", [assessment_id])
            for username in sorted(usernames):
                db.execute("INSERT INTO assessment_access VALUES (?, ?)", [assessment_id, username])

    # --- assessments ----------------------------------------------------------

    def create(self, document: dict, summary: dict, who: str, action: str, duplicated_from: str | None = None) -> str:
        assessment_id = new_id()
        at = now()
        with self._write() as db:
            db["assessments"].insert(
                {
                    "id": assessment_id,
                    "version": 1,
                    "document": json.dumps(document, ensure_ascii=False),
                    "created": at,
                    "updated": at,
                    "duplicated_from": duplicated_from,
                    **summary,
                }
            )
            self._log(db, assessment_id, 1, at, who, action, [])
            if duplicated_from:  # a copy is shared with the same people as what it copies
                db.execute(
                    "INSERT INTO assessment_access SELECT ?, username FROM assessment_access WHERE assessment_id = ?",
                    [assessment_id, duplicated_from],
                )
        return assessment_id

    def get(self, assessment_id: str) -> Record:
        return self._record(self.db, assessment_id)

    @staticmethod
    def _record(db: Database, assessment_id: str) -> Record:
        cursor = db.execute("SELECT * FROM assessments WHERE id = ?", [assessment_id])
        row = cursor.fetchone()
        if row is None:
            raise NotFound(assessment_id)
        data = dict(zip([c[0] for c in cursor.description], row, strict=True))
        return Record(**{**data, "document": json.loads(data["document"])})

    def version(self, assessment_id: str) -> int:
        row = self.db.execute("SELECT version FROM assessments WHERE id = ?", [assessment_id]).fetchone()
        if row is None:
            raise NotFound(assessment_id)
        return row[0]

    def update(self, assessment_id: str, change: Callable[[Record], Change], who: str) -> Record:
        """Apply `change` to the latest stored record inside one write
        transaction. `change` may raise Conflict; then nothing is written."""
        with self._write() as db:
            current = self._record(db, assessment_id)
            result = change(current)
            if not result.changes:
                return current
            version, at = current.version + 1, now()
            db.execute(
                "UPDATE assessments SET document = ?, version = ?, updated = ?, title = ?, organisation = ?,"
                " stage = ?, status = ?, rating = ?, established_rating = ? WHERE id = ?",
                [
                    json.dumps(result.document, ensure_ascii=False),
                    version,
                    at,
                    result.summary.get("title"),
                    result.summary.get("organisation"),
                    result.summary.get("stage"),
                    result.summary.get("status"),
                    result.summary.get("rating"),
                    result.summary.get("established_rating"),
                    assessment_id,
                ],
            )
            self._log(db, assessment_id, version, at, who, result.action, result.changes)
        return self.get(assessment_id)

    def _log(
        self, db: Database, assessment_id: str, version: int, at: str, who: str, action: str, changes: list[dict]
    ) -> None:
        db["history"].insert(
            {
                "assessment_id": assessment_id,
                "version": version,
                "at": at,
                "who": who,
                "action": action,
                "changes": json.dumps(changes, ensure_ascii=False),
            }
        )

    def count(self, viewer: str | None = None) -> int:
        """How many assessments there are, or how many `viewer` (a username) may see."""
        if viewer is None:
            return self.db.execute("SELECT count(*) FROM assessments").fetchone()[0]
        return self.db.execute(
            f"SELECT count(*) FROM assessments WHERE id NOT IN ({_HIDDEN_FROM})", [viewer]
        ).fetchone()[0]

    def page(self, offset: int = 0, limit: int = 50, viewer: str | None = None) -> list[dict]:
        """Assessments for the home page, most recently changed first; only those `viewer` may see."""
        where, args = (f"WHERE id NOT IN ({_HIDDEN_FROM})", [viewer]) if viewer is not None else ("", [])
        rows = self.db.execute(
            "SELECT id, title, organisation, stage, status, rating, established_rating, updated FROM assessments"
            f" {where} ORDER BY updated DESC, id LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        keys = ["id", "title", "organisation", "stage", "status", "rating", "established_rating", "updated"]
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def history(self, assessment_id: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT version, at, who, action, changes FROM history WHERE assessment_id = ? ORDER BY id DESC",
            [assessment_id],
        ).fetchall()
        return [
            {"version": v, "at": at, "who": who, "action": action, "changes": json.loads(changes)}
            for v, at, who, action, changes in rows
        ]

    # --- publications ---------------------------------------------------------

    def publish(
        self,
        assessment_id: str,
        build: Callable[[str, int, str | None, str], dict],
        summarise: Callable[[dict], dict],
        who: str,
    ) -> dict:
        """Publish the next version of an assessment's publication in one
        transaction. `build(series, version, previous_hash, published_at)`
        returns the published document."""
        at = now()
        with self._write() as db:
            series = self._series_of(db, assessment_id)
            row = db.execute(
                "SELECT publication_id, version, content_hash FROM published_versions WHERE publication_id = ?"
                " ORDER BY version DESC LIMIT 1",
                [series],
            ).fetchone()
            series, version, previous = (row[0], row[1] + 1, row[2]) if row else (new_id(), 1, None)
            document = build(series, version, previous, at)
            db["published_versions"].insert(
                {
                    "publication_id": series,
                    "assessment_id": assessment_id,
                    "version": version,
                    "content_hash": document["integrity"]["content_hash"],
                    "published_at": at,
                    "document": json.dumps(document, ensure_ascii=False),
                    **summarise(document),
                }
            )
            current = db.execute("SELECT version FROM assessments WHERE id = ?", [assessment_id]).fetchone()
            self._log(db, assessment_id, current[0], at, who, f"Published version {version}", [])
        return document

    def add_published(self, document: dict, summary: dict) -> None:
        """Keep a published document made elsewhere (forethought publish), as it is."""
        publication = document["publication"]
        with self._write() as db:
            db["published_versions"].insert(
                {
                    "publication_id": publication["id"],
                    "assessment_id": None,
                    "version": publication["version"],
                    "content_hash": document["integrity"]["content_hash"],
                    "published_at": publication["published_at"],
                    "document": json.dumps(document, ensure_ascii=False),
                    **summary,
                }
            )

    # The listing reads exactly what its covering index holds, so no listed row reads a document.
    _PUBLISHED_COLUMNS = _LISTING_INDEX_COLUMNS

    def published_latest(self) -> list[dict]:
        """The latest version of every publication, newest first."""
        columns = ", ".join(self._PUBLISHED_COLUMNS)
        rows = self.db.execute(
            f"SELECT {columns} FROM published_versions p WHERE version = "
            "(SELECT max(version) FROM published_versions q WHERE q.publication_id = p.publication_id)"
            " ORDER BY published_at DESC, publication_id"
        ).fetchall()
        return [self._published_row(row) for row in rows]

    # The latest version of each publication. SQLite takes the other columns of a max() group
    # from the row with that maximum, so this is one pass over the listing index.
    _LATEST = (
        "WITH latest AS (SELECT "
        + ", ".join("max(version) AS version" if c == "version" else c for c in _PUBLISHED_COLUMNS)
        + " FROM published_versions GROUP BY publication_id)"
    )

    def published_listing(self, filters: dict, offset: int = 0, limit: int = 50) -> tuple[list[dict], int]:
        """One page of the latest versions that match `filters` (see `listing_where`), newest
        first, and how many match in all: filtered, ordered and counted in SQL."""
        where, params = listing_where(filters)
        columns = ", ".join(self._PUBLISHED_COLUMNS)
        rows = self.db.execute(
            f"{self._LATEST} SELECT {columns} FROM latest WHERE {where}"
            " ORDER BY published_at DESC, publication_id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        (matching,) = self.db.execute(f"{self._LATEST} SELECT count(*) FROM latest WHERE {where}", params).fetchone()
        return [self._published_row(row) for row in rows], matching

    def published_count(self) -> int:
        """How many publications there are (each counted once, whatever its versions)."""
        return self.db.execute("SELECT count(DISTINCT publication_id) FROM published_versions").fetchone()[0]

    def published_choices(self) -> dict[str, list[str]]:
        """The organisations, stages, decisions and banks the latest versions name, for the filters."""
        choices = {}
        for column in ("organisation", "stage", "decision"):
            rows = self.db.execute(
                f"{self._LATEST} SELECT DISTINCT {column} FROM latest WHERE {column} IS NOT NULL AND {column} != ''"
                f" ORDER BY {column}"
            ).fetchall()
            choices[column] = [r[0] for r in rows]
        rows = self.db.execute(
            f"{self._LATEST} SELECT DISTINCT b.value FROM latest, json_each(latest.banks) b ORDER BY b.value"
        ).fetchall()
        choices["bank"] = [r[0] for r in rows]
        return choices

    def published_events(self, organisation: str | None = None, limit: int = 50) -> list[dict]:
        """The newest things that happened to published versions, newest first, for a feed:
        each version's publication, and its withdrawal if it has one; of one organisation, if given."""
        columns = ", ".join(self._PUBLISHED_COLUMNS)
        rows = self.db.execute(
            f"SELECT * FROM (SELECT 'published' AS event, published_at AS at, {columns} FROM published_versions"
            " WHERE ?1 IS NULL OR organisation = ?1"
            f" UNION ALL SELECT 'withdrawn' AS event, withdrawn_at AS at, {columns} FROM published_versions"
            " WHERE withdrawn_at IS NOT NULL AND (?1 IS NULL OR organisation = ?1))"
            " ORDER BY at DESC, publication_id, version DESC LIMIT ?2",
            [organisation, limit],
        ).fetchall()
        return [{"event": row[0], "at": row[1], **self._published_row(row[2:])} for row in rows]

    def published_latest_results(self) -> Iterator[tuple[dict, dict]]:
        """Each publication's latest version, newest first, with the result its document carries:
        read one document at a time, so an index of every risk never holds them all."""
        columns = ", ".join(f"latest.{c}" for c in self._PUBLISHED_COLUMNS)
        cursor = self.db.execute(
            f"{self._LATEST} SELECT {columns}, json_extract(p.document, '$.result') FROM latest"
            " JOIN published_versions p ON p.publication_id = latest.publication_id AND p.version = latest.version"
            " ORDER BY latest.published_at DESC, latest.publication_id"
        )
        for row in cursor:
            yield self._published_row(row[:-1]), json.loads(row[-1])

    def published_versions(self, publication_id: str) -> list[dict]:
        columns = ", ".join(self._PUBLISHED_COLUMNS)
        rows = self.db.execute(
            f"SELECT {columns} FROM published_versions WHERE publication_id = ? ORDER BY version", [publication_id]
        ).fetchall()
        return [self._published_row(row) for row in rows]

    def published_for(self, assessment_id: str) -> list[dict]:
        """Every version of the publication this assessment publishes into (see `_series_of`)."""
        series = self._series_of(self.db, assessment_id)
        return self.published_versions(series) if series else []

    @staticmethod
    def _series_of(db, assessment_id: str) -> str | None:
        """The publication an assessment's versions belong to: its own, or, for a copy made for the
        next procurement stage, the one the assessment it was copied from publishes into, so the
        stages are versions of one series and the public can see what changed between them."""
        seen: set[str] = set()
        current: str | None = assessment_id
        while current and current not in seen:
            seen.add(current)
            row = db.execute(
                "SELECT publication_id FROM published_versions WHERE assessment_id = ? ORDER BY version DESC LIMIT 1",
                [current],
            ).fetchone()
            if row:
                return row[0]
            parent = db.execute("SELECT duplicated_from FROM assessments WHERE id = ?", [current]).fetchone()
            current = parent[0] if parent else None
        return None

    def published_withdrawn_at(self, publication_id: str, version: int) -> str | None:
        """When a published version was withdrawn (None if it stands), without reading its document."""
        row = self.db.execute(
            "SELECT withdrawn_at FROM published_versions WHERE publication_id = ? AND version = ?",
            [publication_id, version],
        ).fetchone()
        if row is None:
            raise NotFound(f"{publication_id} v{version}")
        return row[0]

    def published_identities(self) -> Iterator[tuple[str, int, str]]:
        """Every published version as (publication, version, identity), oldest first, where the
        identity is a digest of everything its document is made from (the stored text and its
        withdrawal), so a site build can tell what changed without parsing a document."""
        cursor = self.db.execute(
            "SELECT p.publication_id, p.version, p.document, p.withdrawn_at, p.withdrawn_reason, s.signature"
            " FROM published_versions p LEFT JOIN withdrawal_signatures s"
            " ON s.publication_id = p.publication_id AND s.version = p.version"
            " ORDER BY p.publication_id, p.version"
        )
        for publication_id, version, *parts in cursor:
            text = "\x00".join("" if part is None else str(part) for part in parts)
            yield publication_id, version, hashlib.sha256(text.encode("utf-8")).hexdigest()

    def published_document(self, publication_id: str, version: int) -> dict:
        row = self.db.execute(
            "SELECT document, withdrawn_at, withdrawn_reason FROM published_versions"
            " WHERE publication_id = ? AND version = ?",
            [publication_id, version],
        ).fetchone()
        if row is None:
            raise NotFound(f"{publication_id} v{version}")
        document = json.loads(row[0])
        if row[1]:
            document["withdrawal"] = {"withdrawn_at": row[1], "reason": row[2]}
            signed = self.db.execute(
                "SELECT signature FROM withdrawal_signatures WHERE publication_id = ? AND version = ?",
                [publication_id, version],
            ).fetchone()
            if signed:
                document["withdrawal"]["signature"] = json.loads(signed[0])
        return document

    def _published_row(self, row) -> dict:
        data = dict(zip(self._PUBLISHED_COLUMNS, row, strict=True))
        data["banks"] = json.loads(data["banks"] or "[]")
        return data

    def withdraw(
        self,
        publication_id: str,
        version: int,
        reason: str,
        who: str,
        sign: Callable[[str, str, str], dict] | None = None,
    ) -> None:
        """Withdraw a version once, with the reason; `sign(content_hash, withdrawn_at, reason)`
        gives the withdrawal's signature, kept in the same transaction."""
        at = now()
        with self._write() as db:
            row = db.execute(
                "SELECT assessment_id, withdrawn_at, content_hash FROM published_versions"
                " WHERE publication_id = ? AND version = ?",
                [publication_id, version],
            ).fetchone()
            if row is None:
                raise NotFound(f"{publication_id} v{version}")
            if row[1]:
                return
            db.execute(
                "UPDATE published_versions SET withdrawn_at = ?, withdrawn_reason = ?, withdrawn_by = ?"
                " WHERE publication_id = ? AND version = ?",
                [at, reason, who, publication_id, version],
            )
            if sign is not None:
                db["withdrawal_signatures"].insert(
                    {
                        "publication_id": publication_id,
                        "version": version,
                        "signature": json.dumps(sign(row[2], at, reason)),
                    }
                )
            if row[0]:
                current = db.execute("SELECT version FROM assessments WHERE id = ?", [row[0]]).fetchone()
                self._log(db, row[0], current[0], at, who, f"Withdrew published version {version}: {reason}", [])

    # --- reviews ------------------------------------------------------------------

    def add_review_subject(self, content_hash: str, document: dict, source: str) -> None:
        """Keep a published document for review under the hash of what it
        actually contains (the caller's digest of the whole file): a tampered
        copy that claims the original's hash is a different subject."""
        with self._write() as db:
            if not db.execute("SELECT 1 FROM review_subjects WHERE content_hash = ?", [content_hash]).fetchone():
                db["review_subjects"].insert(
                    {
                        "content_hash": content_hash,
                        "source": source,
                        "added": now(),
                        "document": json.dumps(document, ensure_ascii=False),
                    }
                )

    def review_subject(self, content_hash: str) -> tuple[dict, str]:
        row = self.db.execute(
            "SELECT document, source FROM review_subjects WHERE content_hash = ?", [content_hash]
        ).fetchone()
        if row is None:
            raise NotFound(content_hash)
        return json.loads(row[0]), row[1]

    def review_source(self, content_hash: str) -> str:
        """Where a review subject came from, without reading its document."""
        row = self.db.execute("SELECT source FROM review_subjects WHERE content_hash = ?", [content_hash]).fetchone()
        if row is None:
            raise NotFound(content_hash)
        return row[0]

    def add_review_note(self, content_hash: str, target: str, note: str, who: str) -> None:
        with self._write() as db:
            db["review_notes"].insert(
                {"content_hash": content_hash, "target": target, "note": note, "who": who, "at": now()}
            )

    def review_notes(self, content_hash: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT target, note, who, at FROM review_notes WHERE content_hash = ? ORDER BY id", [content_hash]
        ).fetchall()
        return [{"target": t, "note": n, "who": w, "at": a} for t, n, w, a in rows]
