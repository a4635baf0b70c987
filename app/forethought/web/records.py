"""An assessment as the views see it: a stored version scored once and cached while it is
current, and creating or saving one in a single transaction that keeps its scores."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app

from ..banks import Bank
from ..scored import Scored
from ..store import Change, NotFound, Record
from . import journey
from .helpers import library, store, who


@dataclass
class Loaded(Scored):
    """A stored version of an assessment, scored once; the cache keeps it while it is current."""

    record: Record | None = None

    def form_visibility(self) -> dict[str, bool | None]:
        """Which questions the forms ask for this version, worked out once."""
        return self.once("form visibility", lambda: journey.form_visibility(self.doc, self.library))


def load(assessment_id: str) -> Loaded:
    """The stored assessment and its scores, from the cache when the version matches."""
    cache = current_app.extensions["forethought"]["cache"]
    try:
        version = store().version(assessment_id)
        hit = cache.get(assessment_id)
        if hit and hit.record.version == version:
            return hit
        record = store().get(assessment_id)
    except NotFound:
        abort(404)
    loaded = Loaded.score(record.document, library())
    loaded.record = record
    cache.put(assessment_id, loaded)
    return loaded


def bank_or_404(bank_id: str) -> Bank:
    try:
        return library().bank(bank_id)
    except KeyError:
        abort(404)


def section_or_404(bank: Bank, section_id: str):
    for section in bank.sections:
        if section.id == section_id:
            return section
    abort(404)


def create(doc: dict, action: str, **kwargs) -> str:
    """Store a new assessment with the summary the home page lists, and keep its scores."""
    loaded = Loaded.score(doc, library())
    assessment_id = store().create(doc, journey.summary(doc, loaded.result, library()), who(), action, **kwargs)
    _keep(assessment_id, loaded)
    return assessment_id


def save(assessment_id: str, change) -> Record:
    """Apply a change and refresh the listed summary, all in one transaction. The new
    version is scored once, here, and kept for the page the save redirects to."""
    made: list[Loaded] = []

    def with_summary(current: Record) -> Change:
        new_doc, action, diff = change(current)
        made[:] = [Loaded.score(new_doc, library())]
        return Change(new_doc, journey.summary(new_doc, made[0].result, library()), action, diff)

    try:
        record = store().update(assessment_id, with_summary, who())
    except NotFound:
        abort(404)
    made[0].record = record
    current_app.extensions["forethought"]["cache"].put(assessment_id, made[0])
    return record


def _keep(assessment_id: str, loaded: Loaded) -> None:
    loaded.record = store().get(assessment_id)
    current_app.extensions["forethought"]["cache"].put(assessment_id, loaded)
