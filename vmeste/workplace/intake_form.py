"""The call card's one form, read into the services' inputs.

The form registers a contact and, when the operator asks for it, the person and the request.
Every part is checked before anything is written, so the operator sees all the errors at
once, each next to its field; the services check again when they write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from vmeste.assistance import services as assistance
from vmeste.assistance.answers import NO, YES, answers_as_fields
from vmeste.contacts import services as contacts
from vmeste.contacts.models import Channel, Disposition
from vmeste.core import services as reference
from vmeste.core.dates import read_date
from vmeste.core.errors import ServiceError, ValidationFailed
from vmeste.core.models import Line, Region
from vmeste.people import services as people
from vmeste.people.models import SITUATION_FLAGS


@dataclass
class IntakeForm:
    contact: contacts.ContactInput | None = None
    person: people.PersonInput | None = None
    request: assistance.RequestInput | None = None
    with_request: bool = False
    consent: bool = False
    person_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def absorb(self, exc: ServiceError) -> None:
        for name, messages in exc.fields.items():
            self.errors.setdefault(name, []).extend(messages)


def _lookup(form: IntakeForm, finder, code: str, name: str):
    try:
        return finder(code, field=name)
    except ValidationFailed as exc:
        form.absorb(exc)
        return None


def _date(form: IntakeForm, text: str, name: str) -> date | None:
    value, problem = read_date(text.strip())
    if problem:
        form.fail(name, problem)
    return value


def intake_answers(line: Line | None, post) -> tuple[list[tuple[str, str, str]], dict]:
    """The line's questions with the answers given: [(code, label, answer)], and errors."""
    answers, errors = [], {}
    for item in (line.intake_fields if line else []) or []:
        code = str(item.get("code", ""))
        answer = post.get(f"intake.{code}", "").strip()[:300]
        answers.append((code, str(item.get("label", code)), answer))
        if item.get("required") and not answer:
            errors[f"intake.{code}"] = [_("Спросите: это обязательный вопрос линии.")]
    return answers, errors


def _notes(notes: str, answers: list[tuple[str, str, str]]) -> str:
    """The answers to the line's questions are kept with the contact, one per line."""
    lines = [f"{label}: {answer}" for _code, label, answer in answers if answer]
    return "\n".join([*lines, notes.strip()] if lines else [notes.strip()]).strip()


def read(post, *, user) -> IntakeForm:
    """The whole form: the contact always, the person and the request when asked for."""
    form = IntakeForm()
    line = _lookup(form, reference.line_by_code, post.get("line", ""), "line")
    region: Region | None = None
    if post.get("region"):
        region = _lookup(form, reference.region_by_code, post.get("region", ""), "region")
    form.with_request = post.get("with_request") == "on"
    form.consent = post.get("consent") == "on"
    if post.get("person_id", "").isdecimal():
        form.person_id = int(post["person_id"])
    answers, intake_errors = intake_answers(line, post)
    # The topic is asked of every contact (figures count them); a request needs one.
    category = None
    if post.get("category"):
        category = _lookup(form, reference.category_by_code, post["category"], "category")
    if line is not None:
        _read_contact(form, post, line, region, category, answers)
    if form.with_request:
        for name, messages in intake_errors.items():
            form.errors.setdefault(name, []).extend(messages)
        _read_person(form, post, region, answers)
        _read_request(form, post, line, region, category, answers)
    return form


def _read_contact(form: IntakeForm, post, line: Line, region, category, answers) -> None:
    disposition = post.get("disposition") or Disposition.CONSULTATION
    if form.with_request and disposition == Disposition.CONSULTATION:
        disposition = Disposition.REQUEST_REGISTERED
    form.contact = contacts.ContactInput(
        line=line,
        channel=post.get("channel") or Channel.PHONE,
        region=region,
        caller_number=post.get("caller_number", ""),
        disposition=disposition,
        notes=_notes(post.get("notes", ""), answers),
        categories=[category] if category is not None else [],
        call_id=post.get("call_id", "").strip(),
    )
    try:
        contacts.validate(form.contact)
    except ValidationFailed as exc:
        form.absorb(exc)


def _read_person(form: IntakeForm, post, region, answers) -> None:
    """The person a request is for: consent first, then who they are."""
    if not form.consent:
        form.fail("consent", _("Без согласия на обработку персональных данных заявку не завести."))
    if region is None and "region" not in form.errors:
        form.fail("region", _("Укажите регион заявителя."))
    # Yes, no, or not asked: only an answer given is stored.
    flags = {
        code: answer.lower() in YES
        for code, _label, answer in answers
        if code in SITUATION_FLAGS and answer.lower() in YES | NO
    }
    form.person = people.PersonInput(
        phone=post.get("person.phone") or post.get("caller_number", ""),
        last_name=post.get("person.last_name", "").strip(),
        first_name=post.get("person.first_name", "").strip(),
        middle_name=post.get("person.middle_name", "").strip(),
        birth_date=_date(form, post.get("person.birth_date", ""), "person.birth_date"),
        region=region,
        address=post.get("person.address", "").strip(),
        flags=flags,
    )
    try:
        people.validate(form.person)
    except ValidationFailed as exc:
        form.absorb(exc)


def _read_request(form: IntakeForm, post, line, region, category, answers) -> None:
    """The request itself: its line, region and category, and the answers as its fields."""
    if not post.get("category"):
        form.fail("category", _("Выберите категорию."))
    if line is None or region is None or category is None:
        if not post.get("description", "").strip():
            form.fail("description", _("Опишите, что нужно."))
        return
    top, sub = assistance.split_category(category)
    form.request = assistance.RequestInput(
        line=line,
        region=region,
        category=top,
        subcategory=sub,
        description=post.get("description", ""),
        urgency=post.get("urgency") or "normal",
        **answers_as_fields({code: answer for code, _l, answer in answers}),
    )
    try:
        assistance.validate(form.request)
    except ValidationFailed as exc:
        form.absorb(exc)
