"""Latency, throughput and CPU time of the web app with 1,000 assessments stored.

    .venv/bin/python bench/bench_web.py [--assessments 1000] [--publications 20]
        [--clients 2] [--requests 40] [--rounds 5] [--workers 1,2]

Seeds a fresh SQLite database (assessments, and publications made by the same
store and publishing code the app uses), then for each worker count starts the
real server (`forethought serve --workers N`, waitress) and drives it from
client processes of their own on loopback: each client has its own keep-alive
connection and session, and sends --requests requests a round to a random
assessment. Every page is measured against the trivial route /healthz of the
same server in the same run: per route, the best and the median of --rounds
rounds, p50 and p95 latency, throughput, and CPU time per request of the server
(all its processes, from /proc) and of the clients. Conflicting saves (409)
are counted, not fatal. A fixed pure-Python control loop is timed before every
round: its ratio to its best time, with the kernel's steal time, says how noisy
the host was. Then each page's cost in this process (Flask's test client, CPU
time per request on a cache hit), and `forethought site` run as a command.
Figures only: no assertions.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
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

OK_STATUSES = {200, 302, 409}

# --- Seeding ------------------------------------------------------------------------------------


def random_document(library, rng: random.Random) -> dict:
    """A plausible assessment: most questions answered, some "don't know", all banks in play."""
    doc = documents.new_document(library, "2026-11-21")
    for q in library.questions.values():
        if rng.random() < 0.15:
            continue
        doc["banks"][q.bank_id]["answers"][q.id] = {"value": _random_value(q, rng)}
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


def _random_value(q, rng: random.Random):
    if q.type in ("single_choice", "yes_no"):
        return rng.choice(q.values)
    if q.type == "multiple_choice":
        real = [v for v in q.values if v != DONT_KNOW]
        return rng.sample(real, k=rng.randint(1, min(3, len(real))))
    if q.type == "text":
        return f"Answer {rng.randint(1, 10**6)} from a project team."
    if q.type == "list":
        return [f"ocds-b5fd17-{rng.randint(1, 10**6)}"] if q.item_pattern else ["Contract schedule 4"]
    if q.type == "number":
        return rng.randint(int(q.minimum or 0), int(min(q.maximum or 3650, 3650)))
    return "2027-04-01"


def seed(db: Path, n: int, publications: int) -> tuple[list[str], list[str]]:
    """n assessments, and the first `publications` of them published as the app does
    (store.publish with publish.publish); a quarter of those published twice."""
    from forethought.publishing import publish, reading

    library, store, rng = bundled_library(), Store(db), random.Random(2026)
    ids = []
    for _ in range(n):
        doc = random_document(library, rng)
        ids.append(store.create(doc, journey.summary(doc, engine.score(doc, library), library), "Benchmark", "Seeded"))
    sign_off = {"name": "Sam Patel", "role": "Director of Place", "date": "2026-11-30", "decision": "proceed"}
    for i, aid in enumerate(ids[:publications]):
        doc = store.get(aid).document
        for _ in range(2 if i % 4 == 0 else 1):
            store.publish(
                aid,
                lambda series, version, previous, at, doc=doc: publish.publish(
                    doc,
                    library,
                    sign_off=sign_off,
                    redactions=[],
                    series=series,
                    version=version,
                    published_at=at,
                    previous_content_hash=previous,
                ),
                reading.summary,
                "Benchmark",
            )
    series = [row["publication_id"] for row in store.published_latest()]
    return ids, series


# --- The host -----------------------------------------------------------------------------------


def control_loop() -> float:
    """Seconds for a fixed piece of pure-Python work, best of 3: slower than its best
    only when the host takes the CPU away (other tenants, throttling, our own load)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(100_000):
            total += i * i
        best = min(best, time.perf_counter() - start)
    return best


def cpu_ticks() -> tuple[int, int]:
    """(steal, total) jiffies of every CPU, from /proc/stat; (0, 0) where there is none."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def process_cpu(pid: int) -> float:
    """Seconds on a CPU of a process and its live children, from /proc: every thread's
    schedstat (nanoseconds), or user + system ticks where there is none; 0 elsewhere."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(stat.parent.name) == pid or int(fields[1]) == pid:
                total += _on_cpu(stat.parent, fields)
        except OSError:
            continue  # it ended while we looked
    return total


def _on_cpu(proc: Path, fields: list[str]) -> float:
    threads = list(proc.glob("task/*/schedstat"))
    if threads:
        return sum(int(t.read_text().split()[0]) for t in threads) / 1e9
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- Client processes ---------------------------------------------------------------------------


class Client:
    """One browser: its own session cookie and keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, dict]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        return response.status, data, dict(response.headers)

    def post_form(self, path: str, fields: dict) -> int:
        status, html, _ = self.request("GET", path)
        hidden = _Hidden()
        hidden.feed(html.decode())
        return self.request("POST", path, urllib.parse.urlencode({**hidden.fields, **fields}).encode())[0]


def _save(client: Client, rng: random.Random, ctx: dict) -> int:
    """Load a section's form, then post it changed: one save round-trip."""
    fields = {
        "PR-10": f"Residents, version {rng.random()}",
        "PR-11": rng.choice(["from_1k", "from_10k", "from_100k"]),
        "PR-12": "yes",
        "PR-13": "yes",
        "PR-14": "no",
    }
    return client.post_form(f"/a/{rng.choice(ctx['ids'])}/profile/people", fields)


def _get(path_of):
    def request(client: Client, rng: random.Random, ctx: dict) -> int:
        return client.request("GET", path_of(rng, ctx))[0]

    return request


# Each route: how one request is made from a client's rng and the seeded ids.
ROUTES = {
    "trivial route (/healthz)": _get(lambda r, c: "/healthz"),
    "home (first page of the list)": _get(lambda r, c: "/"),
    "task list": _get(lambda r, c: f"/a/{r.choice(c['ids'])}"),
    "section page": _get(lambda r, c: f"/a/{r.choice(c['ids'])}/surveillance/purpose"),
    "results page": _get(lambda r, c: f"/a/{r.choice(c['ids'])}/results"),
    "register page (HTML)": _get(lambda r, c: f"/a/{r.choice(c['ids'])}/register"),
    "save (load the form, post it)": _save,
    "published index": _get(lambda r, c: "/published/"),
    "published version page": _get(lambda r, c: f"/published/{r.choice(c['series'])}/v/1"),
    "review page": _get(lambda r, c: r.choice(c["reviews"])),
}


def client_main(port: int, ctx: dict, seed_value: int, pipe) -> None:
    """A client process: sign its session in with a name, then run what the pipe asks
    (a route and a number of requests) and send back latencies, CPU time and statuses."""
    client, rng = Client(port), random.Random(seed_value)
    client.post_form("/your-name", {"name": f"Benchmark client {seed_value}"})
    while (job := pipe.recv()) is not None:
        route, count = job
        make_request = ROUTES[route]
        if count == 0:  # warm the connection and this route's code paths, apart from the figures
            for _ in range(3):
                make_request(client, rng, ctx)
            pipe.send(None)
            continue
        latencies, statuses = [], collections.Counter()
        cpu_before = time.process_time()  # this process's user + system time, finer than os.times
        for _ in range(count):
            start = time.perf_counter()
            statuses[make_request(client, rng, ctx)] += 1
            latencies.append((time.perf_counter() - start) * 1000)
        pipe.send((latencies, time.process_time() - cpu_before, dict(statuses)))


class Clients:
    """A pool of client processes, each started once with its own connection and session."""

    def __init__(self, port: int, ctx: dict, count: int):
        spawn = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for i in range(count):
            mine, theirs = spawn.Pipe()
            process = spawn.Process(target=client_main, args=(port, ctx, i, theirs), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    def warm(self, route: str) -> None:
        """Three requests from each client, not measured."""
        for pipe in self.pipes:
            pipe.send((route, 0))
        for pipe in self.pipes:
            pipe.recv()

    def run(self, route: str, count: int) -> tuple[list[float], float, collections.Counter, float]:
        """Every client sends `count` requests at once; latencies, client CPU, statuses, wall seconds."""
        start = time.perf_counter()
        for pipe in self.pipes:
            pipe.send((route, count))
        latencies, cpu, statuses = [], 0.0, collections.Counter()
        for pipe in self.pipes:
            mine, seconds, counts = pipe.recv()
            latencies += mine
            cpu += seconds
            statuses.update(counts)
        return latencies, cpu, statuses, time.perf_counter() - start

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(None)
        for process in self.processes:
            process.join(timeout=30)


# --- The server ---------------------------------------------------------------------------------


class Server:
    """`forethought serve --workers N` in processes of its own."""

    def __init__(self, db: Path, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [FORETHOUGHT, "serve", "--db", str(db), "--port", str(self.port), "--workers", str(workers)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Client(self.port).request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def cpu(self) -> float:
        return process_cpu(self.process.pid)

    def review_paths(self, series: list[str]) -> list[str]:
        """The review page of a few publications (each a redirect to its key, made once)."""
        client, paths = Client(self.port), []
        for publication in series[:5]:
            status, _, headers = client.request("GET", f"/review/published/{publication}/1")
            paths.append(headers["Location"])
        return paths

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# --- Measuring over loopback --------------------------------------------------------------------


def measure_route(server: Server, clients: Clients, route: str, args, best_control: list[float]) -> dict:
    """`args.rounds` rounds of one route; each round's p50, p95, throughput, CPU per request."""
    rounds = []
    for _ in range(args.rounds):
        clients.warm(route)
        control = control_loop()
        best_control[0] = min(best_control[0], control)
        server_before = server.cpu()
        latencies, client_cpu, statuses, wall = clients.run(route, args.requests)
        q = statistics.quantiles(latencies, n=100)
        n = len(latencies)
        rounds.append(
            {
                "p50": q[49],
                "p95": q[94],
                "rps": n / wall,
                "server_cpu": (server.cpu() - server_before) / n * 1000,
                "client_cpu": client_cpu / n * 1000,
                "control": control,
                "statuses": statuses,
            }
        )
    return summarise(rounds)


def summarise(rounds: list[dict]) -> dict:
    med = statistics.median
    statuses = sum((r["statuses"] for r in rounds), collections.Counter())
    return {
        "p50_best": min(r["p50"] for r in rounds),
        "p50": med(r["p50"] for r in rounds),
        "p95": med(r["p95"] for r in rounds),
        "rps_best": max(r["rps"] for r in rounds),
        "rps": med(r["rps"] for r in rounds),
        "server_cpu": med(r["server_cpu"] for r in rounds),
        "client_cpu": med(r["client_cpu"] for r in rounds),
        "controls": [r["control"] for r in rounds],
        "conflicts": statuses.get(409, 0),
        "errors": sum(n for s, n in statuses.items() if s not in OK_STATUSES),
    }


def loopback(db: Path, workers: int, ctx: dict, args) -> None:
    """Every route against one server with `workers` workers, and the host's noise meanwhile."""
    server = Server(db, workers)
    try:
        ctx = {**ctx, "reviews": server.review_paths(ctx["series"])}
        clients = Clients(server.port, ctx, args.clients)
        steal_before, total_before = cpu_ticks()
        best_control = [float("inf")]
        results = {route: measure_route(server, clients, route, args, best_control) for route in ROUTES}
        steal_after, total_after = cpu_ticks()
        clients.close()
    finally:
        server.stop()
    print_loopback(workers, args, results, best_control[0])
    steal = (steal_after - steal_before) / max(1, total_after - total_before)
    controls = [c / best_control[0] for r in results.values() for c in r["controls"]]
    print(
        f"host stall: the control loop ({best_control[0] * 1000:.1f} ms at best) ran at median "
        f"{statistics.median(controls):.2f}x, worst {max(controls):.2f}x its best before each round; "
        f"CPU steal time {steal:.1%} of all CPU time during this table"
    )


def print_loopback(workers: int, args, results: dict, best_control: float) -> None:
    print(
        f"\n{workers} worker{'s' if workers > 1 else ''}: {args.clients} client processes x {args.requests} requests"
        f" a round, {args.rounds} rounds a route; median of rounds (best in brackets); CPU ms per request"
    )
    print(
        f"{'route':<31} {'p50 ms':>14} {'p95 ms':>7} {'req/s':>12} {'x triv':>7}"
        f" {'srv CPU':>8} {'x triv':>7} {'cli CPU':>8} {'stall':>6} {'409':>4} {'err':>4}"
    )
    base = results["trivial route (/healthz)"]
    for route, r in results.items():
        stall = statistics.median(r["controls"]) / best_control
        print(
            f"{route:<31} {r['p50']:>6.1f} ({r['p50_best']:>5.1f}) {r['p95']:>7.1f}"
            f" {r['rps']:>5.0f} ({r['rps_best']:>4.0f})"
            f" {r['p50'] / base['p50']:>6.1f}x {r['server_cpu']:>8.2f} {r['server_cpu'] / base['server_cpu']:>6.1f}x"
            f" {r['client_cpu']:>8.2f} {stall:>5.2f}x {r['conflicts']:>4} {r['errors']:>4}"
        )


# --- In this process, and the static site -------------------------------------------------------


def in_process(db: Path, ctx: dict, rounds: int = 7, per_round: int = 20) -> None:
    """Each page's cost in this process with Flask's test client, cache hit, no network:
    CPU time per request, best of rounds (a stall can only make a round slower)."""
    from forethought.web import create_app

    client = create_app(db).test_client()
    first, series = ctx["ids"][0], ctx["series"][0]
    review = client.get(f"/review/published/{series}/1").headers["Location"]
    pages = {
        "trivial route (/healthz)": "/healthz",
        "home (first page of the list)": "/",
        "task list": f"/a/{first}",
        "section page": f"/a/{first}/surveillance/purpose",
        "results page": f"/a/{first}/results",
        "register page (HTML)": f"/a/{first}/register",
        "register download (Markdown)": f"/a/{first}/register.md",
        "published index": "/published/",
        "published version page": f"/published/{series}/v/1",
        "review page": review,
    }
    print(
        f"\nin this process (Flask test client, cache hit), CPU ms per request, best of {rounds} rounds of {per_round}"
    )
    baseline = None
    for name, path in pages.items():
        if (status := client.get(path).status_code) != 200:
            print(f"  {name:<31} status {status}: not measured")
            continue
        best = float("inf")
        for _ in range(rounds):
            start = time.process_time()
            for _ in range(per_round):
                client.get(path)
            best = min(best, (time.process_time() - start) / per_round * 1000)
        baseline = baseline or best
        print(f"  {name:<31} {best:>7.2f} ms {best / baseline:>7.1f}x trivial")
    best = min(_in_process_saves(client, first, per_round) for _ in range(rounds))
    print(f"  {'save (load the form, post it)':<31} {best:>7.2f} ms {best / baseline:>7.1f}x trivial (scores anew)")


def _in_process_saves(client, aid: str, count: int) -> float:
    """CPU ms per save round-trip in this process: load the form, post it changed."""
    path = f"/a/{aid}/profile/people"
    start = time.process_time()
    for n in range(count):
        hidden = _Hidden()
        hidden.feed(client.get(path).get_data(as_text=True))
        client.post(path, data={**hidden.fields, "PR-10": f"Residents, in-process save {n} {time.time()}"})
    return (time.process_time() - start) / count * 1000


def site_command(db: Path, publications: int, rounds: int = 3) -> None:
    """`forethought site` as a person runs it: a process of its own, wall and CPU time."""
    walls, cpus = [], []
    for _ in range(rounds):
        out = Path(tempfile.mkdtemp()) / "site"
        before, start = os.times(), time.perf_counter()
        subprocess.run([FORETHOUGHT, "site", str(out), "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
    print(
        f"\nforethought site ({publications} publications): wall {min(walls):.2f} s best, "
        f"{statistics.median(walls):.2f} s median; CPU {statistics.median(cpus):.2f} s median; "
        f"per publication {statistics.median(walls) / publications * 1000:.0f} ms wall, "
        f"{statistics.median(cpus) / publications * 1000:.0f} ms CPU"
    )


def header(args) -> None:
    print(
        f"bench_web: Python {platform.python_version()} on {platform.machine()}, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, {dt.datetime.now().isoformat(timespec='minutes')}"
    )
    options = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items())
    print(f"options: {options}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=1000)
    parser.add_argument("--publications", type=int, default=20)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--requests", type=int, default=40, help="requests per client per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", default="1,2", help="worker counts to run the server with, e.g. 1,2")
    args = parser.parse_args()
    header(args)

    db = Path(tempfile.mkdtemp()) / "bench.db"
    started = time.perf_counter()
    ids, series = seed(db, args.assessments, args.publications)
    print(
        f"seeded {len(ids):,} assessments and {len(series)} publications in {time.perf_counter() - started:.1f} s"
        f" ({db.stat().st_size / 1e6:.1f} MB); each request picks a random assessment (the cache holds 256)"
    )
    ctx = {"ids": ids, "series": series}
    for workers in [int(w) for w in args.workers.split(",")]:
        loopback(db, workers, ctx, args)
    in_process(db, ctx)
    site_command(db, len(series))


if __name__ == "__main__":
    main()
