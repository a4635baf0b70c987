"""CPU and wall time of the public listing with many publications, against the trivial route.

    .venv/bin/python bench/bench_public.py [--counts 1000,10000] [--rounds 7] [--requests 20]

Seeds one fresh SQLite file with publications through the store's own insert path
(`Store.add_published`: the same published example under a new id, title and organisation each
time, so seeding costs no scoring), then, in this process with Flask's test client after a
warm-up, times /healthz and several /published/ pages: per request, CPU (process time) and wall
time, best and median of --rounds rounds of --requests requests, each as a ratio to /healthz in
the same run. The database grows to each count in turn. A fixed pure-Python control loop is
timed before every round; its spread says how noisy the host was. Figures only: no assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))

from forethought.loading import bundled_library  # noqa: E402
from forethought.publishing import reading  # noqa: E402
from forethought.store import Store  # noqa: E402
from forethought.web import create_app  # noqa: E402

EXAMPLE = ROOT / "examples" / "published" / "cctv-upgrade.v1.json"
ORGANISATIONS = ["Anytown Borough Council", "Eastshire County Council", "Northshire Police", "Westville NHS Trust"]


def seed(store: Store, start: int, stop: int) -> None:
    """Publications start..stop-1: the example, each under its own id, title and organisation."""
    document = json.loads(EXAMPLE.read_text())
    for i in range(start, stop):
        copy = {
            **document,
            "publication": {
                **document["publication"],
                "id": f"bench-{i:05d}",
                "published_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00+00:00",
            },
            "title": f"Benchmark project {i}",
            "organisation": ORGANISATIONS[i % len(ORGANISATIONS)],
        }
        store.add_published(copy, reading.summary(copy))


def control_loop() -> float:
    """Seconds for a fixed piece of pure-Python work: slower only when the host takes the CPU away."""
    start = time.perf_counter()
    total = 0
    for i in range(100_000):
        total += i * i
    return time.perf_counter() - start


def measure(client, path: str, rounds: int, requests: int, controls: list[float], change=None) -> dict:
    """CPU and wall ms per request of `path`: best and median of the rounds. With `change`, a
    write before every request (not timed) makes each one the first after a change, so nothing
    kept from the last is used."""
    cpu, wall = [], []
    for _ in range(3):
        client.get(path)  # warm-up: caches, templates, SQLite's pages
    for _ in range(rounds):
        controls.append(control_loop())
        spent_cpu = spent_wall = 0.0
        for n in range(requests):
            if change:
                change(n)
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            response = client.get(path)
            spent_cpu += time.process_time() - start_cpu
            spent_wall += time.perf_counter() - start_wall
        cpu.append(spent_cpu / requests * 1000)
        wall.append(spent_wall / requests * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return {"cpu": (min(cpu), statistics.median(cpu)), "wall": (min(wall), statistics.median(wall))}


def report(count: int, results: dict[str, dict], controls: list[float]) -> None:
    base = results["/healthz"]
    print(f"\n{count:,} publications: ms per request (best / median of rounds), and x /healthz in the same run")
    print(
        f"  {'route':<62} {'CPU best':>9} {'median':>8} {'x':>7} {'x med':>7} {'wall best':>10} {'median':>8} {'x':>7}"
    )
    for path, r in results.items():
        (cb, cm), (wb, wm) = r["cpu"], r["wall"]
        print(
            f"  {path:<62} {cb:>9.3f} {cm:>8.3f} {cb / base['cpu'][0]:>6.1f}x {cm / base['cpu'][1]:>6.1f}x"
            f" {wb:>10.3f} {wm:>8.3f} {wb / base['wall'][0]:>6.1f}x"
        )
    best = min(controls)
    print(
        f"  host noise: control loop {best * 1000:.2f} ms best, median {statistics.median(controls) / best:.2f}x"
        f" and worst {max(controls) / best:.2f}x its best over {len(controls)} rounds"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        client = create_app(store, bundled_library()).test_client()
        seeded = 0
        for count in counts:
            start = time.perf_counter()
            seed(store, seeded, count)
            print(f"seeded {count - seeded:,} publications in {time.perf_counter() - start:.1f} s")
            seeded = count
            last = -(-count // 50)
            paths = [
                "/healthz",
                "/published/",
                f"/published/?page={last}",
                "/published/?q=project+12",
                "/published/?organisation=Northshire+Police&bank=surveillance&page=2",
                "/published/feed.atom",
            ]
            controls: list[float] = []
            results = {p: measure(client, p, args.rounds, args.requests, controls) for p in paths}
            for path in ("/published/", "/published/?q=project+12", "/published/feed.atom"):
                results[f"{path} (first after a change)"] = measure(
                    client, path, args.rounds, args.requests, controls, lambda n: store.set_setting("bench", str(n))
                )
            report(count, results, controls)


if __name__ == "__main__":
    main()
