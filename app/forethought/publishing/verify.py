"""Verifying a published assessment with nothing but the file itself.

`verify` re-scores the assessment with the bank definitions the file carries
(not the ones installed here, which may have changed since), checks the
content hash and every part's digest, and reports each mismatch by name. It
also lists what a reviewer looks for: unanswered questions, mitigations
claimed without evidence, red flags, "don't know" on questions that drive
impact or a red flag, withheld fields, and review dates that have passed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from .. import documents, engine, resources
from ..banks import Library
from ..cache import Cache
from ..canonical import digest
from ..conditions import leaves
from ..engine import AssessmentResult
from ..loading import library_from_data
from ..problems import Problem, ProblemsFound
from ..validation import schema_problems
from . import official, publish, signing
from .schema import EMBEDDED, PUBLISHED_FILE

STAGES = ("inherent", "residual", "target")

# What each kind of finding is called, in the order a reviewer reads them.
FINDING_LABELS = {
    "red_flag": "Red flags",
    "no_evidence": "Mitigations claimed without evidence",
    "dont_know_high_impact": "\u201cDon\u2019t know\u201d on questions that drive impact or a red flag",
    "unanswered": "Unanswered questions",
    "withheld": "Withheld fields",
    "stale_review": "Review dates that have passed",
}


@dataclass
class Finding:
    kind: str  # unanswered, no_evidence, red_flag, dont_know_high_impact, withheld, stale_review
    where: str  # a question, risk or mitigation id, or a JSON pointer
    text: str


@dataclass
class Rescored:
    """The file's assessment, checked and scored again with the definitions it carries."""

    library: Library
    doc: dict
    result: AssessmentResult


@dataclass
class Report:
    name: str
    content_hash: str | None = None
    hash_ok: bool = False
    problems: list[str] = field(default_factory=list)  # what does not match, in words
    findings: list[Finding] = field(default_factory=list)
    unusable: list[Problem] = field(default_factory=list)  # why the file could not be re-scored at all
    rescored: Rescored | None = field(default=None, repr=False)
    provenance: list[official.Provenance] = field(default_factory=list)  # each carried definition
    signature: signing.Signature | None = None  # who signed the publication
    withdrawal_signature: signing.Signature | None = None  # who signed its withdrawal, if withdrawn

    @property
    def ok(self) -> bool:
        return self.hash_ok and not self.problems

    @property
    def official(self) -> bool:
        """Scored with official releases only: a file can check out and still use rewritten rules."""
        return bool(self.provenance) and all(p.official for p in self.provenance)

    @property
    def not_official(self) -> list[official.Provenance]:
        return [p for p in self.provenance if not p.official]

    def to_dict(self) -> dict:
        return {
            "file": self.name,
            "ok": self.ok,
            "content_hash": self.content_hash,
            "hash_ok": self.hash_ok,
            "mismatches": self.problems,
            "official": self.official,
            "signature": self.signature.to_dict() if self.signature else None,
            "withdrawal_signature": self.withdrawal_signature.to_dict() if self.withdrawal_signature else None,
            "definitions": [p.to_dict() for p in self.provenance],
            "findings": [f.__dict__ for f in self.findings],
        }


@lru_cache(maxsize=1)
def published_validator() -> jsonschema.Draft202012Validator:
    """The published schema, which stands alone: it carries the bank and scoring schemas
    (publishing/schema.py), so this checks a file exactly as ajv or check-jsonschema would."""
    schema = json.loads(resources.schema_path(PUBLISHED_FILE).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=1)
def _envelope_validator() -> jsonschema.Draft202012Validator:
    """The published schema with the carried definitions taken only as objects: everything
    else in the file, checked as fully as ever."""
    schema = copy.deepcopy(published_validator().schema)
    for name in EMBEDDED:
        schema["$defs"][name] = {"type": "object"}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def check_shape(published: Any, name: str) -> list[Problem]:
    """The file's problems against the published schema. The carried definitions are most of a
    file, and most files carry official releases, which were checked against their schemas when
    they were released; a definition whose content hash is a release's is trusted by that hash,
    as the bundled banks are, and anything else is checked in full."""
    if not isinstance(published, dict):
        return [Problem(name, "", "a published assessment must be a JSON object")]
    if not schema_problems(published, _envelope_validator(), name) and official.all_released(published["method"]):
        return []
    # Every problem at once, in the definitions too.
    return schema_problems(published, published_validator(), name)


_CARRIED = Cache(size=16)


def carried_library(published: dict, name: str) -> Library:
    """The library the file was scored with, from its own definitions. Many
    versions carry the same definitions, so each set is checked and built once
    per process; a set with problems raises ProblemsFound every time."""
    method = published["method"]
    return _CARRIED.get_or_make(digest(method), lambda: _build_carried(method, name))


def _build_carried(method: dict, name: str) -> Library:
    items = [(f"{name} /method/banks/{i}", b) for i, b in enumerate(method["banks"])]
    items.append((f"{name} /method/scoring", method["scoring"]))
    library, problems = library_from_data(items)
    if problems or library is None:
        raise ProblemsFound(problems)
    return library


def verify(
    published: Any, name: str = "published file", today: dt.date | None = None, trusted: set[str] | None = None
) -> Report:
    """Check the file against itself, its signature and the official releases. `trusted` is the
    set of key fingerprints the reader trusts (None if they named none)."""
    today = today or dt.date.today()
    report = Report(name)
    shape = check_shape(published, name)
    if shape:
        report.unusable = shape
        report.problems = [f"{p.where or '(top level)'}: {p.message}" for p in shape]
        return report
    stored = published["integrity"]
    report.content_hash = stored["content_hash"]
    report.provenance = official.provenance(published["method"])
    report.problems += _signatures(report, published, trusted)
    recomputed = publish.integrity(published)
    report.hash_ok = recomputed["content_hash"] == stored["content_hash"]
    if not report.hash_ok:
        report.problems.append(
            f"content hash: stored {stored['content_hash']}, recomputed {recomputed['content_hash']}"
        )
    for where, value in recomputed["parts"].items():
        if stored["parts"].get(where) != value:
            report.problems.append(
                f"{_describe(where)} ({where}) does not match its recorded digest"
                + ("" if where in stored["parts"] else ": it has no recorded digest")
            )
    for where in stored["parts"]:
        if where not in recomputed["parts"]:
            report.problems.append(f"{_describe(where)} ({where}) has a recorded digest but is missing")

    try:
        library = carried_library(published, name)
    except ProblemsFound as e:
        report.unusable = e.problems
        report.problems += [f"carried definitions: {p}" for p in e.problems]
        return report
    doc, problems = documents.check(published["assessment"], library, name + " /assessment")
    if problems:
        report.unusable = problems
        report.problems += [f"/assessment{p.where}: {p.message}" for p in problems]
        return report
    report.rescored = Rescored(library, doc, engine.score(doc, library))
    result = report.rescored.result.to_dict()
    report.problems += _compare(published["result"], result)
    report.findings = findings(published, doc, library, result, today)
    return report


def _signatures(report: Report, published: dict, trusted: set[str] | None) -> list[str]:
    """Check the publication's and the withdrawal's signatures; what does not match, in words."""
    report.signature = signing.check_publication(published, trusted)
    report.withdrawal_signature = signing.check_withdrawal(published, trusted)
    out = []
    if report.signature.status == "invalid":
        out.append("signature: " + report.signature.text)
    withdrawn = report.withdrawal_signature
    if withdrawn and withdrawn.status == "invalid":
        out.append("withdrawal: its signature does not match: it was changed or forged")
    elif withdrawn and withdrawn.status == "unsigned" and report.signature.status == "valid":
        out.append("withdrawal: it is not signed, though the publication is: it was added by someone else")
    elif (
        withdrawn and report.signature.key and withdrawn.key and withdrawn.organisation != report.signature.organisation
    ):
        out.append("withdrawal: signed for another organisation than the publication")
    return out


def chain_problems(documents: list[dict]) -> list[str]:
    """What breaks each publication's chain of versions: a version missing, or one whose
    previous content hash is not the content hash of the version before it."""
    series: dict[str, list[dict]] = {}
    copies = set()
    for document in documents:
        copy = (
            document["publication"]["id"],
            document["publication"]["version"],
            document["integrity"]["content_hash"],
        )
        if copy not in copies:  # the same version twice (a site holds each version's file) is one version
            copies.add(copy)
            series.setdefault(copy[0], []).append(document)
    out = []
    for publication_id, versions in sorted(series.items()):
        versions.sort(key=lambda d: d["publication"]["version"])
        for before, after in zip(versions, versions[1:], strict=False):
            b, a = before["publication"]["version"], after["publication"]["version"]
            if a != b + 1:
                out.append(f"{publication_id}: version {a} follows version {b}; a version in between is missing")
            elif after["publication"].get("previous_content_hash") != before["integrity"]["content_hash"]:
                out.append(
                    f"{publication_id}: version {a} does not follow version {b}: it names "
                    f"{after['publication'].get('previous_content_hash')} as the version before it"
                )
        first = versions[0]
        if first["publication"]["version"] == 1 and first["publication"].get("previous_content_hash"):
            out.append(f"{publication_id}: version 1 names a version before it")
    return out


def withdrawals_left_out(published: dict, others: list[dict]) -> list[str]:
    """A withdrawn version passed round without its withdrawal is the original file, byte for
    byte, so no check of one file can show it. Given the publisher's other copies (its site, or
    files from it), this names each signed withdrawal of this very version that this copy lacks."""
    if published.get("withdrawal"):
        return []
    this = (published["publication"]["id"], published["publication"]["version"], published["integrity"]["content_hash"])
    publisher = signing.check_publication(published, None)
    for other in others:
        if not other.get("withdrawal"):
            continue
        if (other["publication"]["id"], other["publication"]["version"], other["integrity"]["content_hash"]) != this:
            continue
        signed = signing.check_withdrawal(other, None)
        # Only the publisher can withdraw: an unsigned record, or one signed for someone else, proves nothing.
        if signed and signed.status == "valid" and signed.organisation == publisher.organisation:
            withdrawal = other["withdrawal"]
            return [
                f"WITHDRAWN by the publisher on {str(withdrawal['withdrawn_at'])[:10]} ({withdrawal['reason']}): "
                "this copy leaves out the signed withdrawal"
            ]
    return []


def _describe(where: str) -> str:
    parts = where.strip("/").split("/")
    if parts[:2] == ["assessment", "banks"] and len(parts) == 5:
        kind = {"answers": "answer to", "mitigations": "record for mitigation", "risks": "record for risk"}[parts[3]]
        return f"The {kind} {parts[4]}"
    if parts[:2] == ["result", "banks"] and len(parts) == 5:
        return f"The stored result for risk {parts[4]}"
    if parts[:2] == ["method", "banks"]:
        return f"The definition of bank {parts[2]}"
    return "The " + " ".join(parts).replace("_", " ")


def _compare(stored: dict, recomputed: dict) -> list[str]:
    """Each stored number that the carried rules do not give again."""
    out = []
    stored_risks = {r["id"]: r for b in stored.get("banks", []) for r in b.get("risks", [])}
    new_risks = {r["id"]: r for b in recomputed["banks"] for r in b["risks"]}
    for rid in sorted(set(stored_risks) | set(new_risks)):
        a, b = stored_risks.get(rid), new_risks.get(rid)
        if a is None:
            out.append(f"{rid}: recomputed, but missing from the stored result")
            continue
        if b is None:
            out.append(f"{rid}: in the stored result, but does not arise when recomputed")
            continue
        for stage in STAGES:
            for key in ("likelihood", "impact", "score", "rating"):
                if a.get(stage, {}).get(key) != b[stage][key]:
                    out.append(f"{rid} {stage} {key}: stored {a.get(stage, {}).get(key)}, recomputed {b[stage][key]}")
        if sorted(f["id"] for f in a.get("red_flags", [])) != sorted(f["id"] for f in b["red_flags"]):
            out.append(
                f"{rid} red flags: stored {[f['id'] for f in a.get('red_flags', [])]}, "
                f"recomputed {[f['id'] for f in b['red_flags']]}"
            )
    for key in ("rating", "inherent", "target"):
        if stored.get("overall", {}).get(key) != recomputed["overall"][key]:
            out.append(
                f"overall {key}: stored {stored.get('overall', {}).get(key)}, recomputed {recomputed['overall'][key]}"
            )
    return out


def findings(published: dict, doc: dict, library: Library, result: dict, today: dt.date) -> list[Finding]:
    """What a reviewer should look at, in this order: gaps, unevidenced claims, red flags,
    "don't know" where it matters most, withheld text, overdue reviews."""
    banks = result["banks"]
    high_impact = _high_impact_questions(library)
    out = [
        Finding("unanswered", q["id"], f"{q['id']} is unanswered: {q['prompt']}")
        for b in banks
        for q in b["unanswered"]
    ]
    out += _unevidenced(banks)
    out += [
        Finding(
            "red_flag",
            f["id"],
            f"{f['id']} on {r['id']}: {f['reason']}"
            + (" (raised because it cannot be ruled out)" if f["assumed"] else ""),
        )
        for b in banks
        for r in b["risks"]
        for f in r["red_flags"]
    ]
    out += [
        Finding(
            "dont_know_high_impact",
            q["id"],
            f'{q["id"]} is answered "don\'t know" but drives {high_impact[q["id"]]}: {q["prompt"]}',
        )
        for b in banks
        for q in b["dont_know"]
        if q["id"] in high_impact
    ]
    out += [
        Finding("withheld", r["pointer"], f"{_withheld_words(r['pointer'], library)} is withheld: {r['reason']}")
        for r in published.get("redactions", [])
    ]
    out += [
        Finding("stale_review", r["id"], f"{r['id']} was due for review on {r['review_date']}")
        for b in banks
        for r in b["risks"]
        if r["review_date"] < today.isoformat()
    ]
    return out


def _unevidenced(banks: list[dict]) -> list[Finding]:
    """Each mitigation counted in place with no evidence, once."""
    out, seen = [], set()
    for m in (m for b in banks for m in b["mitigations"]):
        if m["status"] == "in_place" and not m["evidence"] and m["id"] not in seen:
            seen.add(m["id"])
            how = "by the team" if m["in_place_by"] == "team" else "by the answers"
            title = m["action"].split(". ")[0].rstrip(".")
            out.append(
                Finding(
                    "no_evidence", m["id"], f"{m['id']} ({title}) is claimed in place {how}, with no evidence given"
                )
            )
    return out


def _withheld_words(pointer: str, library: Library) -> str:
    """A withheld field by its question, "The note on SV-13 (Police requests)", not its pointer."""
    label = publish.field_label(pointer)
    keys = pointer.strip("/").split("/")
    question = library.questions.get(keys[3]) if len(keys) == 5 and keys[0] == "banks" else None
    label = f"{label} ({question.short})" if question else label
    return label[:1].upper() + label[1:]


def _high_impact_questions(library: Library) -> dict[str, str]:
    """Questions whose answer moves a risk's impact or can raise a red flag."""
    out: dict[str, str] = {}
    for bank in library.banks:
        for risk in bank.risks:
            for driver in risk.impact.drivers:
                out.setdefault(driver.question, f"the impact of {risk.id}")
            for flag in risk.red_flags:
                for leaf, _ in leaves(flag.when):
                    out.setdefault(leaf["question"], f"red flag {flag.id}")
    return out


def load(path: str | Path) -> Any:
    from ..files import read_json

    data, problems = read_json(Path(path))
    if problems:
        raise ProblemsFound(problems)
    return data
