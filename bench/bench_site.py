"""`forethought site` over many publications: a first build, a rebuild with nothing changed, and a
rebuild after one new publication and one withdrawal.

    .venv/bin/python bench/bench_site.py [--publications 1000] [--rounds 3]

Seeds one SQLite file through the store's own insert path (`Store.add_published`): the published
examples, each under a new id, title and organisation, with every hash recomputed (so each one
verifies, as a real publication does; they are unsigned). Each build runs `forethought site` as a
person runs it, in a process of its own, and reports wall and CPU time (the child's user + system),
best and median of --rounds. A fixed pure-Python control loop is timed before each round: its
spread says how noisy the host was. Figures only: no assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))

from forethought.publishing import publish, reading  # noqa: E402
from forethought.store import Store  # noqa: E402

FORETHOUGHT = str(Path(sys.executable).parent / "forethought")
EXAMPLES = sorted((ROOT / "examples" / "published").glob("*.v1.json"))
ORGANISATIONS = ["Anytown Borough Council", "Eastshire County Council", "Northshire Police", "Westville NHS Trust"]


def copy_of(document: dict, i: int) -> dict:
    """The example as publication i: its own id, title and organisation, hashes recomputed."""
    copy = {k: v for k, v in document.items() if k not in ("signature", "withdrawal")}
    copy["publication"] = {
        **document["publication"],
        "id": f"bench-{i:05d}",
        "published_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00+00:00",
    }
    copy["title"] = f"Benchmark project {i}"
    copy["organisation"] = ORGANISATIONS[i % len(ORGANISATIONS)]
    copy["integrity"] = publish.integrity(copy)
    return copy


def seed(store: Store, start: int, stop: int) -> None:
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    for i in range(start, stop):
        copy = copy_of(documents[i % len(documents)], i)
        store.add_published(copy, reading.summary(copy))


def control_loop() -> float:
    """Seconds for a fixed piece of pure-Python work: slower only when the host takes the CPU away."""
    start = time.perf_counter()
    total = 0
    for i in range(100_000):
        total += i * i
    return time.perf_counter() - start


def run_site(out: Path, db: Path) -> tuple[float, float, str]:
    """One `forethought site` run: wall seconds, CPU seconds, and its last line of output."""
    before, start = os.times(), time.perf_counter()
    # The checkout this file is in, whatever the virtual environment has installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "app"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [FORETHOUGHT, "site", str(out), "--db", str(db)], check=True, capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - start
    after = os.times()
    cpu = after.children_user - before.children_user + after.children_system - before.children_system
    return wall, cpu, done.stdout.strip().splitlines()[-1]


def report(name: str, runs: list[tuple[float, float, str]], count: int) -> None:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    print(
        f"  {name:<44} wall {min(walls):6.2f} s best, {statistics.median(walls):6.2f} s median;"
        f" CPU {min(cpus):6.2f} s best, {statistics.median(cpus):6.2f} s median;"
        f" {statistics.median(cpus) / count * 1000:5.1f} ms CPU per publication"
    )
    print(f"    {runs[-1][2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publications", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    db = folder / "bench.db"
    started = time.perf_counter()
    seed(Store(db), 0, args.publications)
    print(
        f"bench_site: {args.publications} publications seeded in {time.perf_counter() - started:.1f} s "
        f"({db.stat().st_size / 1e6:.0f} MB), {os.cpu_count()} CPUs"
    )
    controls: list[float] = []
    first, unchanged, changed = [], [], []
    for n in range(args.rounds):
        out = folder / f"site-{n}"
        controls.append(control_loop())
        first.append(run_site(out, db))
        controls.append(control_loop())
        unchanged.append(run_site(out, db))
        # One new publication and one withdrawal, then the same folder again.
        store = Store(db)
        seed(store, args.publications + n, args.publications + n + 1)
        store.withdraw(f"bench-{n:05d}", 1, "Withdrawn for the benchmark", "Benchmark")
        controls.append(control_loop())
        changed.append(run_site(out, db))
        shutil.rmtree(out)
    print(f"forethought site, {args.rounds} rounds:")
    report("first build", first, args.publications)
    report("rebuild, nothing changed", unchanged, args.publications)
    report("rebuild, one new and one withdrawn", changed, args.publications)
    spread = max(controls) / min(controls)
    print(
        f"control loop: best {min(controls) * 1000:.1f} ms, worst {spread:.1f}x its best"
        + (" (noisy host)" if spread > 1.5 else "")
    )


if __name__ == "__main__":
    main()
