"""Time a new `forethought` process: start-up and a whole command, against `python -c pass`.

    python bench/bench_startup.py [--runs N]

Each command runs N times in its own process, as a person runs it, and the CPU time of
each (user + system, from the operating system's account of the child) is printed beside
its wall time, best and median, with each as a ratio to `python -c pass` measured in the
same run. Bytecode is written to and read from a temporary folder, as an installed wheel
has its bytecode compiled: without it every run would compile every module again (the
machines here set PYTHONDONTWRITEBYTECODE). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cctv-upgrade.json"
# A bundled bank: trusted by its hash, as the bundled content is at run time.
BANK = ROOT / "questionnaires" / "surveillance.json"
# What the console script does, without needing it on the PATH.
CLI = "import sys; from forethought.cli import cli; sys.argv[0] = 'forethought'; cli()"
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import jsonschema": ["-c", "import jsonschema"],
    "forethought --help": ["-c", CLI, "--help"],
    "forethought validate BANK": ["-c", CLI, "validate", str(BANK)],
    "forethought score FILE": ["-c", CLI, "score", str(EXAMPLE)],
}


def run_once(args: list[str], env: dict) -> tuple[float, float]:
    """CPU and wall milliseconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{args} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        env["PYTHONPATH"] = str(ROOT / "app")
        for args in COMMANDS.values():  # write the bytecode once, as an install does
            run_once(args, env)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
        for _ in range(runs):  # interleaved, so a stall on the host hits every command alike
            for name, args in COMMANDS.items():
                samples[name].append(run_once(args, env))
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, {runs} runs each")
    base = samples["python -c pass"]
    base_best, base_median = min(c for c, _ in base), statistics.median(c for c, _ in base)
    print(f"{'command':28} {'CPU best':>9} {'median':>8} {'wall median':>12} {'ratio best':>11} {'ratio median':>13}")
    for name, found in samples.items():
        cpu = [c for c, _ in found]
        wall = [w for _, w in found]
        print(
            f"{name:28} {min(cpu):7.1f}ms {statistics.median(cpu):6.1f}ms {statistics.median(wall):10.1f}ms"
            f" {min(cpu) / base_best:10.1f}x {statistics.median(cpu) / base_median:12.1f}x"
        )
    stall = max(w - c for c, w in base)
    print(f"Host stall: the baseline's worst wall-minus-CPU was {stall:.1f} ms (a quiet host gives a few ms).")


if __name__ == "__main__":
    main()
