"""A killed server loses no saved answer: SIGKILL the real server while saves
are in flight, restart it on the same database, and compare."""

from __future__ import annotations

import http.client
import sqlite3
import threading
import time

import pytest

from ..live import Browserish, LiveServer, assessment_id_from

# Starts and kills real servers: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path / "forethought.db").start()
    yield live
    live.stop()


def test_a_killed_server_loses_no_saved_answer(server, tmp_path):
    browser = Browserish(server)
    status, headers, _ = browser.post_form(
        "/assessments/new",
        {"PR-01": "Durability", "PR-02": "Anytown Council", "PR-03": "planning", "PR-08": "Testing crashes."},
    )
    assert status == 302
    aid = assessment_id_from(headers)
    acknowledged: list[int] = []
    stop = threading.Event()

    def keep_saving():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                status, _, _ = browser.post_form(f"/a/{aid}/profile/people", {"PR-10": f"answer {n}"})
            except (OSError, http.client.HTTPException):
                return  # the server is gone, perhaps halfway through a reply
            if status == 302:
                acknowledged.append(n)

    worker = threading.Thread(target=keep_saving)
    worker.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # mid-run: the saving thread has requests in flight
    stop.set()
    worker.join(timeout=30)
    assert len(acknowledged) >= 25, "the server did not acknowledge enough saves before the kill"

    conn = sqlite3.connect(tmp_path / "forethought.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    restarted = LiveServer(tmp_path / "forethought.db").start()
    try:
        status, _, html = Browserish(restarted).get(f"/a/{aid}/profile/people")
        assert status == 200
        last = acknowledged[-1]
        saved = int(html.split('id="PR-10"', 1)[1].split(">", 1)[1].split("<", 1)[0].removeprefix("answer "))
        # The last acknowledged save is there (or a later one whose reply the kill cut off).
        assert saved >= last, (saved, last)
        history = (
            sqlite3.connect(tmp_path / "forethought.db")
            .execute("SELECT changes FROM history WHERE assessment_id = ?", [aid])
            .fetchall()
        )
        recorded = {
            int(c[0].split('"after": "answer ')[1].split('"')[0]) for c in history if '"after": "answer ' in c[0]
        }
        assert set(acknowledged) <= recorded, sorted(set(acknowledged) - recorded)[:5]
    finally:
        restarted.stop()
