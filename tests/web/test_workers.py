"""What several worker processes rely on, without starting them: the sign-in throttle's
record in SQLite, one session key per database, and the checks `serve --workers` makes
once in the parent before any worker starts."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from click.testing import CliRunner

from forethought import server
from forethought.cli import cli
from forethought.store import Store
from forethought.web import SignInThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_tries_then_a_wait_that_ends(db_path):
    clock = Clock()
    throttle = SignInThrottle(Store(db_path), clock=clock)
    assert all(throttle.take("192.0.2.1") is not None for _ in range(5))
    assert throttle.take("192.0.2.1") is None
    assert throttle.take("192.0.2.2") is not None  # another address has its own tries
    clock.now += 31
    assert throttle.take("192.0.2.1") is not None


def test_a_try_given_back_does_not_count(db_path):
    throttle = SignInThrottle(Store(db_path))
    for _ in range(4):
        throttle.take("192.0.2.1")
    throttle.give_back(throttle.take("192.0.2.1"))
    assert throttle.take("192.0.2.1") is not None
    assert throttle.take("192.0.2.1") is None


def test_the_tries_are_shared_by_every_store_on_the_file(db_path):
    # Each worker process opens its own Store on the one file.
    first, second = SignInThrottle(Store(db_path)), SignInThrottle(Store(db_path))
    for n in range(5):
        assert (first, second)[n % 2].take("192.0.2.1") is not None
    assert first.take("192.0.2.1") is None and second.take("192.0.2.1") is None


def test_tries_taken_at_once_cannot_pass_the_count(db_path):
    Store(db_path)
    taken: list = []
    ready = threading.Barrier(16)

    def guess():
        throttle = SignInThrottle(Store(db_path))  # a connection of its own, like another process
        ready.wait()
        taken.append(throttle.take("192.0.2.1"))

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([t for t in taken if t is not None]) == 5


def test_every_store_on_a_file_signs_sessions_with_one_key(db_path):
    assert Store(db_path).secret("session_key") == Store(db_path).secret("session_key")


def test_worker_arguments_are_plain_strings(tmp_path):
    args = server.worker_args(tmp_path / "f.db", 4, True, (Path("mine.json"),))
    assert args == [f"--db={tmp_path / 'f.db'}", "--threads=4", "--banks=mine.json", "--require-password"]
    assert "--require-password" not in server.worker_args(tmp_path / "f.db", 4, False, ())


def test_workers_still_refuse_the_network_without_a_password(db_path):
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--workers", "2", "--db", str(db_path)])
    assert result.exit_code == 2
    assert "Refusing to listen on 0.0.0.0" in result.output


def test_workers_say_so_when_the_port_is_taken(db_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--workers", "2", "--db", str(db_path)])
    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output


def test_at_least_one_worker(db_path):
    result = CliRunner().invoke(cli, ["serve", "--workers", "0", "--db", str(db_path)])
    assert result.exit_code == 2 and "--workers" in result.output


def test_the_listening_sockets_cover_every_address_of_the_host():
    sockets = server.listening_sockets("localhost", 0)
    try:
        families = {sock.family for sock in sockets}
        assert socket.AF_INET in families
    finally:
        for sock in sockets:
            sock.close()
