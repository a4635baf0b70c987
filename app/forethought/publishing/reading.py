"""Reading published assessments: for the app's public pages and for the static site.

Both show the same templates from the same data, so this module turns a
published document into what the pages need: its scores re-computed from the
definitions it carries (so a page shows what `verify` would), its answers with
withheld fields marked, the index with filters, a diff and a comparison."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from dataclasses import dataclass, field

from .. import documents, engine
from ..problems import ProblemsFound
from ..scored import Scored
from . import publish, verify


@dataclass
class Verified(Scored):
    """A published version, verified and re-scored with the definitions it carries."""

    published: dict = field(default_factory=dict)
    report: verify.Report | None = None

    @property
    def publication(self) -> dict:
        return self.published["publication"]

    @property
    def withdrawal(self) -> dict | None:
        return self.published.get("withdrawal")


def verified(published: dict, today: dt.date | None = None, name: str = "published file") -> Verified:
    """The file verified and re-scored. Raises ProblemsFound, naming each
    problem, when it cannot be re-scored at all."""
    report = verify.verify(published, name, today=today)
    if report.rescored is None:
        raise ProblemsFound(report.unusable)
    rescored = report.rescored
    return Verified(rescored.doc, rescored.library, rescored.result, published=published, report=report)


def summary(published: dict) -> dict:
    """The columns an index lists, from the document alone."""
    result = published["result"]
    return {
        "title": published.get("title"),
        "organisation": published.get("organisation"),
        "stage": published["procurement"].get("stage_label"),
        "rating": result["overall"].get("rating"),
        # Publications made before the two readings carry no established rating.
        "established_rating": (result["overall"]["established"]["residual"] or "none")
        if "established" in result["overall"]
        else None,
        "banks": json.dumps(result["overall"].get("banks_applying", [])),
        "decision": published["assessment"]["sign_off"]["decision"],
    }


def answers(scored_: Verified) -> list[dict]:
    """Every bank that applies, its sections and the questions shown, with
    answers, evidence and notes, and any withheld field marked as such; worked
    out once per verified version."""
    return scored_.once("answers", lambda: _answers(scored_))


def _answers(scored_: Verified) -> list[dict]:
    visible = engine.visibility(scored_.doc, scored_.library)
    out = []
    for bank in scored_.library.all_banks:
        bank_result = scored_.result.bank(bank.id)
        if not bank_result.applies:
            continue
        sections = []
        for section in bank.sections:
            rows = []
            for qid in section.question_ids:
                if visible[qid] is False:
                    continue
                q = bank.questions[qid]
                answer = documents.answer(scored_.doc, bank.id, qid)
                value = answer.get("value")
                rows.append(
                    {
                        "id": qid,
                        "prompt": q.prompt,
                        "answer": None
                        if value is None
                        else (value[0] if publish.is_withheld(value) else q.label_of(value)),
                        "withheld": publish.is_withheld(value),
                        # A date reads "1 June 2027" on the page (the template's date filter).
                        "is_date": q.type == "date" and not publish.is_withheld(value),
                        "evidence": answer.get("evidence"),
                        "note": answer.get("note"),
                        "evidence_is_link": str(answer.get("evidence", "")).startswith(("https://", "http://")),
                    }
                )
            sections.append({"title": section.title, "rows": rows})
        out.append(
            {
                "id": bank.id,
                "title": bank.title,
                "version": bank.version,
                "hash": bank.content_hash,
                "sections": sections,
            }
        )
    return out


# The listing's filters, each applied in SQL by the store (store.listing_where); "q" searches
# titles and organisations.
FILTERS = ("q", "organisation", "bank", "rating", "decision", "stage", "from", "to")

# A listed column, and where the document says the same thing.
_LISTED_FROM_DOCUMENT = {
    "publication_id": lambda d: d["publication"]["id"],
    "version": lambda d: d["publication"]["version"],
    "published_at": lambda d: d["publication"]["published_at"],
    "content_hash": lambda d: d["integrity"]["content_hash"],
}


def disagreements(listed: dict, published: dict) -> list[dict]:
    """Where a listed row says something its document does not (a database changed outside the
    app, its triggers dropped): each column, what the listing says and what the document says."""
    from_document = {name: read(published) for name, read in _LISTED_FROM_DOCUMENT.items()}
    from_document.update(summary(published))
    from_document["banks"] = json.loads(from_document["banks"])
    return [
        {"column": column, "listed": listed.get(column), "document": value}
        for column, value in from_document.items()
        if column in listed and listed[column] != value
    ]


def diff(before: Verified, after: Verified) -> dict:
    """What changed between two versions, with each answer in words."""
    changes = publish.diff(before.published, after.published)
    questions = {**before.library.questions, **after.library.questions}
    for row in changes["answers"]:
        q = questions.get(row["question"])
        row["prompt"] = q.prompt if q else ""
        row["before_text"] = q.label_of(row["before"]) if q and row["before"] is not None else "Not answered"
        row["after_text"] = q.label_of(row["after"]) if q and row["after"] is not None else "Not answered"
        row["is_date"] = bool(q) and q.type == "date"
    changes["withholdings"] = withholding_changes(before.published, after.published, questions)
    return changes


def withholding_changes(before: dict, after: dict, questions: dict) -> dict:
    """Fields withheld in one version and not the other (publish.withholding_changes), each
    answer's with its question."""
    changes = publish.withholding_changes(before, after)
    for row in (*changes["added"], *changes["lifted"]):
        keys = row["pointer"].strip("/").split("/")
        q = questions.get(keys[3]) if len(keys) == 5 and keys[2] == "answers" else None
        row["prompt"] = q.prompt if q else ""
    return changes


def compare(scoreds: list[Verified], only_differences: bool = True) -> dict:
    """Ratings per risk and the answers behind the scores, side by side."""
    risk_rows: OrderedDict[str, dict] = OrderedDict()
    for column, s in enumerate(scoreds):
        for r in s.result.risks:
            row = risk_rows.setdefault(r.id, {"id": r.id, "title": r.title, "cells": [None] * len(scoreds)})
            row["cells"][column] = r
    key_questions: OrderedDict[str, str] = OrderedDict()
    for s in scoreds:
        for bank in s.library.banks:
            for risk in bank.risks:
                for driver in (*risk.likelihood.drivers, *risk.impact.drivers):
                    key_questions.setdefault(driver.question, s.library.questions[driver.question].prompt)
    answer_rows = []
    for qid, prompt in key_questions.items():
        cells = []
        for s in scoreds:
            q = s.library.questions.get(qid)
            value = documents.value(s.doc, q.bank_id, qid) if q else None
            cells.append(None if value is None or q is None else q.label_of(value))
        if only_differences and len(set(cells)) <= 1:
            continue
        answer_rows.append({"id": qid, "prompt": prompt, "cells": cells})
    return {"risks": sorted(risk_rows.values(), key=lambda r: r["id"]), "answers": answer_rows}


def index_json(rows: list[dict], url_for_version) -> list[dict]:
    """The machine-readable index: one entry per latest version."""
    return [
        {
            "id": r["publication_id"],
            "version": r["version"],
            "title": r["title"],
            "organisation": r["organisation"],
            "stage": r["stage"],
            "rating": r["rating"],
            "banks": r["banks"],
            "decision": r["decision"],
            "published_at": r["published_at"],
            "content_hash": r["content_hash"],
            "withdrawn": bool(r.get("withdrawn_at")),
            "url": url_for_version(r["publication_id"], r["version"], "json"),
        }
        for r in rows
    ]
