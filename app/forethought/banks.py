"""Question banks: load them, check them, and hold them as plain objects.

A bank file is checked in two passes. The JSON Schema
(`schemas/question-bank.schema.json`) checks shape and types. Then this module
checks what a schema cannot: unique ids, conditions that point at earlier
questions and real options, no cycles, cited sources that exist, scoring rules
that fit their questions, and risks that answers can actually reach. Every
problem in every file is reported at once, each with the file and a JSON
pointer.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import conditions, resources
from .canonical import canonical, digest, without_schema_key
from .method import ScoringMethod, check_method
from .problems import Problem, ProblemsFound, pointer

if TYPE_CHECKING:
    import jsonschema

YES_NO = ("yes", "no")
CHOICE_TYPES = ("single_choice", "multiple_choice", "yes_no")


# --- The model -------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    bank_id: str
    section_id: str
    type: str
    prompt: str
    short: str
    hint: str | None
    required: bool
    show_when: dict | None
    evidence: str | None
    bidder_question: str | None
    sources: tuple[str, ...]
    options: tuple[Option, ...]
    dont_know: bool
    not_decided: bool = False
    multiline: bool = False
    max_length: int | None = None
    item_pattern: str | None = None
    item_pattern_message: str | None = None
    max_items: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    unit: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """Every value an answer may hold, "don't know" included where offered."""
        base: tuple[str, ...]
        if self.type == "yes_no":
            base = YES_NO
        else:
            base = tuple(o.value for o in self.options)
        return (
            base
            + ((conditions.DONT_KNOW,) if self.dont_know else ())
            + ((conditions.NOT_DECIDED,) if self.not_decided else ())
        )

    def label_of(self, value: Any) -> str:
        """The words a person chose, for any stored value."""
        if value is None:
            return "not answered"
        if isinstance(value, list):
            if self.type == "multiple_choice":
                return "; ".join(self.label_of(v) for v in value)
            return "; ".join(str(v) for v in value)
        if value == conditions.DONT_KNOW and self.dont_know:
            return "Don't know"
        if value == conditions.NOT_DECIDED and self.not_decided:
            return "Not decided yet: ask bidders"
        if self.type == "yes_no":
            return {"yes": "Yes", "no": "No"}.get(value, str(value))
        for option in self.options:
            if option.value == value:
                return option.label
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value} {self.unit}" if self.unit else str(value)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str | None
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str | None = None
    date: str | None = None
    note: str | None = None
    checked: str | None = None  # when someone last checked it still says what the bank relies on


@dataclass(frozen=True)
class Driver:
    question: str
    points: dict | None
    bands: tuple[tuple[float, int], ...]  # for a number question; () when points are given
    when: dict | None
    note: str | None

    @property
    def max_points(self) -> int:
        if self.points is not None:
            return max(self.points.values())
        return max(points for _, points in self.bands)


@dataclass(frozen=True)
class Factor:
    base: int
    drivers: tuple[Driver, ...]
    note: str | None = None


@dataclass(frozen=True)
class RedFlag:
    id: str
    when: dict
    reason: str
    cleared_by: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Risk:
    id: str
    bank_id: str
    title: str
    category: str | None
    cause: str
    event: str
    effect: str
    harmed: str
    applies_when: dict | None
    likelihood: Factor
    impact: Factor
    red_flags: tuple[RedFlag, ...]
    sources: tuple[str, ...]
    statement: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "statement",
            (
                f"Because {_lower_first(self.cause)}, there is a risk that "
                f"{_lower_first(self.event)}, leading to {_lower_first(self.effect)}"
            ),
        )


@dataclass(frozen=True)
class Lowering:
    risk: str
    likelihood: int
    impact: int


@dataclass(frozen=True)
class Mitigation:
    id: str
    bank_id: str
    action: str
    where: str  # "contract" or "governance"
    applies_when: dict | None
    in_place_when: dict | None
    lowers: tuple[Lowering, ...]
    sources: tuple[str, ...]

    def lowering_for(self, risk_id: str) -> Lowering | None:
        for lowering in self.lowers:
            if lowering.risk == risk_id:
                return lowering
        return None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Bank:
    id: str
    kind: str  # "profile" or "risk"
    prefix: str
    title: str
    version: str
    summary: str
    applies_when: dict | None
    not_applicable_reason: str | None
    sources: dict[str, Source]
    sections: tuple[Section, ...]
    questions: dict[str, Question]
    risks: tuple[Risk, ...]
    mitigations: tuple[Mitigation, ...]
    path: str
    content_hash: str
    data: dict = field(repr=False, compare=False)
    changelog: tuple[dict, ...] = ()  # {"version", "date", "changes"}, newest first

    def mitigations_for(self, risk_id: str) -> list[Mitigation]:
        return [m for m in self.mitigations if m.lowering_for(risk_id)]

    def counts(self) -> dict:
        return {
            "questions": len(self.questions),
            "risks": len(self.risks),
            "mitigations": len(self.mitigations),
            "sources": len(self.sources),
            "red_flags": sum(len(r.red_flags) for r in self.risks),
        }


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Library:
    """The banks an assessment is scored against: the project profile, the
    risk banks (sorted by id) and the scoring method."""

    profile: Bank
    banks: tuple[Bank, ...]
    method: ScoringMethod
    questions: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Question] = {}
        for bank in self.all_banks:
            index.update(bank.questions)
        object.__setattr__(self, "questions", index)

    @property
    def all_banks(self) -> tuple[Bank, ...]:
        return (self.profile,) + self.banks

    def bank(self, bank_id: str) -> Bank:
        for bank in self.all_banks:
            if bank.id == bank_id:
                return bank
        raise KeyError(bank_id)


def _lower_first(text: str) -> str:
    text = text.strip().rstrip(".")
    # Keep acronyms and names ("ICO", "DPIA") as written.
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def content_hash(data: dict) -> str:
    """The digest of the bank's canonical JSON, so a register pins the exact method."""
    return digest(without_schema_key(data))


# --- Loading -----------------------------------------------------------------


def load_library(paths: Iterable[str | Path] | None = None, *, extra: Iterable[str | Path] = ()) -> Library:
    """Load and check banks and a scoring method; raise ProblemsFound on any problem.

    With no paths, the bundled questionnaires and scoring method. `extra`
    adds an organisation's own banks to whatever `paths` gives. Anything the
    given paths leave out (the profile, the scoring method) comes from the
    bundled content, so a single bank file can be checked on its own.
    """
    files = _expand(paths) if paths is not None else _bundled_files()
    files += _expand(extra)
    library, problems = _load(files)
    if problems or library is None:
        raise ProblemsFound(problems)
    return library


def check_files(paths: Iterable[str | Path] | None = None) -> list[Problem]:
    """Every problem in the given files (or the bundled content), sorted."""
    files = _expand(paths) if paths is not None else _bundled_files()
    _, problems = _load(files)
    return problems


@lru_cache(maxsize=1)
def bundled_library() -> Library:
    return load_library()


def _bundled_files() -> list[Path]:
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


def read_json(path: Path) -> tuple[Any, list[Problem]]:
    """Parse a JSON file; a problem rather than an exception if it cannot be read."""
    name = display_name(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(name, "", "file not found")]
    except OSError as e:
        return None, [Problem(name, "", f"cannot be read ({e.strerror})")]
    return parse_json(content, name)


def parse_json(content: bytes | str, name: str) -> tuple[Any, list[Problem]]:
    """Parse JSON from a file's bytes (or text); a problem rather than an exception.
    UTF-8 only, a byte-order mark allowed: json.loads would otherwise guess
    UTF-16 or UTF-32 from the first bytes of any binary file."""
    try:
        return json.loads(content.decode("utf-8-sig") if isinstance(content, bytes) else content), []
    except UnicodeDecodeError:
        return None, [Problem(name, "", "not UTF-8 text")]
    except json.JSONDecodeError as e:
        return None, [Problem(name, f"line {e.lineno} column {e.colno}", f"not valid JSON: {e.msg}")]


def display_name(path: Path) -> str:
    """A path as a person typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# The bundled content's schema-check keys, written by `make generate` after a full check
# and kept true by a test: checking against the schemas is most of a new process's start-up.
TRUSTED_FILE = "bundled.sha256"

_SCHEMA_CHECKED: dict[tuple[str, str], list[Problem]] = {}


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
    if (key, name) not in _SCHEMA_CHECKED:
        if len(_SCHEMA_CHECKED) > 256:
            _SCHEMA_CHECKED.clear()
        from .validation import schema_problems

        _SCHEMA_CHECKED[(key, name)] = schema_problems(data, _validator(schema_name), name)
    return _SCHEMA_CHECKED[(key, name)]


def trusted_manifest() -> str:
    """The bundled content checked in full against its schemas, as the lines of TRUSTED_FILE.
    Raises ProblemsFound if anything fails, so only content that passes is ever trusted."""
    lines = ["# sha256(sha256(schema) + canonical JSON)  file: written by `make generate`"]
    problems = []
    for path in _bundled_files():
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
    problems += _check_bank(profile_data, profile_name, None)
    good_banks, found = _check_risk_banks(risk_banks, profile_name, profile_data)
    problems += found
    if problems or not methods:
        return None, problems
    method = ScoringMethod.from_data(methods[0][1], methods[0][0])
    profile = _build_bank(profile_data, profile_name)
    banks = tuple(sorted((_build_bank(d, n) for n, d in good_banks), key=lambda b: b.id))
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
        for path in _bundled_files():
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
        found = _check_bank(data, name, profile_questions)
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


# --- Checks a schema cannot make ---------------------------------------------


class _Checker:
    def __init__(self, data: dict, name: str, profile_questions: dict | None):
        self.data = data
        self.name = name
        self.prefix = data["prefix"]
        self.is_profile = profile_questions is None
        self.profile_questions = profile_questions or {}
        self.problems: list[Problem] = []
        self.questions: dict[str, dict] = {}
        self.position: dict[str, int] = {}
        self.question_ptr: dict[str, str] = {}
        for s, section in enumerate(data["sections"]):
            for q, question in enumerate(section["questions"]):
                qid = question["id"]
                if qid not in self.questions:
                    self.questions[qid] = question
                    self.position[qid] = len(self.position)
                    self.question_ptr[qid] = pointer("sections", s, "questions", q)
        self.source_ids = {s["id"] for s in data["sources"]}
        self.risk_ids = {r["id"] for r in data.get("risks", [])}
        self.mitigation_ids = {m["id"] for m in data.get("mitigations", [])}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.name, where, message))

    def lookup(self, qid: str) -> dict | None:
        return self.questions.get(qid) or self.profile_questions.get(qid)

    def run(self) -> list[Problem]:
        self.check_unique_ids()
        self.check_prefixes()
        self.check_sources()
        self.check_questions()
        self.check_cycles()
        if "applies_when" in self.data:
            self.check_condition(self.data["applies_when"], "/applies_when", profile_only=True)
        self.check_risks()
        self.check_mitigations()
        self.check_reachable()
        return self.problems

    def check_unique_ids(self) -> None:
        def dupes(items: list[tuple[str, str]], what: str) -> None:
            counts = Counter(i for i, _ in items)
            first: set[str] = set()
            for item_id, where in items:
                if counts[item_id] > 1:
                    if item_id in first:
                        self.problem(where, f"duplicate {what} id {item_id!r}")
                    first.add(item_id)

        data = self.data
        dupes([(s["id"], pointer("sources", i, "id")) for i, s in enumerate(data["sources"])], "source")
        dupes([(s["id"], pointer("sections", i, "id")) for i, s in enumerate(data["sections"])], "section")
        dupes(
            [
                (q["id"], pointer("sections", s, "questions", i, "id"))
                for s, sec in enumerate(data["sections"])
                for i, q in enumerate(sec["questions"])
            ],
            "question",
        )
        dupes([(r["id"], pointer("risks", i, "id")) for i, r in enumerate(data.get("risks", []))], "risk")
        dupes(
            [(m["id"], pointer("mitigations", i, "id")) for i, m in enumerate(data.get("mitigations", []))],
            "mitigation",
        )
        dupes(
            [
                (f["id"], pointer("risks", i, "red_flags", j, "id"))
                for i, r in enumerate(data.get("risks", []))
                for j, f in enumerate(r.get("red_flags", []))
            ],
            "red flag",
        )
        for qid, question in self.questions.items():
            options = question.get("options", [])
            dupes(
                [(o["value"], self.question_ptr[qid] + pointer("options", i, "value")) for i, o in enumerate(options)],
                "option",
            )
        for qid in self.profile_questions:
            if qid in self.questions:
                self.problem(
                    self.question_ptr[qid] + "/id", f"question id {qid!r} is already used by the project profile"
                )

    def check_prefixes(self) -> None:
        prefix = self.prefix + "-"
        data = self.data
        items = [(qid, self.question_ptr[qid] + "/id") for qid in self.questions]
        items += [(r["id"], pointer("risks", i, "id")) for i, r in enumerate(data.get("risks", []))]
        items += [(m["id"], pointer("mitigations", i, "id")) for i, m in enumerate(data.get("mitigations", []))]
        items += [
            (f["id"], pointer("risks", i, "red_flags", j, "id"))
            for i, r in enumerate(data.get("risks", []))
            for j, f in enumerate(r.get("red_flags", []))
        ]
        for item_id, where in items:
            if not item_id.startswith(prefix):
                self.problem(where, f"id {item_id!r} must start with the bank prefix {prefix!r}")

    def check_sources(self) -> None:
        def cited(refs: list[str], where: str) -> None:
            for i, ref in enumerate(refs):
                if ref not in self.source_ids:
                    self.problem(
                        f"{where}/sources/{i}", f"cites source {ref!r}, which the bank does not list under sources"
                    )

        for qid, question in self.questions.items():
            where = self.question_ptr[qid]
            cited(question.get("sources", []), where)
            if not self.is_profile and not question.get("sources"):
                self.problem(
                    where, f"question {qid} cites no source: every question in a risk bank must cite at least one"
                )
        for i, risk in enumerate(self.data.get("risks", [])):
            cited(risk.get("sources", []), pointer("risks", i))
            for j, flag in enumerate(risk.get("red_flags", [])):
                cited(flag.get("sources", []), pointer("risks", i, "red_flags", j))
        for i, mitigation in enumerate(self.data.get("mitigations", [])):
            cited(mitigation.get("sources", []), pointer("mitigations", i))

    def check_questions(self) -> None:
        for qid, question in self.questions.items():
            where = self.question_ptr[qid]
            if "show_when" in question:
                self.check_condition(question["show_when"], where + "/show_when", before=qid)
            if question["type"] == "number" and "minimum" in question and "maximum" in question:
                if question["minimum"] > question["maximum"]:
                    self.problem(where + "/maximum", "maximum is below minimum")
            if question.get("bidder_question") and self.is_profile:
                self.problem(where + "/bidder_question", "the project profile does not put questions to bidders")

    def check_condition(
        self, condition: dict, where: str, *, before: str | None = None, profile_only: bool = False
    ) -> None:
        for leaf, path in conditions.leaves(condition):
            at = where + pointer(*path)
            qid = leaf["question"]
            question = self.lookup(qid)
            if question is None:
                self.problem(at + "/question", f"refers to question {qid!r}, which does not exist{self._suggest(qid)}")
                continue
            if profile_only and qid not in self.profile_questions:
                self.problem(at + "/question", f"screening can only use project-profile answers, not {qid!r}")
                continue
            if before is not None and qid in self.questions and self.position[qid] >= self.position[before]:
                what = "itself" if qid == before else f"{qid!r}, which comes later"
                self.problem(at + "/question", f"depends on {what}: a question can only depend on earlier answers")
            self.check_test(leaf, question, at)

    def check_test(self, leaf: dict, question: dict, at: str) -> None:
        qtype = question["type"]
        qid = question["id"]
        if "in" in leaf:
            if qtype not in CHOICE_TYPES:
                self.problem(at + "/in", f"'in' tests a choice, but {qid} is a {qtype} question")
                return
            valid = _option_values(question)
            for i, value in enumerate(leaf["in"]):
                if value in conditions.UNKNOWN_VALUES:
                    self.problem(
                        at + f"/in/{i}",
                        'conditions cannot test for "don\'t know" or "not decided": each already counts both ways',
                    )
                elif value not in valid:
                    self.problem(at + f"/in/{i}", f"{qid} has no option {value!r} (its options: {', '.join(valid)})")
        elif "at_least" in leaf or "at_most" in leaf:
            if qtype != "number":
                test = "at_least" if "at_least" in leaf else "at_most"
                self.problem(at + "/" + test, f"'{test}' compares numbers, but {qid} is a {qtype} question")

    def _suggest(self, qid: str) -> str:
        close = difflib.get_close_matches(qid, list(self.questions) + list(self.profile_questions), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def check_cycles(self) -> None:
        graph = {
            qid: sorted({leaf["question"] for leaf, _ in conditions.leaves(q["show_when"])} & set(self.questions))
            for qid, q in self.questions.items()
            if "show_when" in q
        }
        state: dict[str, int] = {}
        reported: set[frozenset] = set()

        def visit(node: str, trail: list[str]) -> None:
            state[node] = 1
            for nxt in graph.get(node, []):
                if state.get(nxt) == 1:
                    cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.problem(
                            self.question_ptr[nxt] + "/show_when", "conditions form a cycle: " + " → ".join(cycle)
                        )
                elif state.get(nxt) is None:
                    visit(nxt, trail + [nxt])
            state[node] = 2

        for qid in graph:
            if state.get(qid) is None:
                visit(qid, [qid])

    def check_risks(self) -> None:
        for i, risk in enumerate(self.data.get("risks", [])):
            if "applies_when" in risk:
                self.check_condition(risk["applies_when"], pointer("risks", i, "applies_when"))
            for factor in ("likelihood", "impact"):
                for j, driver in enumerate(risk[factor]["drivers"]):
                    self.check_driver(driver, pointer("risks", i, factor, "drivers", j))
            for j, flag in enumerate(risk.get("red_flags", [])):
                where = pointer("risks", i, "red_flags", j)
                self.check_condition(flag["when"], where + "/when")
                for k, mid in enumerate(flag.get("cleared_by", [])):
                    if mid not in self.mitigation_ids:
                        self.problem(where + f"/cleared_by/{k}", f"mitigation {mid!r} does not exist")

    def check_driver(self, driver: dict, where: str) -> None:
        qid = driver["question"]
        question = self.lookup(qid)
        if question is None:
            self.problem(where + "/question", f"refers to question {qid!r}, which does not exist{self._suggest(qid)}")
            return
        qtype = question["type"]
        if "points" in driver:
            if qtype not in CHOICE_TYPES:
                self.problem(
                    where + "/points",
                    f"points need a choice or yes/no question, but {qid} is a {qtype} question (use bands for numbers)",
                )
            else:
                valid = _option_values(question)
                for value in driver["points"]:
                    if value in conditions.UNKNOWN_VALUES:
                        self.problem(
                            where + "/points/" + value,
                            '"don\'t know" and "not decided" score both ways; they take no points of their own',
                        )
                    elif value not in valid:
                        self.problem(
                            where + "/points/" + value,
                            f"{qid} has no option {value!r} (its options: {', '.join(valid)})",
                        )
        if "bands" in driver:
            if qtype != "number":
                self.problem(where + "/bands", f"bands need a number question, but {qid} is a {qtype} question")
            thresholds = [b["at_least"] for b in driver["bands"]]
            if thresholds != sorted(set(thresholds)):
                self.problem(where + "/bands", "bands must go up: each at_least higher than the one before")
        if "when" in driver:
            self.check_condition(driver["when"], where + "/when")

    def check_mitigations(self) -> None:
        lowered: set[str] = set()
        for i, mitigation in enumerate(self.data.get("mitigations", [])):
            where = pointer("mitigations", i)
            for key in ("applies_when", "in_place_when"):
                if key in mitigation:
                    self.check_condition(mitigation[key], f"{where}/{key}")
            seen: set[str] = set()
            for j, lowering in enumerate(mitigation["lowers"]):
                rid = lowering["risk"]
                if rid not in self.risk_ids:
                    self.problem(where + f"/lowers/{j}/risk", f"risk {rid!r} does not exist")
                if rid in seen:
                    self.problem(where + f"/lowers/{j}/risk", f"lowers risk {rid} twice")
                seen.add(rid)
                if lowering.get("likelihood", 0) == 0 and lowering.get("impact", 0) == 0:
                    self.problem(where + f"/lowers/{j}", "lowers neither likelihood nor impact")
                lowered.add(rid)
        for i, risk in enumerate(self.data.get("risks", [])):
            if risk["id"] not in lowered:
                self.problem(pointer("risks", i), f"risk {risk['id']} has no mitigation: add one whose lowers names it")

    def check_reachable(self) -> None:
        """Every risk must move with some answer that can actually be given."""
        for i, risk in enumerate(self.data.get("risks", [])):
            refs = [d["question"] for f in ("likelihood", "impact") for d in risk[f]["drivers"]]
            refs += [
                leaf["question"] for flag in risk.get("red_flags", []) for leaf, _ in conditions.leaves(flag["when"])
            ]
            if not refs:
                self.problem(
                    pointer("risks", i),
                    f"risk {risk['id']} cannot be reached: no driver or red flag depends on any answer",
                )
            elif not any(self.can_be_shown(q) for q in refs):
                self.problem(
                    pointer("risks", i),
                    f"risk {risk['id']} cannot be reached: every question it depends on is always hidden",
                )

    def can_be_shown(self, qid: str, _seen: frozenset = frozenset()) -> bool:
        question = self.lookup(qid)
        if question is None or qid in _seen:
            return False
        if "show_when" not in question:
            return True
        return self._may_hold(question["show_when"], _seen | {qid})

    def _may_hold(self, condition: dict, seen: frozenset) -> bool:
        if "any" in condition:
            return any(self._may_hold(c, seen) for c in condition["any"])
        if "all" in condition:
            if not all(self._may_hold(c, seen) for c in condition["all"]):
                return False
            # Two single-answer tests on one question with no option in common never both hold.
            allowed: dict[str, set] = {}
            for part in condition["all"]:
                if "in" in part and (self.lookup(part["question"]) or {}).get("type") != "multiple_choice":
                    allowed[part["question"]] = allowed.get(part["question"], set(part["in"])) & set(part["in"])
            return all(allowed.values())
        if "not" in condition:
            return True
        question = self.lookup(condition["question"])
        if question is None or not self.can_be_shown(condition["question"], seen):
            return False
        if "at_least" in condition and "maximum" in question:
            return condition["at_least"] <= question["maximum"]
        if "at_most" in condition and "minimum" in question:
            return condition["at_most"] >= question["minimum"]
        return True


def _option_values(question: dict) -> list[str]:
    if question["type"] == "yes_no":
        return list(YES_NO)
    return [o["value"] for o in question.get("options", [])]


def _check_bank(data: dict, name: str, profile_questions: dict | None) -> list[Problem]:
    return _Checker(data, name, profile_questions).run()


# --- Building the model -------------------------------------------------------


def _build_bank(data: dict, name: str) -> Bank:
    bank_id = data["id"]
    questions: dict[str, Question] = {}
    sections = []
    for section in data["sections"]:
        for q in section["questions"]:
            questions[q["id"]] = Question(
                id=q["id"],
                bank_id=bank_id,
                section_id=section["id"],
                type=q["type"],
                prompt=q["prompt"],
                short=q.get("short", q["prompt"]),
                hint=q.get("hint"),
                required=q.get("required", False),
                show_when=q.get("show_when"),
                evidence=q.get("evidence"),
                bidder_question=q.get("bidder_question"),
                sources=tuple(q.get("sources", [])),
                options=tuple(Option(o["value"], o["label"], o.get("hint")) for o in q.get("options", [])),
                dont_know=q.get("dont_know", False),
                not_decided=q.get("not_decided", False),
                multiline=q.get("multiline", False),
                max_length=q.get("max_length"),
                item_pattern=q.get("item_pattern"),
                item_pattern_message=q.get("item_pattern_message"),
                max_items=q.get("max_items"),
                minimum=q.get("minimum"),
                maximum=q.get("maximum"),
                integer=q.get("integer", False),
                unit=q.get("unit"),
            )
        sections.append(
            Section(section["id"], section["title"], section.get("intro"), tuple(q["id"] for q in section["questions"]))
        )

    def factor(f: dict) -> Factor:
        return Factor(
            f["base"],
            note=f.get("note"),
            drivers=tuple(
                Driver(
                    d["question"],
                    d.get("points"),
                    tuple((b["at_least"], b["points"]) for b in d.get("bands", ())),
                    d.get("when"),
                    d.get("note"),
                )
                for d in f["drivers"]
            ),
        )

    risks = tuple(
        Risk(
            id=r["id"],
            bank_id=bank_id,
            title=r["title"],
            category=r.get("category"),
            cause=r["cause"],
            event=r["event"],
            effect=r["effect"],
            harmed=r["harmed"],
            applies_when=r.get("applies_when"),
            likelihood=factor(r["likelihood"]),
            impact=factor(r["impact"]),
            red_flags=tuple(
                RedFlag(f["id"], f["when"], f["reason"], tuple(f.get("cleared_by", [])), tuple(f.get("sources", [])))
                for f in r.get("red_flags", [])
            ),
            sources=tuple(r.get("sources", [])),
        )
        for r in data.get("risks", [])
    )
    mitigations = tuple(
        Mitigation(
            id=m["id"],
            bank_id=bank_id,
            action=m["action"],
            where=m["where"],
            applies_when=m.get("applies_when"),
            in_place_when=m.get("in_place_when"),
            lowers=tuple(Lowering(x["risk"], x.get("likelihood", 0), x.get("impact", 0)) for x in m["lowers"]),
            sources=tuple(m.get("sources", [])),
        )
        for m in data.get("mitigations", [])
    )
    return Bank(
        id=bank_id,
        kind=data["kind"],
        prefix=data["prefix"],
        title=data["title"],
        version=data["version"],
        summary=data["summary"],
        applies_when=data.get("applies_when"),
        not_applicable_reason=data.get("not_applicable_reason"),
        sources={
            s["id"]: Source(
                s["id"], s["title"], s["publisher"], s.get("url"), s.get("date"), s.get("note"), s.get("checked")
            )
            for s in data["sources"]
        },
        sections=tuple(sections),
        questions=questions,
        risks=risks,
        mitigations=mitigations,
        path=name,
        content_hash=content_hash(data),
        data=data,
        changelog=tuple(data.get("changelog", [])),
    )
