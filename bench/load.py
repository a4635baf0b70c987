"""A bounded load test of a team server on this computer, with a crash in the middle.

    .venv/bin/python bench/load.py [--seconds 120] [--editors 20] [--readers 50]
                                   [--assessments 1000] [--workers 2] [--no-kill]

Seeds a fresh database with --assessments assessments and one account per editor (role editor)
and one reader (role reviewer), then starts `forethought serve --host 0.0.0.0 --workers N` on a
free port of 127.0.0.1 (nothing leaves this computer). Each editor signs in, then loads its own
assessment's "people" section and saves a new answer, over and over; each reader signs in and
browses the list, task lists, results and registers of random assessments and the public listing.
Halfway through, unless --no-kill, the whole server (parent and workers) is killed with SIGKILL and
started again on the same database; requests that find no server while it restarts are counted
apart, as "refused while down", never as acknowledged.

At the end every editor's last acknowledged save (a 302 after the post) is looked for in the
database: a save is lost if the stored answer is older than it. Prints, per route, the number of
requests and the 50th and 95th percentile in milliseconds, then errors (any answer but the one
expected, a 5xx included), saves acknowledged, saves lost, conflicts, and refused while down; as
JSON too with --json. Exits 1 if any save was lost or any error seen.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))

from forethought import documents, engine  # noqa: E402
from forethought.loading import bundled_library  # noqa: E402
from forethought.store import Store  # noqa: E402
from forethought.web import PASSWORD_SETTING, accounts, journey  # noqa: E402

FORETHOUGHT = str(Path(sys.executable).parent / "forethought")
PASSWORD = "a long load-test password"


def seed(db: Path, assessments: int, editors: int) -> list[str]:
    """The assessments' ids; an account per editor (editor-0 ...) and one reader."""
    library = bundled_library()
    store = Store(db)
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", library)
    summary = journey.summary(doc, engine.score(doc, library), library)
    ids = [store.create(doc, {**summary, "title": f"Load {i}"}, "Seed", "Imported") for i in range(assessments)]
    from werkzeug.security import generate_password_hash

    store.set_setting(PASSWORD_SETTING, generate_password_hash(PASSWORD))
    for i in range(editors):
        accounts.add(store, f"editor-{i}", f"Editor {i}", "editor", PASSWORD)
    accounts.add(store, "reader", "Reader", "reviewer", PASSWORD)
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`forethought serve` in a session of its own, so one signal reaches the parent and workers."""

    def __init__(self, db: Path, port: int, workers: int):
        self.db, self.port, self.workers = db, port, workers
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        args = ["serve", "--db", str(self.db), "--host", "0.0.0.0", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [FORETHOUGHT, *args, "--workers", str(self.workers)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        """SIGKILL to the parent and every worker at once, as a pulled plug."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


class _Hidden(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name") and a["name"] not in self.fields:
            self.fields[a["name"]] = a.get("value") or ""


class Down(Exception):
    """No server answered: it is being restarted."""


class Client:
    """One person: a keep-alive connection and a session cookie; every request timed by route."""

    def __init__(self, port: int, timings: dict, errors: list):
        self.port, self.timings, self.errors = port, timings, errors
        self.cookie, self.conn = "", None

    def request(self, route: str, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as e:
            self.conn = None
            raise Down from e
        self.timings[route].append((time.perf_counter() - started) * 1000)
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        return response.status, dict(response.headers), text

    def expect(self, route: str, method: str, path: str, wanted: int, body: bytes | None = None) -> str:
        status, _, text = self.request(route, method, path, body)
        if status != wanted:
            self.errors.append((route, status))
        return text

    def post_form(self, route: str, path: str, data: dict, wanted: int = 302) -> int:
        parser = _Hidden()
        parser.feed(self.expect(route + " (form)", "GET", path, 200))
        body = urllib.parse.urlencode({**parser.fields, **data}).encode()
        status, _, _ = self.request(route, "POST", path, body)
        if status not in (wanted, 409):
            self.errors.append((route, status))
        return status

    def sign_in(self, username: str) -> None:
        status = self.post_form("sign in", "/sign-in", {"username": username, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{username} could not sign in: {status}")


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged: dict[int, int] = {}  # editor -> last acknowledged save number
        self.saves = self.conflicts = self.down = 0


def editor(i: int, aid: str, client: Client, tally: Tally, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        try:
            status = client.post_form("save a section", f"/a/{aid}/profile/people", {"PR-10": f"editor {i} save {n}"})
        except Down:
            with tally.lock:
                tally.down += 1
            time.sleep(0.2)
            continue
        with tally.lock:
            if status == 302:
                tally.acknowledged[i] = n
                tally.saves += 1
            elif status == 409:
                tally.conflicts += 1


def reader(ids: list[str], client: Client, tally: Tally, stop: threading.Event) -> None:
    pages = [
        ("list", lambda a: "/"),
        ("task list", lambda a: f"/a/{a}"),
        ("results", lambda a: f"/a/{a}/results"),
        ("register", lambda a: f"/a/{a}/register"),
        ("section", lambda a: f"/a/{a}/profile/people"),
        ("public listing", lambda a: "/published/"),
    ]
    chance = random.Random()
    while not stop.is_set():
        route, path = chance.choice(pages)
        try:
            client.expect(route, "GET", path(chance.choice(ids)), 200)
        except Down:
            with tally.lock:
                tally.down += 1
            time.sleep(0.2)


def lost_saves(db: Path, ids: list[str], acknowledged: dict[int, int]) -> list[tuple[int, int, str]]:
    """Each editor whose stored answer is older than its last acknowledged save."""
    store = Store(db)
    lost = []
    for i, n in acknowledged.items():
        stored = store.get(ids[i]).document["banks"]["profile"]["answers"].get("PR-10", {}).get("value", "")
        stored_n = int(stored.rsplit(" ", 1)[1]) if stored.startswith(f"editor {i} save ") else 0
        if stored_n < n:
            lost.append((i, n, stored))
    return lost


def run(options) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="forethought-load-"))
    db = folder / "load.db"
    seeding = time.perf_counter()
    ids = seed(db, options.assessments, options.editors)
    seeded = time.perf_counter() - seeding
    server = Server(db, free_port(), options.workers)
    server.start()
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list = []
    tally, stop = Tally(), threading.Event()
    editors = [Client(server.port, timings, errors) for _ in range(options.editors)]
    readers = [Client(server.port, timings, errors) for _ in range(options.readers)]
    for i, client in enumerate(editors):
        client.sign_in(f"editor-{i}")
    for client in readers:
        client.sign_in("reader")
    threads = [threading.Thread(target=editor, args=(i, ids[i], c, tally, stop)) for i, c in enumerate(editors)]
    threads += [threading.Thread(target=reader, args=(ids, c, tally, stop)) for c in readers]
    for t in threads:
        t.start()
    restart = None
    try:
        time.sleep(options.seconds / 2)
        if options.kill:
            with tally.lock:
                acknowledged_before = dict(tally.acknowledged)
            server.kill()
            began = time.perf_counter()
            server.start()
            restart = time.perf_counter() - began
            lost_in_kill = lost_saves(db, ids, acknowledged_before)
        time.sleep(options.seconds / 2)
    finally:
        stop.set()
        for t in threads:
            t.join()
        server.stop()
    lost = lost_saves(db, ids, tally.acknowledged)
    by_route = {
        route: {
            "requests": len(ms),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(statistics.quantiles(ms, n=20)[-1], 1) if len(ms) > 1 else round(ms[0], 1),
        }
        for route, ms in sorted(timings.items())
    }
    return {
        "seconds": options.seconds,
        "editors": options.editors,
        "readers": options.readers,
        "assessments": options.assessments,
        "workers": options.workers,
        "seeded_seconds": round(seeded, 1),
        "routes": by_route,
        "errors": len(errors),
        "error_kinds": sorted({f"{route}: {status}" for route, status in errors}),
        "saves_acknowledged": tally.saves,
        "saves_lost": len(lost),
        "lost_at_the_kill": len(lost_in_kill) if options.kill else None,
        "conflicts": tally.conflicts,
        "refused_while_down": tally.down,
        "restart_seconds": round(restart, 1) if restart else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--assessments", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-kill", dest="kill", action="store_false")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    report = run(options)
    if options.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{'route':<24}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}")
        for route, row in report["routes"].items():
            print(f"{route:<24}{row['requests']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}")
        for key in ("errors", "saves_acknowledged", "saves_lost", "lost_at_the_kill", "conflicts"):
            print(f"{key.replace('_', ' ')}: {report[key]}")
        print(f"refused while down: {report['refused_while_down']} (restart took {report['restart_seconds']} s)")
        if report["error_kinds"]:
            print("errors:", ", ".join(report["error_kinds"]))
    sys.exit(1 if report["saves_lost"] or report["errors"] else 0)


if __name__ == "__main__":
    main()
