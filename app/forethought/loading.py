"""Loading banks: read the files, check them, and assemble a Library.

A bank file is checked in two passes. The JSON Schema
(`schemas/question-bank.schema.json`) checks shape and types; then
`checks.py` checks what a schema cannot. Every problem in every file is
reported at once. The bundled content, checked in full when the package is
built, is trusted by its hash at run time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import resources
from .banks import Library, build_bank
from .cache import Cache
from .canonical import canonical
from .checks import check_bank
from .files import display_name, read_json
from .method import ScoringMethod, check_method
from .problems import Problem, ProblemsFound

if TYPE_CHECKING:
    import jsonschema


def load_library(paths: Iterable[str | Path] | None = None, *, extra: Iterable[str | Path] = ()) -> Library:
    """Load and check banks and a scoring method; raise ProblemsFound on any problem.

    With no paths, the bundled questionnaires and scoring method. `extra`
    adds an organisation's own banks to whatever `paths` gives. Anything the
    given paths leave out (the profile, the scoring method) comes from the
    bundled content, so a single bank file can be checked on its own.
    """
    files = _expand(paths) if paths is not None else bundled_files()
    files += _expand(extra)
    library, problems = _load(files)
    if problems or library is None:
        raise ProblemsFound(problems)
    return library


def check_files(paths: Iterable[str | Path] | None = None) -> list[Problem]:
    """Every problem in the given files (or the bundled content), sorted."""
    files = _expand(paths) if paths is not None else bundled_files()
    _, problems = _load(files)
    return problems


@lru_cache(maxsize=1)
def bundled_library() -> Library:
    return load_library()


def bundled_files() -> list[Path]:
    """The bundled question banks, then the scoring method."""
    return sorted(resources.questionnaires_dir().glob("*.json")) + [resources.default_scoring_path()]


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        else:
            files.append(p)
    return files


@lru_cache(maxsize=4)
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    # jsonschema is imported only when something needs checking: it is slow to import.
    import jsonschema

    from .validation import inline_refs

    schema = inline_refs(json.loads(resources.schema_path(schema_name).read_text(encoding="utf-8")))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


# The bundled content's schema-check keys, written by `make generate` after a full check
# and kept true by a test: checking against the schemas is most of a new process's start-up.
TRUSTED_FILE = "bundled.sha256"

_SCHEMA_CHECKED = Cache(size=256)


def schema_check_key(data: Any, schema_name: str) -> str:
    """What a schema check of `data` depends on, hashed: the schema file and the content."""
    schema = resources.schema_path(schema_name).read_bytes()
    return hashlib.sha256(hashlib.sha256(schema).digest() + canonical(data)).hexdigest()


@lru_cache(maxsize=1)
def _trusted() -> frozenset[str]:
    path = resources.schema_path(TRUSTED_FILE)
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip() and not line.startswith("#"))


def _schema_problems_cached(data: Any, schema_name: str, name: str, trust: bool = True) -> list[Problem]:
    """Schema problems. Content checked when the package was built (the bundled banks, and
    anything identical to them) is trusted by its hash; other content is checked, and the
    result remembered, since a process (the test suite, the web app) loads the same files often."""
    key = schema_check_key(data, schema_name)
    if trust and key in _trusted():
        return []
    from .validation import schema_problems

    return _SCHEMA_CHECKED.get_or_make((key, name), lambda: schema_problems(data, _validator(schema_name), name))


def trusted_manifest() -> str:
    """The bundled content checked in full against its schemas, as the lines of TRUSTED_FILE.
    Raises ProblemsFound if anything fails, so only content that passes is ever trusted."""
    lines = ["# sha256(sha256(schema) + canonical JSON)  file: written by `make generate`"]
    problems = []
    for path in bundled_files():
        data, found = read_json(path)
        schema_name = "scoring-method.schema.json" if path.parent.name == "scoring" else "question-bank.schema.json"
        found = found or _schema_problems_cached(data, schema_name, display_name(path), trust=False)
        problems += found
        if not found:
            lines.append(f"{schema_check_key(data, schema_name)}  {path.parent.name}/{path.name}")
    if problems:
        raise ProblemsFound(problems)
    return "\n".join(lines) + "\n"


def _load(files: list[Path]) -> tuple[Library | None, list[Problem]]:
    """Read the files, then check them; the bundled content fills any gap."""
    problems: list[Problem] = []
    items: list[tuple[str, Any]] = []
    for path in files:
        data, read_problems = read_json(path)
        problems += read_problems
        if not read_problems:
            items.append((display_name(path), data))
    library, found = _check(items, fill_from_bundled=True)
    return library, sorted(problems + found)


def library_from_data(items: list[tuple[str, Any]]) -> tuple[Library | None, list[Problem]]:
    """A library from bank and scoring definitions already in memory, such as
    those a published assessment carries: checked exactly as files are, and
    with nothing filled in from the bundled content."""
    library, problems = _check(items, fill_from_bundled=False)
    return library, sorted(problems)


def _check(items: list[tuple[str, Any]], fill_from_bundled: bool) -> tuple[Library | None, list[Problem]]:
    profiles, risk_banks, methods, problems = _sort_by_kind(items)
    if fill_from_bundled:
        _fill_from_bundled(profiles, methods)
    elif not methods:
        problems.append(Problem("(definitions)", "", "no scoring method is included"))
    problems += _one_each(profiles, "project profile") + _one_each(methods, "scoring method")
    if not profiles:
        if not fill_from_bundled:
            problems.append(Problem("(definitions)", "", "no project profile is included"))
        return None, problems

    profile_name, profile_data = profiles[0]
    problems += check_bank(profile_data, profile_name, None)
    good_banks, found = _check_risk_banks(risk_banks, profile_name, profile_data)
    problems += found
    if problems or not methods:
        return None, problems
    method = ScoringMethod.from_data(methods[0][1], methods[0][0])
    profile = build_bank(profile_data, profile_name)
    banks = tuple(sorted((build_bank(d, n) for n, d in good_banks), key=lambda b: b.id))
    return Library(profile=profile, banks=banks, method=method), []


Named = list[tuple[str, dict]]


def _sort_by_kind(items: list[tuple[str, Any]]) -> tuple[Named, Named, Named, list[Problem]]:
    """Profiles, risk banks and scoring methods that pass their schema, and the problems of the rest."""
    profiles: Named = []
    risk_banks: Named = []
    methods: Named = []
    problems: list[Problem] = []
    for name, data in items:
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind == "scoring":
            found = _schema_problems_cached(data, "scoring-method.schema.json", name) or check_method(data, name)
            (problems.extend(found) if found else methods.append((name, data)))
        elif kind in ("profile", "risk"):
            found = _schema_problems_cached(data, "question-bank.schema.json", name)
            (problems.extend(found) if found else (profiles if kind == "profile" else risk_banks).append((name, data)))
        else:
            where = "/kind" if isinstance(data, dict) and "kind" in data else ""
            message = 'kind must be "profile" or "risk" for a question bank, or "scoring" for a scoring method'
            problems.append(Problem(name, where, message))
    return profiles, risk_banks, methods, problems


def _fill_from_bundled(profiles: Named, methods: Named) -> None:
    """Whatever the given files leave out comes from the bundled content."""
    if not profiles:
        for path in bundled_files():
            data, _ = read_json(path)
            if isinstance(data, dict) and data.get("kind") == "profile":
                profiles.append((display_name(path), data))
    if not methods:
        path = resources.default_scoring_path()
        methods.append((display_name(path), read_json(path)[0]))


def _one_each(found: Named, what: str) -> list[Problem]:
    return [Problem(name, "/kind", f"a second {what}; {found[0][0]} is already in use") for name, _ in found[1:]]


def _check_risk_banks(risk_banks: Named, profile_name: str, profile_data: dict) -> tuple[Named, list[Problem]]:
    """The risk banks with no problems, and every problem: their own, and ids or prefixes used twice."""
    profile_questions = {q["id"]: q for s in profile_data["sections"] for q in s["questions"]}
    seen: dict[str, dict[str, str]] = {
        "id": {profile_data["id"]: profile_name},
        "prefix": {profile_data["prefix"]: profile_name},
    }
    good: Named = []
    problems: list[Problem] = []
    for name, data in risk_banks:
        found = check_bank(data, name, profile_questions)
        for key, label in (("id", "bank id"), ("prefix", "prefix")):
            if data[key] in seen[key]:
                found.append(
                    Problem(name, f"/{key}", f"{label} {data[key]!r} is already used by {seen[key][data[key]]}")
                )
            seen[key].setdefault(data[key], name)
        problems += found
        if not found:
            good.append((name, data))
    return good, problems
