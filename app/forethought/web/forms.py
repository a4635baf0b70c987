"""Forms, as classes. Every form carries a CSRF token (WTForms' SessionCSRF).

Section forms are built from a bank's questions: one field per question, plus
an evidence field where the question asks for it and a note field. A field
left empty means "not answered", never "none": the engine must be able to
tell the two apart. Validation only refuses values of the wrong kind (a word
where a number goes, a date that does not exist); missing answers are fine in
a draft and show up on the task list instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import Field, FileField, Form, HiddenField, StringField, TextAreaField
from wtforms.csrf.session import SessionCSRF
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from .. import dates, documents
from ..banks import Bank, Question
from ..conditions import DONT_KNOW, NOT_DECIDED
from ..decisions import DECISIONS
from ..escape import filename, visible
from ..publishing import publish


class BaseForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = dt.timedelta(hours=12)

        def wrap_formdata(self, form, formdata):
            """What a person sent, each text with its invisible and control characters taken
            out (escape.visible) before any field reads it; uploaded files as they came."""
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None:
                return None
            return MultiDict(
                (name, visible(value) if isinstance(value, str) else value)
                for name, value in formdata.items(multi=True)
            )


# --- Fields for each question type -------------------------------------------


class QuestionField(Field):
    """A field that knows its question; templates render it from the question."""

    question: Question

    def __init__(self, question: Question, **kwargs):
        super().__init__(label=question.prompt, **kwargs)
        self.question = question
        self.raw = ""

    def answer_value(self) -> Any:
        """The value to store, or None for no answer."""
        return self.data


class ChoiceField(QuestionField):
    """Single choice and yes/no: radios."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist and valuelist[0] else None

    def pre_validate(self, form):
        if self.data is not None and self.data not in self.question.values:
            raise ValidationError("Choose one of the options")

    @property
    def choices(self) -> list[tuple[str, str, str | None]]:
        q = self.question
        if q.type == "yes_no":
            items = [("yes", "Yes", None), ("no", "No", None)]
        else:
            items = [(o.value, o.label, o.hint) for o in q.options]
        if q.not_decided:
            items.append((NOT_DECIDED, "Not decided yet: ask bidders", "It becomes a question for bidders."))
        if q.dont_know:
            items.append((DONT_KNOW, "Don't know", None))
        return items


class MultiChoiceField(ChoiceField):
    """Multiple choice: checkboxes. Nothing ticked is no answer."""

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v] or None

    def process_data(self, value):
        self.data = list(value) if value else None

    def pre_validate(self, form):
        if self.data and any(v not in self.question.values for v in self.data):
            raise ValidationError("Choose from the options shown")


class TextField(QuestionField):
    def process_formdata(self, valuelist):
        text = valuelist[0].replace("\r\n", "\n").strip() if valuelist else ""
        self.raw = text
        self.data = text or None

    def process_data(self, value):
        self.data = value
        self.raw = value or ""

    def pre_validate(self, form):
        limit = self.question.max_length or documents.TEXT_LIMIT
        if self.data and len(self.data) > limit:
            raise ValidationError(f"Answer must be {limit:,} characters or fewer (it is {len(self.data):,})")


class ListField(QuestionField):
    """One item per line."""

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.raw = text
        items = [line.strip() for line in text.splitlines() if line.strip()]
        self.data = items or None

    def process_data(self, value):
        self.data = value
        self.raw = "\n".join(value or [])

    def pre_validate(self, form):
        q = self.question
        if not self.data:
            return
        if q.max_items and len(self.data) > q.max_items:
            raise ValidationError(f"Enter {q.max_items} items or fewer, one on each line")
        for item in self.data:
            if len(item) > 500:
                raise ValidationError("Each line must be 500 characters or fewer")
            if q.item_pattern and not re.fullmatch(q.item_pattern, item):
                raise ValidationError(f"“{item[:60]}” is not right: {q.item_pattern_message}")


class NumberField(QuestionField):
    """A number box, and a "Don't know" checkbox where the question offers one."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self.unknown = self.data == DONT_KNOW
        if formdata is not None and self.question.dont_know and formdata.get(f"{self.name}-dont_know"):
            if self.data is None:
                self.data, self.unknown = DONT_KNOW, True
            else:
                self.parse_error = "Enter a number or tick \u201cDon\u2019t know\u201d, not both"

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw = text
        self.data = None
        self.parse_error = None
        if not text:
            return
        cleaned = text.replace(",", "").replace(" ", "")
        try:
            number = float(cleaned)
        except ValueError:
            self.parse_error = "Enter a number, like 30"
            return
        if number != number or number in (float("inf"), float("-inf")):
            self.parse_error = "Enter a number, like 30"
            return
        self.data = int(number) if number.is_integer() else number

    def process_data(self, value):
        self.data = value
        self.raw = (
            "" if value is None or value == DONT_KNOW else f"{value:g}" if isinstance(value, float) else str(value)
        )
        self.parse_error = None

    def pre_validate(self, form):
        q = self.question
        if getattr(self, "parse_error", None):
            raise ValidationError(self.parse_error)
        if self.data is None or self.data == DONT_KNOW:
            return
        if q.integer and not float(self.data).is_integer():
            raise ValidationError("Enter a whole number")
        if q.minimum is not None and self.data < q.minimum:
            raise ValidationError(f"Enter a number of {q.minimum:g} or more")
        if q.maximum is not None and self.data > q.maximum:
            raise ValidationError(f"Enter a number of {q.maximum:g} or less")


class DateField(QuestionField):
    """A date as three boxes (day, month, year), the pattern people find easiest."""

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.parse_error = None
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in dates.PARTS):
            self.parts = {p: formdata.get(f"{self.name}-{p}") or "" for p in dates.PARTS}
            self.data, self.parse_error = dates.from_parts(self.parts)
        else:
            self.data = None if data is unset_value else data
            self.parts = dates.parts_of(self.data)

    def pre_validate(self, form):
        if self.parse_error:
            raise ValidationError(self.parse_error)


FIELD_FOR_TYPE = {
    "single_choice": ChoiceField,
    "yes_no": ChoiceField,
    "multiple_choice": MultiChoiceField,
    "text": TextField,
    "list": ListField,
    "number": NumberField,
    "date": DateField,
}


class SectionForm(BaseForm):
    """Base of the forms built for each section of a bank."""

    base = HiddenField()  # a hash of the saved answers the page was built from

    question_ids: tuple[str, ...] = ()
    # Questions a save cannot go without, each with its message (the title, before an
    # assessment exists); every other answer may be left for later.
    needed: tuple[tuple[str, str], ...] = ()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for qid, message in self.needed:
            field = self[qid]
            if not field.errors and field.answer_value() is None:
                field.errors = [message]
                valid = False
        return valid

    def question_fields(self) -> list[QuestionField]:
        return [self[qid] for qid in self.question_ids]

    def answers(self) -> dict[str, dict]:
        """{question id: answer object} for every question on the page; an
        empty object means the question has no answer, evidence or note."""
        out = {}
        for qid in self.question_ids:
            answer: dict[str, Any] = {}
            value = self[qid].answer_value()
            if value is not None:
                answer["value"] = value
            for key in ("evidence", "note"):
                name = f"{qid}-{key}"
                if name in self._fields and self[name].data and self[name].data.strip():
                    answer[key] = self[name].data.strip()
            out[qid] = answer
        return out


@lru_cache(maxsize=512)
def section_form_class(
    bank: Bank, section_id: str, shown: tuple[str, ...], needed: tuple[tuple[str, str], ...] = ()
) -> type[SectionForm]:
    """A form class for one section, with the questions now shown (and those it cannot go without)."""
    attrs: dict[str, Any] = {"question_ids": shown, "needed": tuple(n for n in needed if n[0] in shown)}
    for qid in shown:
        q = bank.questions[qid]
        attrs[qid] = FIELD_FOR_TYPE[q.type](q)
        if q.evidence:
            attrs[f"{qid}-evidence"] = StringField(
                "Evidence (optional)", validators=[Optional(), Length(max=documents.EVIDENCE_LIMIT)]
            )
        attrs[f"{qid}-note"] = TextAreaField(
            "Note (optional)", validators=[Optional(), Length(max=documents.NOTE_LIMIT)]
        )
    return type(f"Section_{bank.id}_{section_id}", (SectionForm,), attrs)


def initial_data(doc: dict, bank_id: str, question_ids: tuple[str, ...]) -> dict:
    data: dict[str, Any] = {}
    for qid in question_ids:
        answer = documents.answer(doc, bank_id, qid)
        data[qid] = answer.get("value")
        data[f"{qid}-evidence"] = answer.get("evidence", "")
        data[f"{qid}-note"] = answer.get("note", "")
    return data


# --- Other forms -----------------------------------------------------------------


class ActionsForm(BaseForm):
    """Owners and review dates for risks; status, owner and due date for mitigations.
    Fields are added per bank by `actions_form_class`."""

    MITIGATION_KEYS = ("status", "owner", "due", "evidence", "note")
    titles: dict[str, str] = {}  # each mitigation's short title, for the messages that name it
    RISK_KEYS = ("owner", "review_date", "treatment", "note")

    base = HiddenField()

    @classmethod
    def data_from(cls, doc: dict, bank_id: str, ids: tuple[tuple[str, ...], tuple[str, ...]]) -> dict:
        """The saved records of the mitigations and risks a page shows, as field data."""
        data = {}
        for mid in ids[0]:
            data.update({f"{mid}-{k}": v for k, v in documents.mitigation_record(doc, bank_id, mid).items()})
        for rid in ids[1]:
            data.update({f"{rid}-{k}": v for k, v in documents.risk_record(doc, bank_id, rid).items()})
        return data

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in [n for n in self._fields if n.endswith("-status")]:
            mid = name.removesuffix("-status")
            note = self[mid + "-note"]
            if self[name].data == "declined" and not (note.data or "").strip():
                note.errors = [*note.errors, f"Say why you are declining {mid} ({self.titles.get(mid, mid)})"]
                valid = False
        return valid

    def records(self, ids: tuple[tuple[str, ...], tuple[str, ...]]) -> tuple[dict, dict]:
        """The mitigation and risk records this form writes, for the ids the page showed."""
        return (
            {mid: self._record(mid, self.MITIGATION_KEYS) for mid in ids[0]},
            {rid: self._record(rid, self.RISK_KEYS) for rid in ids[1]},
        )

    def _record(self, prefix: str, keys: tuple[str, ...]) -> dict:
        out = {}
        for key in keys:
            value = (self[f"{prefix}-{key}"].data or "").strip()
            # "Recommended" is what an absent status means.
            if value and not (key == "status" and value == "recommended"):
                out[key] = value
        return out


class DateText(StringField):
    """A date entered as three boxes (name-day, name-month, name-year), or typed into one box
    by a script or an older page; stored as ISO. Empty is fine."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.parse_error = None
        boxes = {p: (formdata.get(f"{self.name}-{p}") or "") for p in dates.PARTS} if formdata is not None else {}
        if any(v.strip() for v in boxes.values()):
            self.parts = boxes
        elif formdata is not None and (formdata.get(self.name) or "").strip():
            typed = dates.typed(formdata.get(self.name) or "")
            self.parts = typed or {"day": formdata.get(self.name) or "", "month": "", "year": ""}
            iso, self.parse_error = dates.read(typed)
            self.data = iso or ""
            return
        else:
            self.data = "" if data is unset_value or data is None else data
            self.parts = dates.parts_of(self.data)
            return
        iso, self.parse_error = dates.from_parts(self.parts)
        self.data = iso or ""

    def pre_validate(self, form):
        # A date that cannot be read says only that: no "enter the date" on top of it.
        if self.parse_error:
            raise StopValidation(self.parse_error)


def short_action(action: str, limit: int = 80) -> str:
    """A mitigation's action cut to its first clause, to name it in a message or a heading."""
    first = re.split(r"(?<=[a-z])[.:;] ", action, maxsplit=1)[0].rstrip(".")
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _choice_validator(allowed: Collection[str], message: str):
    def check(form, field):
        if field.data and field.data not in allowed:
            raise ValidationError(message)

    return check


@lru_cache(maxsize=64)
def actions_form_class(bank: Bank) -> type[ActionsForm]:
    attrs: dict[str, Any] = {"titles": {m.id: short_action(m.action) for m in bank.mitigations}}
    for m in bank.mitigations:
        attrs[f"{m.id}-status"] = StringField(
            "Status",
            validators=[Optional(), _choice_validator(documents.MITIGATION_STATUSES, "Choose a status from the list")],
        )
        attrs[f"{m.id}-owner"] = StringField("Owner", validators=[Optional(), Length(max=200)])
        attrs[f"{m.id}-due"] = DateText("Due date")
        attrs[f"{m.id}-evidence"] = StringField(
            "Evidence", validators=[Optional(), Length(max=documents.EVIDENCE_LIMIT)]
        )
        attrs[f"{m.id}-note"] = TextAreaField("Note", validators=[Optional(), Length(max=documents.NOTE_LIMIT)])
    for r in bank.risks:
        attrs[f"{r.id}-owner"] = StringField("Risk owner", validators=[Optional(), Length(max=200)])
        attrs[f"{r.id}-review_date"] = DateText("Review date")
        attrs[f"{r.id}-treatment"] = StringField(
            "Treatment",
            validators=[Optional(), _choice_validator(documents.TREATMENTS, "Choose a treatment from the list")],
        )
        attrs[f"{r.id}-note"] = TextAreaField("Note", validators=[Optional(), Length(max=documents.NOTE_LIMIT)])
    return type(f"Actions_{bank.id}", (ActionsForm,), attrs)


class ImportForm(BaseForm):
    """One JSON file uploaded; `missing` says what to choose when none was."""

    file = FileField("Assessment file")

    def __init__(self, *args, missing: str = "Choose a file", **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = missing

    def validate_file(self, field) -> None:
        if not getattr(field.data, "filename", None):
            raise ValidationError(self.missing)

    def upload(self) -> tuple[str, bytes]:
        """The uploaded file's name, made safe to show and save, and its bytes."""
        stem = self.file.data.filename.rsplit(".", 1)[0]
        return filename(stem, default="the file") + ".json", self.file.data.read()


class DuplicateForm(BaseForm):
    """The stage a copy is made for: one of the profile's stages."""

    stage = StringField("Stage", validators=[DataRequired("Choose the procurement stage for the new copy")])

    def __init__(self, *args, stages: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.stages = stages

    def validate_stage(self, field) -> None:
        if field.data not in self.stages:
            raise ValidationError("Choose the procurement stage for the new copy")


class NameForm(BaseForm):
    name = StringField("Your name", validators=[DataRequired("Enter your name"), Length(max=80)])


class PersonForm(BaseForm):
    """An administrator adds a person (web/accounts.py checks the details)."""

    username = StringField("Username", validators=[DataRequired("Enter a username"), Length(max=40)])
    name = StringField("Full name", validators=[DataRequired("Enter the person's full name"), Length(max=100)])
    role = StringField("Role", validators=[DataRequired("Choose a role")])
    password = StringField("First password", validators=[DataRequired("Enter a first password")])


class PersonChangeForm(BaseForm):
    """An administrator changes a person's role, or stops them signing in."""

    role = StringField("Role", validators=[Optional()])
    disable = StringField("Disable", validators=[Optional()])


class SignInForm(BaseForm):
    # Asked for once people have been added (web/accounts.py); ignored before.
    username = StringField("Username", validators=[Optional(), Length(max=40)])
    password = StringField("Password", validators=[DataRequired("Enter the password")])


class ConfirmForm(BaseForm):
    """A form with nothing but its CSRF token, for a single button."""


class PublishForm(BaseForm):
    """The sign-off. What to withhold is read alongside it, one checkbox and reason per field
    (or, for a field the latest version withheld, a choice to keep it withheld or make it
    public), because the fields depend on the assessment."""

    name = StringField(
        "Name", validators=[DataRequired("Enter the name of the person signing this off"), Length(max=200)]
    )
    role = StringField(
        "Role", validators=[DataRequired("Enter their role, such as senior responsible owner"), Length(max=200)]
    )
    date = DateText("Date")
    decision = StringField(
        "Decision",
        validators=[DataRequired("Choose the decision"), _choice_validator(DECISIONS, "Choose the decision")],
    )
    note = TextAreaField("Conditions or comments (optional)", validators=[Optional(), Length(max=documents.NOTE_LIMIT)])
    dpo_name = StringField("Data protection officer's name (optional)", validators=[Optional(), Length(max=200)])
    dpo_date = DateText("Date the data protection officer signed it off")
    # The preview's fingerprint and time, carried by the confirmation (ConfirmPublishForm).
    previewed = HiddenField()
    previewed_at = HiddenField()

    def __init__(
        self,
        *args,
        fields: Sequence[publish.Withholdable] = (),
        carried: dict[str, str] | None = None,
        conflict=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields = list(fields)
        self.carried = carried or {}
        # conflict(decision, note) says why a decision goes against the ratings (publish.decision_conflict).
        self.conflict = conflict
        self._posted = kwargs.get("formdata")
        # Before anything is posted, what the latest version withheld stays withheld.
        self.withheld: dict[str, str] = {p: r for p, r in self.carried.items() if p in {f.pointer for f in self.fields}}
        self.lifted: set[str] = set()
        self.withhold_errors: list[tuple[str, str]] = []

    def validate_date(self, field):
        if not (field.data or "").strip():
            raise ValidationError("Enter the date of the sign-off")

    def validate_dpo_date(self, field):
        if (self.dpo_name.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Enter the date the data protection officer signed it off")
        if (field.data or "").strip() and not (self.dpo_name.data or "").strip():
            raise ValidationError("Enter the data protection officer's name, or leave their date empty")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not in validate_note: an empty note stops the note's own validators.
        problem = self.conflict and not self.decision.errors and self.conflict(self.decision.data, self.note.data)
        if problem:
            self.note.errors.append(problem)
            valid = False
        self._read_withholdings()
        return valid and not self.withhold_errors

    def _read_withholdings(self) -> None:
        """The fields to withhold and their reasons, from the posted checkboxes and choices. A
        field the latest version withheld is only made public when that is chosen, never
        because nothing was sent for it."""
        posted = self._posted or {}
        allowed = {f.pointer for f in self.fields}
        self.withheld, self.lifted, self.withhold_errors = {}, set(), []
        answered = set()
        for key, where in posted.items():
            if not key.startswith("withhold-"):
                continue
            index = key.removeprefix("withhold-")
            answered.add(index)
            if not where:
                continue
            reason = (posted.get(f"reason-{index}") or "").strip()
            self.withheld[where] = reason
            problem = publish.reason_too_long(reason) if reason else "say why this field is withheld"
            if where not in allowed:
                self.withhold_errors.append(
                    (key, "A field you chose to withhold has changed since this page loaded. Check the list again.")
                )
            elif problem:
                self.withhold_errors.append((f"reason-{index}", problem[0].upper() + problem[1:]))
        for i, f in enumerate(self.fields, 1):
            if f.pointer in self.carried and f.pointer not in self.withheld:
                self.lifted.add(f.pointer)
                if str(i) not in answered:
                    self.withhold_errors.append(
                        (f"withhold-{i}", f"Choose whether to keep {f.label} withheld or make it public")
                    )

    def sign_off(self) -> dict:
        """The sign-off to publish: each field given, trimmed."""
        given = {name: (self[name].data or "").strip() for name in documents.SIGN_OFF_FIELDS}
        return {k: v for k, v in given.items() if v}

    def redactions(self) -> list[dict]:
        return [{"pointer": p, "reason": r} for p, r in self.withheld.items()]

    def posted_withholdings(self) -> list[tuple[str, str]]:
        """The withholding choices as posted, to carry unchanged from the preview to the confirmation."""
        posted = self._posted or {}
        return [(k, v) for k, v in posted.items() if k.startswith(("withhold-", "reason-"))]


class ConfirmPublishForm(PublishForm):
    """The confirmation after the preview: the same sign-off, and the fingerprint of what was shown."""

    previewed = HiddenField(validators=[DataRequired("Preview what will be published, then confirm it")])


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        "Why", validators=[DataRequired("Say why you are withdrawing this version"), Length(max=1000)]
    )


class ReviewNoteForm(BaseForm):
    """A reviewer's note on the publication as a whole, one of its risks, or one of its answers."""

    target = StringField("About", validators=[DataRequired("Choose what the note is about")])
    note = TextAreaField("Note", validators=[DataRequired("Write your note"), Length(max=documents.NOTE_LIMIT)])

    def __init__(self, *args, targets: list[str] | tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets

    def validate_target(self, field) -> None:
        if field.data not in self.targets:
            raise ValidationError("Choose what the note is about")
