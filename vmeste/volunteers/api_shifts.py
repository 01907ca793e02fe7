"""/api/v1/shifts: templates, the calendar, sign-up, swaps, attendance, coverage, iCalendar."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from vmeste.core.errors import NotFound, ValidationFailed
from vmeste.core.schemas import Id, ListOf
from vmeste.volunteers import rota, services, shifts
from vmeste.volunteers.models import Assignment, Shift, ShiftTemplate, Volunteer

router = Router(tags=["shifts"])


class TemplateIn(Schema):
    centre: str
    name: str
    starts: time
    ends: time
    headcount: dict[str, int]
    weekdays: list[int] = []


class TemplateOut(Schema):
    id: int
    name: str
    starts: time
    ends: time
    headcount: dict[str, int]
    weekdays: list[int]


class GenerateIn(Schema):
    centre: str
    first: date
    last: date


class GenerateOut(Schema):
    created: int


class PersonOnShift(Schema):
    assignment: int
    name: str
    role: str


class ShiftOut(Schema):
    id: int
    name: str
    local_date: date
    starts_at: datetime
    ends_at: datetime
    local_start: str
    local_end: str
    needed: dict[str, int]
    taken: dict[str, int]
    gaps: dict[str, int]
    people: list[PersonOnShift] = []


class SignUpIn(Schema):
    role: str
    volunteer: Id | None = None  # empty: the signed-in volunteer themselves
    employee: Id | None = None  # an employee of the centre instead (a supervisor's decision)


class AssignmentOut(Schema):
    id: int
    shift: int
    shift_name: str
    volunteer: int | None
    employee: int | None
    volunteer_name: str  # who holds the place: the volunteer's name, or the employee's
    role: str
    starts_at: datetime
    ends_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    hours: Decimal | None


class SwapIn(Schema):
    first: Id
    second: Id


class AttendanceIn(Schema):
    at: datetime | None = None


def fast_json(data: dict) -> HttpResponse:
    """The hot reads (a month's calendar, the dispatch board) skip re-validating their own
    output: the schema still documents the shape, the dict is built to match it."""
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False),
        content_type="application/json",
    )


def shape_view(view: rota.ShiftView) -> dict:
    s = view.shift
    return {
        "id": s.pk,
        "name": s.name,
        "local_date": s.local_date,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "local_start": view.local_start.isoformat(),
        "local_end": view.local_end.isoformat(),
        "needed": view.needed,
        "taken": view.taken,
        "gaps": view.gaps,
        "people": [{"assignment": a, "name": n, "role": r} for a, n, r in view.people],
    }


def shape_assignment(a: Assignment) -> dict:
    return {
        "id": a.pk,
        "shift": a.shift_id,
        "shift_name": a.shift.name,
        "volunteer": a.volunteer_id,
        "employee": a.employee_id,
        "volunteer_name": a.person_name,
        "role": a.role,
        "starts_at": a.shift.starts_at,
        "ends_at": a.shift.ends_at,
        "checked_in_at": a.checked_in_at,
        "checked_out_at": a.checked_out_at,
        "hours": a.hours,
    }


def _shift(request: HttpRequest, shift_id: Id) -> Shift:
    shift = shifts.shifts_for(request.user).filter(pk=shift_id).first()
    own = getattr(request.user, "volunteer", None)
    if shift is None and own is not None:
        shift = Shift.objects.filter(pk=shift_id, centre=own.centre).first()
    if shift is None:
        raise NotFound("Смена не найдена.")
    return shift


def _assignment(request: HttpRequest, assignment_id: Id) -> Assignment:
    a = (
        Assignment.objects.select_related("shift", "volunteer", "employee", "shift__centre__region")
        .filter(pk=assignment_id)
        .first()
    )
    allowed = a is not None and (
        (
            services.can_manage(request.user)
            and shifts.shifts_for(request.user).filter(pk=a.shift_id).exists()
        )
        or (a.volunteer_id and a.volunteer.user_id == request.user.pk)
        or a.employee_id == request.user.pk
    )
    if not allowed:
        raise NotFound("Запись на смену не найдена.")
    return a


@router.get("/shifts/templates", response=ListOf(TemplateOut))
def list_templates(request: HttpRequest, centre: str):
    items = list(
        ShiftTemplate.objects.filter(centre=services.centre_by_code(centre, user=request.user))
    )
    return {"items": items, "count": len(items)}


@router.post("/shifts/templates", response={201: TemplateOut})
def create_template(request: HttpRequest, payload: TemplateIn):
    template = shifts.create_template(
        centre=services.centre_by_code(payload.centre, user=request.user),
        actor=request.user,
        **payload.dict(exclude={"centre"}),
    )
    return Status(201, template)


@router.post("/shifts/generate", response={201: GenerateOut})
def generate(request: HttpRequest, payload: GenerateIn):
    created = shifts.generate(
        centre=services.centre_by_code(payload.centre, user=request.user),
        first=payload.first,
        last=payload.last,
        actor=request.user,
    )
    return Status(201, {"created": created})


@router.get("/shifts", response=ListOf(ShiftOut))
def calendar(request: HttpRequest, centre: str, first: date, last: date):
    if (last - first).days > 62:
        raise ValidationFailed({"last": "Не больше двух месяцев за раз."})
    views = rota.calendar(
        centre=services.centre_by_code(centre, user=request.user), first=first, last=last
    )
    return fast_json({"items": [shape_view(v) for v in views], "count": len(views)})


@router.get("/shifts/coverage", response=ListOf(ShiftOut))
def coverage(request: HttpRequest, centre: str, days: int = 7):
    services.require_manager(request.user)
    views = rota.coverage(
        centre=services.centre_by_code(centre, user=request.user), days=max(0, min(days, 62))
    )
    return {"items": [shape_view(v) for v in views], "count": len(views)}


@router.get("/shifts/mine", response=ListOf(AssignmentOut))
def mine(request: HttpRequest, upcoming: bool | None = None):
    volunteer = getattr(request.user, "volunteer", None)
    if volunteer is None:
        raise NotFound("Вы не зарегистрированы как волонтёр.")
    items = [shape_assignment(a) for a in shifts.my_shifts(volunteer=volunteer, upcoming=upcoming)]
    return {"items": items, "count": len(items)}


@router.get("/shifts/feed/{token}.ics", auth=None)
def feed(request: HttpRequest, token: str):
    """A calendar application subscribes to this address; the token is the only key."""
    volunteer = Volunteer.objects.filter(calendar_token=token).first()
    if volunteer is None:
        raise NotFound()
    response = HttpResponse(shifts.ics_feed(volunteer=volunteer), content_type="text/calendar")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    return response


@router.post("/shifts/swap", response=ListOf(AssignmentOut))
def swap(request: HttpRequest, payload: SwapIn):
    a, b = shifts.swap(
        first=_assignment(request, payload.first),
        second=_assignment(request, payload.second),
        actor=request.user,
    )
    return {"items": [shape_assignment(a), shape_assignment(b)], "count": 2}


@router.get("/shifts/{shift_id}", response=ShiftOut)
def get_shift(request: HttpRequest, shift_id: Id):
    shift = _shift(request, shift_id)
    views = rota.calendar(centre=shift.centre, first=shift.local_date, last=shift.local_date)
    return shape_view(next(v for v in views if v.shift.pk == shift.pk))


@router.post("/shifts/{shift_id}/assignments", response={201: AssignmentOut})
def sign_up(request: HttpRequest, shift_id: Id, payload: SignUpIn):
    shift = _shift(request, shift_id)
    if payload.employee is not None:
        employee = services.get_employee(user=request.user, pk=payload.employee)
        a = shifts.staff(shift=shift, employee=employee, role=payload.role, actor=request.user)
        return Status(201, shape_assignment(a))
    if payload.volunteer is None:
        volunteer = getattr(request.user, "volunteer", None)
        if volunteer is None:
            raise ValidationFailed({"volunteer": "Укажите волонтёра."})
    else:
        volunteer = services.get_volunteer(user=request.user, pk=payload.volunteer)
    a = shifts.sign_up(shift=shift, volunteer=volunteer, role=payload.role, actor=request.user)
    return Status(201, shape_assignment(a))


@router.delete("/shifts/assignments/{assignment_id}", response={204: None})
def cancel(request: HttpRequest, assignment_id: Id):
    shifts.cancel(assignment=_assignment(request, assignment_id), actor=request.user)
    return Status(204, None)


@router.post("/shifts/assignments/{assignment_id}/check-in", response=AssignmentOut)
def check_in(request: HttpRequest, assignment_id: Id, payload: AttendanceIn):
    a = shifts.check_in(
        assignment=_assignment(request, assignment_id), actor=request.user, at=payload.at
    )
    return shape_assignment(a)


@router.post("/shifts/assignments/{assignment_id}/check-out", response=AssignmentOut)
def check_out(request: HttpRequest, assignment_id: Id, payload: AttendanceIn):
    a = shifts.check_out(
        assignment=_assignment(request, assignment_id), actor=request.user, at=payload.at
    )
    return shape_assignment(a)
