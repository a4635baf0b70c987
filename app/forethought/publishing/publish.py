"""Publishing: an immutable, checkable snapshot of a completed assessment.

A published assessment is one JSON document (`schemas/published-assessment.schema.json`)
that carries everything a reviewer needs to check it without us:

- the assessment, with any withheld field replaced by "[withheld]" and listed
  with its reason in `redactions`, so nothing silently vanishes;
- the exact definitions it was scored with (every bank and the scoring
  method), so it can be re-scored after the bundled banks change;
- the computed results;
- a content hash over all of that, and one digest per part (each answer,
  each record, each risk's result), so `verify` can name exactly what was edited.

Only words can be withheld (free-text answers, evidence, notes, owners): never
an answer a score depends on, nor who signed it off, or no one could check it.
A withheld field reads "[withheld: the reason]" wherever it appears.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .. import __version__, documents, engine
from ..banks import Library
from ..canonical import digest
from ..method import ScoringMethod
from ..problems import pointer
from . import signing

FORMAT = "forethought-published-assessment"
FORMAT_VERSION = 1
WITHHELD = "[withheld"  # a withheld field reads "[withheld: the reason]" wherever it appears
# The longest reason for withholding a field that publishing accepts: "[withheld: reason]" must fit
# the shortest field that can be withheld, an owner (200 characters). The published schema allows up
# to 1000, so files published before this limit still validate; a test checks that it names this one.
REASON_LIMIT = 180
# integrity holds the hashes and signature signs them; withdrawal comes later, signed on its own.
HASHED_OUT = ("integrity", "signature", "withdrawal")


@dataclass(frozen=True)
class Withholdable:
    pointer: str
    label: str
    value: str


def withholdable(doc: dict, library: Library) -> list[Withholdable]:
    """Every field of this assessment that may be withheld when it is published."""
    out = []
    for bank in library.all_banks:
        entry = doc.get("banks", {}).get(bank.id, {})
        for qid, answer in entry.get("answers", {}).items():
            q = library.questions.get(qid)
            if q is None:
                continue
            if "value" in answer and (q.type == "text" or (q.type == "list" and not q.item_pattern)):
                out.append(
                    Withholdable(
                        pointer("banks", bank.id, "answers", qid, "value"), f"{qid} answer", _text(answer["value"])
                    )
                )
            for key in ("evidence", "note"):
                if key in answer:
                    out.append(
                        Withholdable(pointer("banks", bank.id, "answers", qid, key), f"{qid} {key}", answer[key])
                    )
        for kind, keys in (("mitigations", ("owner", "evidence", "note")), ("risks", ("owner", "note"))):
            for item, record in entry.get(kind, {}).items():
                for key in keys:
                    if key in record:
                        out.append(
                            Withholdable(pointer("banks", bank.id, kind, item, key), f"{item} {key}", record[key])
                        )
    if doc.get("sign_off", {}).get("note"):
        out.append(Withholdable("/sign_off/note", "sign-off note", doc["sign_off"]["note"]))
    return out


def _text(value: Any) -> str:
    return "\n".join(value) if isinstance(value, list) else str(value)


def redact(doc: dict, redactions: list[dict], library: Library) -> dict:
    """A copy of the document with each listed field replaced by "[withheld]".
    Raises ValueError for a field that may not be withheld."""
    allowed = {w.pointer for w in withholdable(doc, library)}
    out = copy.deepcopy(doc)
    for item in redactions:
        where = item["pointer"]
        if where not in allowed:
            raise ValueError(f"{where} cannot be withheld: only words that no score depends on can be")
        if not str(item.get("reason", "")).strip():
            raise ValueError(f"{where} needs a reason for withholding it")
        if too_long := reason_too_long(item["reason"]):
            raise ValueError(f"{where}: {too_long}")
        parts = [p.replace("~1", "/").replace("~0", "~") for p in where.strip("/").split("/")]
        target = out
        for key in parts[:-1]:
            target = target[key]
        marker = withheld_text(item["reason"])
        target[parts[-1]] = [marker] if isinstance(target[parts[-1]], list) else marker
    return out


def reason_too_long(reason: str) -> str | None:
    """Why a reason for withholding a field is too long, in words, or None if it fits."""
    reason = reason.strip()
    if len(reason) > REASON_LIMIT:
        return f"the reason is {len(reason)} characters long; shorten it to at most {REASON_LIMIT}"
    return None


def withheld_text(reason: str) -> str:
    return f"[withheld: {' '.join(str(reason).split())}]"


def is_withheld(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(is_withheld(v) for v in value)
    return isinstance(value, str) and value.startswith(WITHHELD)


def publish(
    doc: dict,
    library: Library,
    *,
    sign_off: dict,
    redactions: list[dict],
    series: str,
    version: int,
    published_at: str,
    previous_content_hash: str | None,
    keys: signing.Keys | None = None,
) -> dict:
    """The published document for a checked assessment, signed with the current key of `keys`
    (made first, for the assessment's organisation, if there is none)."""
    signed = copy.deepcopy(doc)
    signed["sign_off"] = sign_off
    redacted = redact(signed, redactions, library)
    result = engine.score(redacted, library)
    published = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "publication": {
            "id": series,
            "version": version,
            "published_at": published_at,
            "previous_content_hash": previous_content_hash,
        },
        "title": documents.about(redacted, "title"),
        "organisation": documents.about(redacted, "organisation"),
        "procurement": {
            "stage": documents.about(redacted, "stage"),
            "stage_label": documents.stage_question(library).label_of(documents.about(redacted, "stage"))
            if documents.about(redacted, "stage")
            else None,
            "supplier": documents.about(redacted, "supplier"),
            "ocids": documents.about(redacted, "ocids") or [],
            "references": documents.about(redacted, "references") or [],
        },
        "assessment": redacted,
        "redactions": [{"pointer": r["pointer"], "reason": r["reason"].strip()} for r in redactions],
        "method": {
            "banks": [b.data for b in library.all_banks],
            "scoring": library.method.data,
        },
        "result": result.to_dict(),
        "generated_by": f"Forethought {__version__}",
    }
    published["integrity"] = integrity(published)
    # Checked before it is signed, so a refused first publication makes no key.
    refuse_unreadable(published)
    if keys is not None:
        sign(published, keys)
    return published


def sign(published: dict, keys: signing.Keys) -> None:
    """Sign a publication with the organisation's current key, made first if there is none."""
    keys.current_or_new(published["organisation"] or "Unnamed organisation")
    published["signature"] = keys.sign(signing.publication_message(published["integrity"]["content_hash"]))


class Unreadable(ValueError):
    """A document that would not verify once published; `problems` says why, in words."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("it would not verify, so nothing was published: " + "; ".join(problems))


def refuse_unreadable(published: dict) -> None:
    """Raise Unreadable unless the document passes everything `verify` checks (the schema,
    every field's length, the hashes, the scores), so nothing is published that cannot be read."""
    from . import verify  # verify reads this module's integrity()

    report = verify.verify(published, "the publication")
    if not report.ok:
        raise Unreadable(report.problems)


def parts(published: dict) -> dict[str, Any]:
    """The separately hashed parts: each answer and record, each risk's result,
    each definition, and the rest in a few larger pieces."""
    out: dict[str, Any] = {}
    doc = published.get("assessment", {})
    for bank_id, entry in sorted(doc.get("banks", {}).items()):
        for kind in ("answers", "mitigations", "risks"):
            for item, record in sorted(entry.get(kind, {}).items()):
                out[pointer("assessment", "banks", bank_id, kind, item)] = record
        out[pointer("assessment", "banks", bank_id, "version")] = entry.get("version")
    for key in ("sign_off", "assessment_date"):
        out[pointer("assessment", key)] = doc.get(key)
    for bank in published.get("method", {}).get("banks", []):
        out[pointer("method", "banks", bank.get("id", "?"))] = bank
    out[pointer("method", "scoring")] = published.get("method", {}).get("scoring")
    for bank in published.get("result", {}).get("banks", []):
        for risk in bank.get("risks", []):
            out[pointer("result", "banks", bank.get("id", "?"), "risks", risk.get("id", "?"))] = risk
    out["/result/overall"] = published.get("result", {}).get("overall")
    for key in ("publication", "redactions", "procurement", "title", "organisation"):
        out[pointer(key)] = published.get(key)
    return out


def content(published: dict) -> dict:
    return {k: v for k, v in published.items() if k not in HASHED_OUT}


def integrity(published: dict) -> dict:
    return {
        "algorithm": "sha256 of canonical JSON (keys sorted, no spaces, UTF-8)",
        "content_hash": digest(content(published)),
        "parts": {where: digest(value) for where, value in parts(published).items()},
    }


def short_hash(value: str) -> str:
    return value.removeprefix("sha256:")[:16]


# --- Comparing versions -----------------------------------------------------------


def diff(old: dict, new: dict) -> dict:
    """Answers and ratings that changed between two published versions."""

    def answers(pub: dict) -> dict:
        out = {}
        for entry in pub["assessment"].get("banks", {}).values():
            for qid, answer in entry.get("answers", {}).items():
                out[qid] = answer.get("value")
        return out

    def ratings(pub: dict) -> dict:
        return {
            r["id"]: {
                stage: (r[stage]["score"], r[stage]["rating_label"]) for stage in ("inherent", "residual", "target")
            }
            | {"title": r["title"]}
            for b in pub["result"]["banks"]
            for r in b["risks"]
        }

    a, b = answers(old), answers(new)
    changed_answers = [
        {"question": qid, "before": a.get(qid), "after": b.get(qid)}
        for qid in sorted(set(a) | set(b))
        if a.get(qid) != b.get(qid)
    ]
    ra, rb = ratings(old), ratings(new)
    changed_risks = []
    for rid in sorted(set(ra) | set(rb)):
        before, after = ra.get(rid), rb.get(rid)
        if before != after:
            changed_risks.append({"risk": rid, "title": (after or before)["title"], "before": before, "after": after})
    return {
        "answers": changed_answers,
        "risks": changed_risks,
        "withholdings": withholding_changes(old, new),
        "overall": {
            "before": old["result"]["overall"]["rating_label"],
            "after": new["result"]["overall"]["rating_label"],
            # Publications made before the two readings carry no established rating.
            "established_before": old["result"]["overall"].get("established", {}).get("rating_label"),
            "established_after": new["result"]["overall"].get("established", {}).get("rating_label"),
        },
    }


def withholding_changes(old: dict, new: dict) -> dict:
    """Fields withheld in one version and not the other: those newly withheld, and those
    lifted, each saying whether its words are now public or the field is gone."""
    before = withheld_in(old)
    after = withheld_in(new)
    added = [{"pointer": p, "label": field_label(p), "reason": r} for p, r in after.items() if p not in before]
    lifted = [
        {
            "pointer": p,
            "label": field_label(p),
            "reason": r,
            "public": _value_at(new.get("assessment", {}), p) is not None,
        }
        for p, r in before.items()
        if p not in after
    ]
    return {"added": added, "lifted": lifted}


# --- Signing off with care ---------------------------------------------------------


def withheld_in(published: dict | None) -> dict[str, str]:
    """What a published version withheld: each field's pointer and the reason given. The next
    version starts from these, so nothing withheld becomes public unless someone chooses that."""
    if not published:
        return {}
    return {r["pointer"]: r["reason"] for r in published.get("redactions", [])}


# How a withheld field is named in plain words, by the last part of its pointer.
_FIELD_WORDS = {
    "value": "the answer to {}",
    "evidence": "the evidence for {}",
    "note": "the note on {}",
    "owner": "the owner of {}",
}


def field_label(where: str) -> str:
    """A withholdable field in words, such as "the note on SV-18" or "the sign-off note"."""
    keys = _keys(where)
    if keys == ["sign_off", "note"]:
        return "the sign-off note"
    if len(keys) == 5 and keys[0] == "banks" and keys[4] in _FIELD_WORDS:
        return _FIELD_WORDS[keys[4]].format(keys[3])
    return where


def _keys(where: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in where.strip("/").split("/")]


def _value_at(doc: Any, where: str) -> Any:
    """The value a JSON pointer names in a document, or None if there is none."""
    for key in _keys(where):
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def decision_conflict(
    decision: str, note: str | None, result: engine.AssessmentResult, method: ScoringMethod
) -> str | None:
    """Why this sign-off needs a written reason, or None. Deciding to proceed outright while a
    risk is still rated at the top (Critical) after its mitigations, or while a red flag is still
    open, goes against the ratings, so the person signing must say why in the note. The app's
    publish form and `forethought publish` both ask this."""
    if decision != "proceed" or (note or "").strip():
        return None
    top = method.top
    critical = [r.id for r in result.risks if r.residual.rating == top.id]
    open_flags = sorted({f.id for r in result.risks for f in r.red_flags if f.assumed and not f.cleared_in_residual})
    found = []
    if critical:
        found.append(f"{_count(critical, 'risk is', 'risks are')} rated {top.label} ({', '.join(critical)})")
    if open_flags:
        found.append(f"{_count(open_flags, 'red flag is', 'red flags are')} still open ({', '.join(open_flags)})")
    if not found:
        return None
    return f"You chose to proceed, but {' and '.join(found)}. Write down why it should go ahead anyway."


def _count(items: list, one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"


def fingerprint(published: dict) -> str:
    """A digest of what a preview showed: everything that will be published except the moment
    of publishing and, for a first version, its new id, which are only fixed when it is kept.
    The confirmation carries it, so a change in between is caught."""
    body = content(published)
    body["publication"] = {k: v for k, v in body["publication"].items() if k not in ("id", "published_at")}
    return digest(body)
