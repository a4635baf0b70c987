"""Faults said plainly: a full disk, a read-only folder, a busy, damaged or half-overwritten
database each give a message a person can act on, a failed save says it was NOT saved, and
`forethought backup` and `restore` keep a consistent copy while the app runs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from forethought import documents, engine
from forethought.cli import cli
from forethought.loading import bundled_library
from forethought.store import Store
from forethought.web import journey

from ..conftest import ROOT
from ..live import Browserish, LiveServer, assessment_id_from
from .test_journey import start

LIBRARY = bundled_library()


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def test_a_save_on_a_full_disk_says_it_was_not_saved_and_why(client_request, store):
    aid = start(client_request)
    version = store.get(aid).version
    # SQLite's own limit on the file's size: a write that needs one more page fails with
    # SQLITE_FULL, exactly as on a full disk. The test client's requests use this connection.
    (pages,) = store.db.execute("PRAGMA page_count").fetchone()
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    page, _ = client_request.post(
        f"/a/{aid}/profile/people",
        {f: os.urandom(990).hex() for f in ("PR-10", "PR-11-note", "PR-12-note", "PR-13-note")},
        expected_status=507,
    )
    assert page.h1.text.strip() == "Not saved: the disk is full"
    assert "What you sent was NOT saved" in page.text and "Free some space" in page.text
    assert "safe" not in page.text
    store.db.execute("PRAGMA max_page_count = 1073741823")
    assert store.get(aid).version == version


def test_a_save_while_another_program_holds_the_database_says_it_was_not_saved(client_request, store, db_path):
    aid = start(client_request)
    version = store.get(aid).version
    store.db.execute("PRAGMA busy_timeout = 200")  # not 15 seconds, for the test
    other = sqlite3.connect(str(db_path))
    other.execute("BEGIN IMMEDIATE")
    try:
        page, _ = client_request.post(f"/a/{aid}/profile/people", {"PR-10": "A change"}, expected_status=503)
    finally:
        other.rollback()
        other.close()
    assert page.h1.text.strip() == "Not saved: the database is busy"
    assert "What you sent was NOT saved" in page.text and "try again" in page.text
    assert store.get(aid).version == version


def filled(path: Path, assessments: int = 40) -> Path:
    """A database with assessments in it, everything written into the file itself."""
    store = Store(path)
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", LIBRARY)
    summary = journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY)
    for _ in range(assessments):
        store.create(doc, summary, "Test", "Imported")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.conn.close()
    return path


def serve_fails(db: Path) -> str:
    """`forethought serve` on this database, as a person would start it: it must refuse."""
    result = subprocess.run(
        [str(Path(os.sys.executable).parent / "forethought"), "serve", "--db", str(db), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr


def test_a_database_with_a_damaged_header_is_refused_at_start(tmp_path):
    db = filled(tmp_path / "f.db", 2)
    with db.open("r+b") as f:
        f.write(b"this is not the header SQLite wrote" * 3)
    message = serve_fails(db)
    assert "The database is damaged" in message and f"forethought restore BACKUP --db {db}" in message


def test_random_bytes_in_the_middle_of_the_file_are_found_at_start(tmp_path):
    db = filled(tmp_path / "f.db")
    size = db.stat().st_size
    with db.open("r+b") as f:
        f.seek(size // 2 // 4096 * 4096)
        f.write(os.urandom(4096 * 4))
    message = serve_fails(db)
    assert "The database is damaged" in message


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nothing may write to: a read-only file system if we are root (which file
    permissions do not stop), its permissions otherwise."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    filled(folder / "f.db", 1)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot make a read-only folder here")
    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_is_refused_at_start_with_what_to_do(read_only_folder):
    for db in (read_only_folder / "f.db", read_only_folder / "new" / "f.db"):
        message = serve_fails(db)
        assert "The database cannot be written" in message and "read-only" in message, message


def test_a_backup_taken_while_people_save_is_whole_and_restores(tmp_path):
    live = LiveServer(tmp_path / "live.db").start()
    stop = threading.Event()
    saved: dict[int, int] = {}

    def keep_saving(i: int):
        browser = Browserish(live)
        status, headers, _ = browser.post_form(
            "/assessments/new", {"PR-01": "Saving", "PR-02": "Anytown", "PR-03": "planning", "PR-08": "x"}
        )
        aid = assessment_id_from(headers)
        n = 0
        while not stop.is_set():
            n += 1
            status, _, _ = browser.post_form(f"/a/{aid}/profile/people", {"PR-10": f"Save {n}"})
            assert status == 302
            saved[i] = n

    savers = [threading.Thread(target=keep_saving, args=(i,)) for i in range(3)]
    for t in savers:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(saved) < 3 or min(saved.values()) < 3:
            assert time.monotonic() < deadline, saved
            time.sleep(0.05)
        backups = [tmp_path / f"backup-{i}.db" for i in range(3)]
        for backup in backups:
            result = invoke("backup", backup, "--db", live.db_path)
            assert result.exit_code == 0, result.output
            assert "Backed up 3 assessments" in result.output and "signing keys are not in the backup" in result.output
    finally:
        stop.set()
        for t in savers:
            t.join()
        live.stop()
    for backup in backups:
        copy = sqlite3.connect(backup)
        assert copy.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        # Consistent: every assessment's version is its last history entry, as each save wrote both.
        rows = copy.execute(
            "SELECT a.version, (SELECT max(version) FROM history h WHERE h.assessment_id = a.id) FROM assessments a"
        ).fetchall()
        copy.close()
        assert len(rows) == 3 and all(version == last for version, last in rows), rows
    restored = tmp_path / "restored.db"
    Store(restored)  # an empty database to restore into
    result = invoke("restore", backups[-1], "--db", restored, "--yes")
    assert result.exit_code == 0, result.output
    assert "Restored 3 assessments" in result.output
    assert Store(restored).count() == 3
    assert list(tmp_path.glob("restored.before-restore-*.db"))


def test_a_backup_never_overwrites_and_a_bad_file_is_never_restored(tmp_path):
    db = filled(tmp_path / "f.db", 2)
    taken = tmp_path / "taken.db"
    taken.write_text("something precious")
    result = invoke("backup", taken, "--db", db)
    assert result.exit_code == 1 and "already exists" in result.output
    assert taken.read_text() == "something precious"
    for content, words in [(b"not a database at all" * 100, "not a database Forethought can read")]:
        bad = tmp_path / "bad.db"
        bad.write_bytes(content)
        result = invoke("restore", bad, "--db", db, "--yes")
        assert result.exit_code == 1 and words in result.output and "Nothing was changed" in result.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.commit()
    result = invoke("restore", other, "--db", db, "--yes")
    assert result.exit_code == 1 and "not a Forethought database" in result.output
    assert Store(db).count() == 2
    assert invoke("backup", tmp_path / "b.db", "--db", tmp_path / "none.db").exit_code == 1
