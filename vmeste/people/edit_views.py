"""Editing a person's card: a form for those with the right, over `services.update_person`
(which checks the right, the scope, consent and the version the user saw)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vmeste.accounts.roles import Right
from vmeste.core.errors import NotFound, ServiceError
from vmeste.people import services
from vmeste.people.models import SITUATION_FLAGS, Person

FIELDS = ("last_name", "first_name", "middle_name", "address", "household_size")


def can_edit(user) -> bool:
    """The right `update_person` checks; the card shows «Изменить» only to them."""
    return user.can(Right.REGISTER) and user.can(Right.SEE_PERSONAL_DATA)


def _values(person: Person) -> dict:
    values = {name: str(getattr(person, name) or "") for name in FIELDS}
    values["birth_date"] = person.birth_date.isoformat() if person.birth_date else ""
    values["version"] = str(person.version)
    for code in SITUATION_FLAGS:
        flag = getattr(person, code)
        values[f"flag.{code}"] = "" if flag is None else ("yes" if flag else "no")
    return values


def _read(post) -> tuple[services.PersonInput, dict]:
    errors: dict[str, list[str]] = {}
    birth = None
    if post.get("birth_date", "").strip():
        try:
            birth = date.fromisoformat(post["birth_date"].strip())
        except ValueError:
            errors["person.birth_date"] = [_("Дата в виде ДД.ММ.ГГГГ.")]
    size = post.get("household_size", "").strip()
    if size and not size.isdigit():
        errors["person.household_size"] = [_("Число людей в семье.")]
    flags = {
        code: {"yes": True, "no": False}.get(post.get(f"flag.{code}", ""))
        for code in SITUATION_FLAGS
    }
    data = services.PersonInput(
        phone=post.get("phone", "").strip()[:40],
        last_name=post.get("last_name", "")[:200],
        first_name=post.get("first_name", "")[:200],
        middle_name=post.get("middle_name", "")[:200],
        birth_date=birth,
        address=post.get("address", "")[:600],
        household_size=int(size) if size.isdigit() else None,
        flags={code: on for code, on in flags.items() if on is not None},
    )
    return data, errors


@login_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    if not can_edit(request.user):
        raise PermissionDenied
    try:
        person = services.get_person(person_id=person_id, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    values, errors, message, status = _values(person), {}, "", 200
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in request.POST}
        data, errors = _read(request.POST)
        version = values.get("version", "")
        try:
            if errors:
                raise ServiceError(_("Проверьте поля, отмеченные красным."), fields=errors)
            services.update_person(
                person_id=person.pk, data=data, actor=request.user,
                expected_version=int(version) if version.isdigit() else None,
            )  # fmt: skip
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ServiceError as exc:
            errors, message, status = exc.fields, exc.message, max(exc.status, 400)
        else:
            messages.success(request, _("Карточка сохранена."))
            return redirect("people:person_detail", person_id=person.pk)
    context = {
        "person": person,
        "values": values,
        "errors": {k.removeprefix("person."): v for k, v in errors.items()},
        "error_message": message,
        "flags": list(SITUATION_FLAGS.items()),
    }
    return render(request, "people/person_edit.html", context, status=status)
