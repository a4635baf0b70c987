"""The assessment document: one JSON format for a team's answers.

An assessment holds the project profile and the answers to each bank (with
evidence and notes), the version of each bank it was answered against, the
team's decisions on mitigations (status, owner, due date) and on risks (owner,
review date), and an optional sign-off. Its JSON Schema is generated from the
banks, so a draft may be incomplete but can never hold a value of the wrong
type or an option a question does not offer. The format carries its own
version; `migrate` brings older documents up to date.

    {
      "format": "forethought-assessment",
      "format_version": 1,
      "assessment_date": "2026-11-21",
      "banks": {
        "profile": {"version": "1.0.0", "answers": {"PR-01": {"value": "Town centre cameras"}}},
        "surveillance": {
          "version": "1.0.0",
          "answers": {"SV-01": {"value": "specific_evidenced", "evidence": "https://…", "note": "…"}},
          "mitigations": {"SV-M01": {"status": "planned", "owner": "Head of Community Safety", "due": "2027-03-31"}},
          "risks": {"SV-R01": {"owner": "Head of Community Safety", "review_date": "2027-01-31"}}
        }
      },
      "sign_off": {"name": "…", "role": "…", "date": "2026-11-30", "decision": "proceed_with_conditions"}
    }
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from .banks import Library, Question
from .conditions import DONT_KNOW, NOT_DECIDED
from .decisions import DECISIONS
from .files import display_name, parse_json
from .problems import Problem, ProblemsFound, pointer
from .validation import schema_problems

FORMAT = "forethought-assessment"
FORMAT_VERSION = 1
MITIGATION_STATUSES = ("recommended", "planned", "in_place", "declined")
TREATMENTS = ("treat", "tolerate", "transfer", "terminate")
# A sign-off's fields, in order; the data protection officer's are optional, and given together.
SIGN_OFF_FIELDS = ("name", "role", "date", "decision", "note", "dpo_name", "dpo_date")
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TEXT_LIMIT = 5000
NOTE_LIMIT = 5000
EVIDENCE_LIMIT = 2000

# Each migration takes a document of version N and returns version N + 1.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


def new_document(library: Library, assessment_date: str | None = None) -> dict:
    """An empty draft pinned to the current bank versions."""
    doc: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION}
    if assessment_date:
        doc["assessment_date"] = assessment_date
    doc["banks"] = {b.id: {"version": b.version, "answers": {}} for b in library.all_banks}
    return doc


def _date() -> dict:
    return {"type": "string", "pattern": DATE_PATTERN, "format": "date", "description": "a date written as YYYY-MM-DD"}


def _text(limit: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": limit}


def value_schema(question: Question) -> dict:
    """The JSON Schema for one question's answer value."""
    t = question.type
    if t in ("single_choice", "yes_no"):
        return {"enum": list(question.values)}
    if t == "multiple_choice":
        return {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(question.values)}}
    if t == "text":
        return _text(question.max_length or TEXT_LIMIT)
    if t == "list":
        item = _text(500)
        if question.item_pattern:
            item["pattern"] = question.item_pattern
            item["description"] = question.item_pattern_message
        schema: dict[str, Any] = {"type": "array", "minItems": 1, "items": item}
        if question.max_items:
            schema["maxItems"] = question.max_items
        return schema
    if t == "number":
        schema = {"type": "integer" if question.integer else "number"}
        if question.minimum is not None:
            schema["minimum"] = question.minimum
        if question.maximum is not None:
            schema["maximum"] = question.maximum
        unknowns = [
            v for v, offered in ((DONT_KNOW, question.dont_know), (NOT_DECIDED, question.not_decided)) if offered
        ]
        if unknowns:
            return {"anyOf": [schema, {"enum": unknowns}]}
        return schema
    if t == "date":
        return _date()
    raise ValueError(f"unknown question type {t!r}")  # the bank schema rules this out


def assessment_schema(library: Library) -> dict:
    """The JSON Schema (2020-12) for assessment documents, generated from the banks."""
    defs: dict[str, Any] = {
        "date": _date(),
        "mitigation_record": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "status": {
                    "enum": list(MITIGATION_STATUSES),
                    "description": "recommended (the default), planned, in_place or declined",
                },
                "owner": _text(200),
                "due": {"$ref": "#/$defs/date"},
                "evidence": _text(EVIDENCE_LIMIT),
                "note": _text(NOTE_LIMIT),
            },
            "if": {"properties": {"status": {"const": "declined"}}, "required": ["status"]},
            "then": {"required": ["note"], "description": "a declined mitigation needs a note saying why"},
        },
        "risk_record": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "owner": _text(200),
                "review_date": {"$ref": "#/$defs/date"},
                "treatment": {"enum": list(TREATMENTS)},
                "note": _text(NOTE_LIMIT),
            },
        },
    }
    bank_props = {}
    for bank in library.all_banks:
        answers = {
            q.id: {
                "type": "object",
                "additionalProperties": False,
                "description": q.prompt,
                "properties": {"value": value_schema(q), "evidence": _text(EVIDENCE_LIMIT), "note": _text(NOTE_LIMIT)},
            }
            for q in bank.questions.values()
        }
        props: dict[str, Any] = {
            "version": {"type": "string", "description": f"the version of {bank.title} the answers were given against"},
            "answers": {"type": "object", "additionalProperties": False, "properties": answers},
        }
        if bank.kind == "risk":
            props["mitigations"] = {
                "type": "object",
                "additionalProperties": False,
                "properties": {m.id: {"$ref": "#/$defs/mitigation_record"} for m in bank.mitigations},
            }
            props["risks"] = {
                "type": "object",
                "additionalProperties": False,
                "properties": {r.id: {"$ref": "#/$defs/risk_record"} for r in bank.risks},
            }
        defs["bank_" + bank.id] = {
            "type": "object",
            "additionalProperties": False,
            "description": bank.title,
            "properties": props,
        }
        bank_props[bank.id] = {"$ref": f"#/$defs/bank_{bank.id}"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:forethought:schema:assessment:{FORMAT_VERSION}",
        "title": "Forethought assessment",
        "description": "A project team's answers to the project profile and the question banks. "
        "Generated from the banks: " + ", ".join(f"{b.id} {b.version}" for b in library.all_banks) + ".",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "format_version", "banks"],
        "properties": {
            "$schema": {"type": "string"},
            "format": {"const": FORMAT},
            "format_version": {"const": FORMAT_VERSION},
            "assessment_date": {
                "$ref": "#/$defs/date",
                "description": "the date the assessment speaks for; review dates count from it",
            },
            "banks": {"type": "object", "additionalProperties": False, "properties": bank_props},
            "sign_off": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "role", "date", "decision"],
                "properties": {
                    "name": _text(200),
                    "role": _text(200),
                    "date": {"$ref": "#/$defs/date"},
                    "decision": {"enum": list(DECISIONS)},
                    "note": _text(NOTE_LIMIT),
                    "dpo_name": _text(200),
                    "dpo_date": {"$ref": "#/$defs/date"},
                },
                "dependentRequired": {"dpo_name": ["dpo_date"], "dpo_date": ["dpo_name"]},
            },
        },
        "$defs": defs,
    }


@lru_cache(maxsize=8)
def validator(library: Library) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        assessment_schema(library), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def migrate(doc: dict, name: str = "assessment") -> dict:
    """Bring a document to the current format version, or raise ProblemsFound."""
    version = doc.get("format_version")
    if doc.get("format") != FORMAT:
        raise ProblemsFound(
            [Problem(name, pointer("format"), f"not a Forethought assessment: format must be {FORMAT!r}")]
        )
    if not isinstance(version, int) or version < 1:
        raise ProblemsFound([Problem(name, pointer("format_version"), "format_version must be a whole number from 1")])
    if version > FORMAT_VERSION:
        raise ProblemsFound(
            [
                Problem(
                    name,
                    pointer("format_version"),
                    f"made by a newer Forethought (format {version}); this one reads up to format {FORMAT_VERSION}",
                )
            ]
        )
    doc = copy.deepcopy(doc)
    while doc["format_version"] < FORMAT_VERSION:
        doc = MIGRATIONS[doc["format_version"]](doc)
    return doc


def check(doc: Any, library: Library, name: str = "assessment") -> tuple[dict | None, list[Problem]]:
    """The migrated document and no problems, or None and every problem found."""
    if not isinstance(doc, dict):
        return None, [Problem(name, "", "an assessment must be a JSON object")]
    try:
        doc = migrate(doc, name)
    except ProblemsFound as e:
        return None, e.problems
    problems = schema_problems(doc, validator(library), name)
    return (None, problems) if problems else (doc, [])


def parse(text: str | bytes, library: Library, name: str = "assessment") -> dict:
    """Parse and check an assessment's JSON text; raise ProblemsFound if it is not usable."""
    data, problems = parse_json(text, name)
    if problems:
        raise ProblemsFound(problems)
    doc, problems = check(data, library, name)
    if problems:
        raise ProblemsFound(problems)
    return doc


def load(path: str | Path, library: Library) -> dict:
    path = Path(path)
    name = display_name(path)
    try:
        text = path.read_bytes()
    except OSError as e:
        raise ProblemsFound([Problem(name, "", f"cannot be read ({e.strerror})")]) from None
    return parse(text, library, name)


def dumps(doc: dict) -> str:
    """The canonical text of a document: stable key order, UTF-8, newline at the end."""
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


# --- Reading a document ------------------------------------------------------


def answer(doc: dict, bank_id: str, question_id: str) -> dict:
    return doc.get("banks", {}).get(bank_id, {}).get("answers", {}).get(question_id, {})


def value(doc: dict, bank_id: str, question_id: str) -> Any:
    return answer(doc, bank_id, question_id).get("value")


# The profile questions the format itself relies on, named once: what every list, file name,
# register heading and publication calls the assessment, and the stage it is at.
PROFILE_FIELDS = {
    "title": "PR-01",
    "organisation": "PR-02",
    "stage": "PR-03",
    "contract_value": "PR-04",
    "supplier": "PR-05",
    "ocids": "PR-06",
    "references": "PR-07",
    "purpose": "PR-08",
    "affected": "PR-10",
}


def about(doc: dict, field: str) -> Any:
    """One of the PROFILE_FIELDS answered in the document, or None."""
    return value(doc, "profile", PROFILE_FIELDS[field])


def stage_question(library: Library) -> Question:
    """The profile question that says which procurement stage an assessment is at."""
    return library.profile.questions[PROFILE_FIELDS["stage"]]


def mitigation_record(doc: dict, bank_id: str, mitigation_id: str) -> dict:
    return doc.get("banks", {}).get(bank_id, {}).get("mitigations", {}).get(mitigation_id, {})


def risk_record(doc: dict, bank_id: str, risk_id: str) -> dict:
    return doc.get("banks", {}).get(bank_id, {}).get("risks", {}).get(risk_id, {})
