"""What the operator heard, as the request's structured fields: the line's answers (from the
call card or the API) and what the person said fills in (60+ from the birth date, the phone,
the address, self-isolation). Pure: no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vmeste.assistance.services import RequestInput
    from vmeste.people.services import PersonInput

YES = {"yes", "да", "on", "1", "true"}
NO = {"no", "нет", "off", "0", "false"}


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def with_person_answers(
    data: RequestInput, person: PersonInput, e164: str, *, today: date
) -> RequestInput:
    """What the operator did not answer for the request comes from what was said of the
    person: the phone, the address, 60+ from the birth date or stated age, self-isolation."""
    age = age_on(person.birth_date, today)
    if age is None:
        age = person.age
    return replace(
        data,
        phone=data.phone or e164,
        address=data.address.strip() or person.address.strip(),
        age_60_plus=data.age_60_plus
        if data.age_60_plus is not None
        else (None if age is None else age >= 60),
        self_isolation=data.self_isolation
        if data.self_isolation is not None
        else person.flags.get("self_isolation"),
    )


def _yes_no(answer: str) -> bool | None:
    answer = answer.lower()
    return True if answer in YES else False if answer in NO else None


def answers_as_fields(given: dict[str, str]) -> dict:
    """The line's answers ({question code: answer}, from the card or the API) as the
    request's structured fields; every answer is kept in `intake` too, so a line's own
    question is never lost."""
    given = {str(code)[:60]: str(answer).strip()[:300] for code, answer in given.items()}
    given = {code: answer for code, answer in list(given.items())[:30] if answer}
    return {
        "district": given.get("district", "")[:150],
        "age_60_plus": _yes_no(given.get("age_60_plus", "")),
        "self_isolation": _yes_no(given.get("self_isolation", "")),
        "intake": given,
    }
