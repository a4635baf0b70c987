"""Latency and throughput of the web app with 1,000 assessments stored.

    python bench/bench_web.py [--assessments 1000] [--requests 400] [--clients 4]

Seeds a fresh SQLite database, starts the real server (`forethought serve`,
waitress) in its own process, and drives it from a load generator on
loopback: several clients, each with its own session and keep-alive
connection, each request to a random assessment. Every route is measured next
to a trivial route of the same app (/healthz) in the same run. Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forethought import documents, engine  # noqa: E402
from forethought.conditions import DONT_KNOW  # noqa: E402
from forethought.loading import bundled_library  # noqa: E402
from forethought.store import Store  # noqa: E402
from forethought.web import journey  # noqa: E402
from tests.live import FORETHOUGHT, _Hidden, free_port  # noqa: E402


def random_document(library, rng: random.Random) -> dict:
    """A plausible assessment: most questions answered, some "don't know", all banks in play."""
    doc = documents.new_document(library, "2026-11-21")
    for q in library.questions.values():
        if rng.random() < 0.15:
            continue
        if q.type in ("single_choice", "yes_no"):
            value = rng.choice(q.values)
        elif q.type == "multiple_choice":
            real = [v for v in q.values if v != DONT_KNOW]
            value = rng.sample(real, k=rng.randint(1, min(3, len(real))))
        elif q.type == "text":
            value = f"Answer {rng.randint(1, 10**6)} from a project team."
        elif q.type == "list":
            value = [f"ocds-b5fd17-{rng.randint(1, 10**6)}"] if q.item_pattern else ["Contract schedule 4"]
        elif q.type == "number":
            value = rng.randint(int(q.minimum or 0), int(min(q.maximum or 3650, 3650)))
        else:
            value = "2027-04-01"
        doc["banks"][q.bank_id]["answers"][q.id] = {"value": value}
    doc["banks"]["profile"]["answers"]["PR-01"] = {"value": f"Project {rng.randint(1, 10**6)}"}
    for qid, value in {
        "PR-13": "yes",
        "PR-15": "yes",
        "PR-16": "yes",
        "PR-17": "decides",
        "PR-18": "digital_only",
    }.items():
        doc["banks"]["profile"]["answers"][qid] = {"value": value}
    checked, problems = documents.check(doc, library)
    assert not problems, problems
    return checked


def seed(db: Path, n: int) -> list[str]:
    library = bundled_library()
    store = Store(db)
    rng = random.Random(2026)
    ids = []
    for _ in range(n):
        doc = random_document(library, rng)
        ids.append(store.create(doc, journey.summary(doc, engine.score(doc, library), library), "Benchmark", "Seeded"))
    return ids


class Client:
    """One browser: its own session cookie and keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        return response.status, data


def run(port: int, make_request, requests: int, clients: int) -> tuple[list[float], float]:
    """Send `requests` requests from `clients` threads; latencies in ms and requests a second."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = requests // clients

    def worker(seed_value: int):
        client, rng, mine = Client(port), random.Random(seed_value), []
        for _ in range(3):  # warm up the connection and the session
            make_request(client, rng)
        for _ in range(per_client):
            start = time.perf_counter()
            status = make_request(client, rng)
            mine.append((time.perf_counter() - start) * 1000)
            assert status in (200, 302), status
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, len(latencies) / (time.perf_counter() - started)


def host_stalls(seconds: float = 3.0) -> tuple[float, float]:
    """Share of wall time lost to gaps over 10 ms while this process spins, and the
    longest gap. A quiet machine loses about nothing; a throttled virtual machine
    loses a large share, in gaps long enough to set every tail figure below."""
    start = last = time.perf_counter()
    lost = longest = 0.0
    while (now := time.perf_counter()) - start < seconds:
        gap = now - last
        if gap > 0.010:
            lost += gap
            longest = max(longest, gap)
        last = now
    return lost / seconds, longest * 1000


def costs(db: Path, ids: list[str], rounds: int = 9, per_round: int = 20) -> None:
    """What each page costs to make, without the network and without the host's
    stalls: the Flask app in this process, one request at a time, best of several
    rounds (a stall can only make a round slower, never faster)."""
    from forethought.web import create_app

    client = create_app(db).test_client()
    cycle = iter(ids * 1000)  # walks more assessments than the score cache holds (256), so every load misses
    first = ids[0]
    scenarios = {
        "trivial route (/healthz)": lambda: client.get("/healthz"),
        "task list, scores cached": lambda: client.get(f"/a/{first}"),
        "task list, not cached (loads and scores)": lambda: client.get(f"/a/{next(cycle)}"),
        "section page, cached": lambda: client.get(f"/a/{first}/surveillance/purpose"),
        "results page, cached": lambda: client.get(f"/a/{first}/results"),
        "register download, cached": lambda: client.get(f"/a/{first}/register.md"),
    }
    print(f"\n{'cost per request, in process (best of ' + str(rounds) + ' rounds)':<52} {'ms':>6} {'× trivial':>10}")
    baseline = None
    for name, make_request in scenarios.items():
        make_request()
        best = min(timeit.repeat(make_request, number=per_round, repeat=rounds)) / per_round * 1000
        baseline = baseline or best
        print(f"{name:<52} {best:>6.2f} {baseline / best:>9.2f}×")


def machine_noise(runs: int = 200) -> tuple[float, float, float]:
    """p50, p95 and p99 of a fixed ~8 ms pure-Python loop: on a quiet machine the
    three are close; on a shared one the tail shows how much the host stalls us."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        total = 0
        for i in range(150_000):
            total += i * i
        samples.append((time.perf_counter() - start) * 1000)
    q = statistics.quantiles(samples, n=100)
    return q[49], q[94], q[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=400, help="requests per route")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients (the machine has 2 cores)")
    args = parser.parse_args()

    db = Path(tempfile.mkdtemp()) / "bench.db"
    started = time.perf_counter()
    ids = seed(db, args.assessments)
    print(
        f"Seeded {len(ids):,} assessments in {time.perf_counter() - started:.1f} s ({db.stat().st_size / 1e6:.1f} MB)"
    )
    port = free_port()
    server = subprocess.Popen(
        [FORETHOUGHT, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                Client(port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)

        def get(path_of):
            def request(client, rng):
                return client.request("GET", path_of(rng.choice(ids)))[0]

            return request

        def save(client, rng):
            aid = rng.choice(ids)
            path = f"/a/{aid}/profile/people"
            status, html = client.request("GET", path)
            hidden = _Hidden()
            hidden.feed(html.decode())
            body = urllib.parse.urlencode(
                {
                    **hidden.fields,
                    "PR-10": f"Residents, version {rng.random()}",
                    "PR-11": rng.choice(["from_1k", "from_10k", "from_100k"]),
                    "PR-12": "yes",
                    "PR-13": "yes",
                    "PR-14": "no",
                }
            ).encode()
            return client.request("POST", path, body)[0]

        routes = {
            "trivial route (/healthz)": lambda c, r: c.request("GET", "/healthz")[0],
            "task list": get(lambda a: f"/a/{a}"),
            "section page": get(lambda a: f"/a/{a}/surveillance/purpose"),
            "save (load the form, then post it)": save,
            "results page": get(lambda a: f"/a/{a}/results"),
            "register download (Markdown)": get(lambda a: f"/a/{a}/register.md"),
        }
        stalls_before = host_stalls()
        print(
            f"{args.requests} requests per route from {args.clients} clients on 127.0.0.1, "
            f"each to a random one of the {len(ids):,} assessments\n"
        )
        noise = machine_noise()
        print(f"{'route':<36} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'× trivial':>10}")
        baseline = None
        for name, make_request in routes.items():
            latencies, throughput = run(port, make_request, args.requests, args.clients)
            q = statistics.quantiles(latencies, n=100)
            baseline = baseline or throughput
            print(
                f"{name:<36} {q[49]:>8.1f} {q[94]:>8.1f} {q[98]:>8.1f} "
                f"{throughput:>8.0f} {throughput / baseline:>9.2f}×"
            )
        after = machine_noise()
        stalls_after = host_stalls()
        print(
            "\ncontrol, a fixed ~8 ms CPU loop in this process: "
            f"p50 {noise[0]:.1f}, p95 {noise[1]:.1f}, p99 {noise[2]:.1f} ms"
            f" before the run; p50 {after[0]:.1f}, p95 {after[1]:.1f}, p99 {after[2]:.1f} ms after"
        )
        print(
            f"host stalls: a spinning process lost {stalls_before[0]:.0%} of wall time "
            "in gaps over 10 ms before the run "
            f"(longest {stalls_before[1]:.0f} ms), {stalls_after[0]:.0%} after (longest {stalls_after[1]:.0f} ms)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    costs(db, ids)


if __name__ == "__main__":
    main()
