"""`forethought serve --workers 2`: real worker processes on one port and one SQLite file.
Which worker answered is read from the operating system (/proc), not from anything the
app sends, so these tests run on Linux."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest
from werkzeug.security import generate_password_hash

from forethought.store import Store
from forethought.web import PASSWORD_SETTING

from ..live import Connection, LiveServer, child_pids, connections_to_each_worker

# Starts real servers: left out of `make test-fast`.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads which process served from /proc"),
]

PASSWORD = "correct horse battery"


def start(db_path, *extra, new_session=False) -> LiveServer:
    server = LiveServer(db_path, extra=("--workers", "2", *extra), new_session=new_session).start()
    Connection(server).request("GET", "/healthz")  # a worker is up, not just the parent's socket
    return server


@pytest.fixture
def server(tmp_path):
    live = start(tmp_path / "forethought.db")
    yield live
    live.stop()


@pytest.fixture
def locked(tmp_path):
    """Two workers on every address with a password, as a team server runs."""
    Store(tmp_path / "forethought.db").set_setting(PASSWORD_SETTING, generate_password_hash(PASSWORD))
    live = start(tmp_path / "forethought.db", "--host", "0.0.0.0")
    yield live
    live.stop()


def wait_until(predicate, seconds: float = 30) -> bool:
    """Poll for something another process does; a bound on waiting, not a timing assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_two_worker_processes_answer_on_one_port(server):
    workers = child_pids(server.process.pid)
    assert len(workers) == 2
    found = connections_to_each_worker(server, 2)
    assert set(found) == workers  # both answered; the parent only holds the socket
    for connection in found.values():
        assert connection.request("GET", "/")[0] == 200


def test_a_session_made_on_one_worker_works_on_the_other(server):
    jar: dict = {}
    first, second = connections_to_each_worker(server, 2, jar).values()
    # The form's CSRF token comes from one worker and is checked by the other: one session key.
    fields = first.hidden_fields("/your-name")
    status, _, _ = second.post("/your-name", {**fields, "name": "Priya Shah"})
    assert status == 302
    assert "Priya Shah" in first.request("GET", "/")[2]
    assert "Priya Shah" in second.request("GET", "/")[2]


def test_a_save_through_one_worker_is_seen_by_the_other(server):
    first, second = connections_to_each_worker(server, 2).values()
    fields = first.hidden_fields("/assessments/new")
    status, headers, _ = first.post(
        "/assessments/new", {**fields, "PR-01": "Workers", "PR-02": "Anytown", "PR-03": "planning", "PR-08": "Two."}
    )
    aid = headers["Location"].split("/a/", 1)[1].split("/")[0].split("?")[0]
    assert "Workers" in second.request("GET", f"/a/{aid}")[2]  # second now caches version 1
    fields = first.hidden_fields(f"/a/{aid}/profile/people")
    assert first.post(f"/a/{aid}/profile/people", {**fields, "PR-10": "Residents of Anytown"})[0] == 302
    # The second worker's cached scores are for the old version: it reads the new one.
    assert "Residents of Anytown" in second.request("GET", f"/a/{aid}/profile/people")[2]


def sign_in(connection: Connection, password: str) -> int:
    fields = connection.hidden_fields("/sign-in")
    return connection.post("/sign-in", {**fields, "password": password})[0]


def test_wrong_passwords_count_across_workers(locked):
    first, second = connections_to_each_worker(locked, 2).values()
    statuses = [sign_in((first, second)[n % 2], "wrong") for n in range(5)]
    assert statuses == [401] * 5
    # Three wrong tries on one worker, two on the other: each is blocked now, even with the right password.
    assert sign_in(first, PASSWORD) == 429
    assert sign_in(second, PASSWORD) == 429


def test_wrong_passwords_sent_at_once_get_at_most_five_tries(locked):
    # One connection on each worker for certain (the kernel picks who accepts), the rest wherever.
    guessers = [*connections_to_each_worker(locked, 2).values(), *(Connection(locked) for _ in range(10))]
    forms = [g.hidden_fields("/sign-in") for g in guessers]
    assert len({g.worker() for g in guessers}) == 2  # the guesses go to both workers
    ready = threading.Barrier(len(guessers))
    statuses: list[int] = []

    def guess(connection: Connection, fields: dict) -> None:
        ready.wait()
        statuses.append(connection.post("/sign-in", {**fields, "password": "wrong"})[0])

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(guessers, forms, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [401] * 5 + [429] * 7


def test_the_right_password_signs_in_on_both_workers(locked):
    jar: dict = {}
    first, second = connections_to_each_worker(locked, 2, jar).values()
    assert sign_in(first, PASSWORD) == 302
    assert second.request("GET", "/")[0] == 200  # signed in by the other worker's session


def test_sigterm_stops_every_worker(tmp_path):
    server = start(tmp_path / "forethought.db")
    workers = child_pids(server.process.pid)
    server.process.terminate()
    assert server.process.wait(timeout=30) == 0
    assert wait_until(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in workers))


def test_ctrl_c_stops_every_worker(tmp_path):
    server = start(tmp_path / "forethought.db", new_session=True)
    workers = child_pids(server.process.pid)
    os.killpg(server.process.pid, signal.SIGINT)  # what a terminal sends the whole group on Ctrl+C
    assert server.process.wait(timeout=30) == 0
    assert wait_until(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in workers))


def test_a_worker_that_dies_is_reported_and_replaced(server):
    workers = child_pids(server.process.pid)
    killed = min(workers)
    os.kill(killed, signal.SIGKILL)
    assert wait_until(lambda: len(child_pids(server.process.pid) - {killed}) == 2)
    replaced = child_pids(server.process.pid)
    assert killed not in replaced and len(replaced & workers) == 1
    assert set(connections_to_each_worker(server, 2)) == replaced
    server.stop()
    output = server.process.stdout.read().decode()
    assert f"Worker {killed} died" in output
