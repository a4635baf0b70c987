"""Time scoring and register writing for a full assessment across every bundled bank.

    python bench/bench_engine.py [--runs N]

Prints the median and 95th percentile of each step, and each median as a
ratio to a baseline measured in the same run: parsing the assessment's JSON
text, the least any tool reading the file must do. Figures, not assertions:
nothing here fails a build.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forethought import __version__, banks, documents, engine, loading, register  # noqa: E402


def full_document(library: banks.Library) -> dict:
    """Every question in every bank answered, with every bank screened in.

    Choices take the middle option so scores spread across the matrix; texts
    and lists are a sentence long; mitigations alternate between statuses."""
    doc = documents.new_document(library, "2026-11-21")
    for q in library.questions.values():
        if q.type in ("single_choice", "multiple_choice"):
            values = [o.value for o in q.options]
            value = values[len(values) // 2]
            value = [value] if q.type == "multiple_choice" else value
        elif q.type == "yes_no":
            value = "yes"
        elif q.type == "text":
            value = "A sentence of free text that a project team might write here."[: q.max_length or 5000]
        elif q.type == "list":
            value = ["ocds-b5fd17-bench-0001"] if q.item_pattern else ["Contract schedule 4, clause 12"]
        elif q.type == "number":
            low = q.minimum or 0
            value = int(low + 30) if q.integer else low + 30.5
        else:
            value = "2027-04-01"
        doc["banks"][q.bank_id]["answers"][q.id] = {"value": value, "evidence": "https://example.org/evidence"}
    screening = {"PR-13": "yes", "PR-15": "yes", "PR-16": "yes", "PR-17": "decides", "PR-18": "digital_only"}
    for qid, value in screening.items():
        doc["banks"]["profile"]["answers"][qid]["value"] = value
    statuses = ["recommended", "planned", "in_place"]
    for bank in library.banks:
        doc["banks"][bank.id]["mitigations"] = {
            m.id: {"status": statuses[i % 3], "owner": "Head of Digital"} for i, m in enumerate(bank.mitigations)
        }
    checked, problems = documents.check(doc, library)
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    return checked


def timed(fn, runs: int) -> list[float]:
    fn()  # warm caches (templates, compiled schemas) so the figures show steady state
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    start = time.perf_counter()
    library = loading.load_library()
    load_ms = (time.perf_counter() - start) * 1000
    doc = full_document(library)
    text = documents.dumps(doc)
    result = engine.score(doc, library)

    def control():
        # Fixed pure-Python work: if its p95 is far above its median, the machine
        # stalled during the run and every p95 below is noise, not our code.
        total = 0
        for i in range(20000):
            total += i * i
        return total

    steps = {
        "baseline: parse the assessment JSON": lambda: json.loads(text),
        "control: fixed pure-Python loop": control,
        "check the document against its schema": lambda: documents.check(json.loads(text), library),
        "score": lambda: engine.score(doc, library),
        "write the Markdown register": lambda: register.markdown(doc, result, library),
        "write the CSV register": lambda: register.csv_text(result),
        "write the JSON export": lambda: register.json_text(doc, result, library),
        "all: parse, check, score, Markdown": lambda: register.markdown(
            doc, engine.score(documents.parse(text, library), library), library
        ),
    }
    questions = sum(len(b.questions) for b in library.all_banks)
    risks = sum(len(b.risks) for b in library.banks)
    print(f"Forethought {__version__} on Python {platform.python_version()} ({platform.machine()})")
    print(
        f"{len(library.banks)} banks and the profile: {questions} questions answered, {risks} risks, "
        f"{len(text):,} bytes of JSON; register {len(register.markdown(doc, result, library)):,} bytes"
    )
    print(f"Loading and checking the banks once: {load_ms:.0f} ms")
    print(f"{args.runs} runs of each step\n")
    print(f"{'step':<42} {'median ms':>10} {'p95 ms':>8} {'× baseline':>11}")
    baseline = None
    for name, fn in steps.items():
        samples = timed(fn, args.runs)
        median = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[18]
        baseline = baseline or median
        print(f"{name:<42} {median:>10.3f} {p95:>8.3f} {median / baseline:>10.1f}×")


if __name__ == "__main__":
    main()
