"""Shifts: templates, the generated calendar, sign-up within the limits, swaps, attendance,
coverage and the iCalendar feed. The only code that writes shifts and assignments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.core.errors import Conflict, Forbidden, ValidationFailed
from vmeste.core.models import Centre
from vmeste.core.scoping import scoped
from vmeste.volunteers import rules, schedule
from vmeste.volunteers.models import (
    Assignment,
    Shift,
    ShiftTemplate,
    Volunteer,
    VolunteerRole,
)
from vmeste.volunteers.services import can_manage, eligibility, require_manager, roles_of

# How far ahead a volunteer may sign up, and how early before the start check-in opens.
CHECK_IN_EARLY = timedelta(hours=1)


def centre_zone(centre: Centre) -> str:
    return centre.region.time_zone if centre.region_id else settings.TIME_ZONE


def _clean_headcount(headcount: dict) -> dict[str, int]:
    clean = {}
    for role, count in (headcount or {}).items():
        if role not in VolunteerRole.values:
            raise ValidationFailed({"headcount": _("Неизвестная роль: %s.") % role})
        if int(count) < 0:
            raise ValidationFailed({"headcount": _("Число людей не может быть меньше нуля.")})
        if int(count):
            clean[role] = int(count)
    if not clean:
        raise ValidationFailed({"headcount": _("Укажите, сколько людей нужно на смену.")})
    return clean


def create_template(
    *,
    centre: Centre,
    name: str,
    starts: time,
    ends: time,
    headcount: dict,
    actor,
    weekdays: list[int] | None = None,
) -> ShiftTemplate:
    require_manager(actor)
    if starts == ends:
        raise ValidationFailed({"ends": _("Смена не может начинаться и кончаться в одно время.")})
    if any(d not in range(7) for d in weekdays or []):
        raise ValidationFailed({"weekdays": _("Дни недели — числа от 0 (пн) до 6 (вс).")})
    return ShiftTemplate.objects.create(
        centre=centre,
        name=name,
        starts=starts,
        ends=ends,
        weekdays=sorted(set(weekdays or [])),
        headcount=_clean_headcount(headcount),
    )


def generate(*, centre: Centre, first: date, last: date, actor) -> int:
    """Lay the centre's templates into the calendar; days already laid are kept as they are."""
    require_manager(actor)
    if last < first or (last - first).days > 366:
        raise ValidationFailed({"last": _("Период — от одного дня до года.")})
    zone = centre_zone(centre)
    shifts = []
    for template in ShiftTemplate.objects.filter(centre=centre, is_active=True):
        for occ in schedule.occurrences(
            first=first,
            last=last,
            starts=template.starts,
            ends=template.ends,
            weekdays=template.weekdays,
            zone=zone,
        ):
            shifts.append(
                Shift(
                    centre=centre,
                    template=template,
                    name=template.name,
                    local_date=occ.local_date,
                    starts_at=occ.starts_at,
                    ends_at=occ.ends_at,
                    headcount=template.headcount,
                )
            )
    before = Shift.objects.filter(centre=centre).count()
    Shift.objects.bulk_create(shifts, ignore_conflicts=True, batch_size=500)
    return Shift.objects.filter(centre=centre).count() - before


def shifts_for(user) -> QuerySet[Shift]:
    return scoped(Shift.objects.select_related("centre", "centre__region"), user)


def _volunteer_may_act(actor, volunteer: Volunteer) -> bool:
    return actor is not None and actor.is_authenticated and volunteer.user_id == actor.pk


def _holder_may_act(actor, assignment: Assignment) -> bool:
    """The person on the place: the volunteer's own account, or the employee."""
    if assignment.volunteer_id:
        return _volunteer_may_act(actor, assignment.volunteer)
    return actor is not None and actor.is_authenticated and assignment.employee_id == actor.pk


def sign_up(*, shift: Shift, volunteer: Volunteer, role: str, actor) -> Assignment:
    """Put a volunteer on a shift (themselves, or by a supervisor). The shift row is locked so
    that two people taking its last place at the same moment cannot both get it."""
    if not (can_manage(actor) or _volunteer_may_act(actor, volunteer)):
        raise Forbidden(_("Записать на смену можно только себя."))
    if volunteer.centre_id != shift.centre_id:
        raise ValidationFailed({"shift": _("Эта смена другого центра.")})
    if volunteer.status != rules.ACTIVE:
        raise ValidationFailed(
            {"volunteer": _("На смены записываются только активные волонтёры.")},
            code="not_active",
        )
    reasons = eligibility(volunteer=volunteer, today=timezone.localdate())
    if reasons:
        raise ValidationFailed(
            {r.field: r.message for r in reasons}, reasons[0].message, code=reasons[0].code
        )
    if role not in roles_of(volunteer):
        raise ValidationFailed(
            {"role": _("У волонтёра нет роли «%s».") % VolunteerRole(role).label}
            if role in VolunteerRole.values
            else {"role": _("Неизвестная роль: %s.") % role},
            code="role_missing",
        )
    return _take_place(shift=shift, role=role, actor=actor, volunteer=volunteer)


# Employees who may stand a shift: the centre's own staff who answer or follow up calls.
EMPLOYEE_ROLES = ("operator", "coordinator", "supervisor")


def staff(*, shift: Shift, employee, role: str, actor) -> Assignment:
    """Put an employee of the shift's centre on it (a supervisor's decision): the night shift of
    state employees sits in the same calendar as the volunteers' day shifts."""
    require_manager(actor)
    if employee.role not in EMPLOYEE_ROLES:
        raise ValidationFailed(
            {"employee": _("На смену ставят сотрудников: оператора, координатора, супервизора.")},
            code="not_employee",
        )
    if employee.centre_id != shift.centre_id:
        raise ValidationFailed({"employee": _("Сотрудник работает в другом центре.")})
    if role not in VolunteerRole.values:
        raise ValidationFailed({"role": _("Неизвестная роль: %s.") % role})
    return _take_place(shift=shift, role=role, actor=actor, employee=employee)


def _take_place(*, shift: Shift, role: str, actor, volunteer=None, employee=None) -> Assignment:
    """The place itself, under the shift's row lock so that two people taking its last place at
    the same moment cannot both get it; then the holder's own lock and overlap check."""
    if shift.ends_at <= timezone.now():
        raise ValidationFailed({"shift": _("Смена уже прошла.")}, code="past")
    with transaction.atomic():
        locked = Shift.objects.select_for_update().get(pk=shift.pk)
        limit = int(locked.headcount.get(role, 0))
        if limit == 0:
            raise ValidationFailed(
                {"role": _("На эту смену не нужны люди в роли «%s».") % VolunteerRole(role).label}
            )
        taken = Assignment.objects.filter(shift=locked, role=role).count()
        if taken >= limit:
            raise Conflict(
                _("Мест в роли «%(role)s» на смене больше нет (%(n)s из %(n)s заняты).")
                % {"role": VolunteerRole(role).label, "n": limit},
                code="shift_full",
            )
        # The holder's row too (always after the shift's: one order, no deadlock), so that
        # two overlapping shifts taken at once by the same person cannot both pass the check.
        if volunteer is not None:
            Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
            _refuse_overlap(volunteer=volunteer, starts_at=locked.starts_at, ends_at=locked.ends_at)
        else:
            type(employee).objects.select_for_update().filter(pk=employee.pk).first()
            _refuse_overlap(employee=employee, starts_at=locked.starts_at, ends_at=locked.ends_at)
        try:
            with transaction.atomic():
                return Assignment.objects.create(
                    shift=locked, volunteer=volunteer, employee=employee, role=role,
                    assigned_by=actor,
                )  # fmt: skip
        except IntegrityError:
            raise Conflict(_("Этот человек уже записан на эту смену."), code="already") from None


def _refuse_overlap(
    *,
    starts_at: datetime,
    ends_at: datetime,
    volunteer: Volunteer | None = None,
    employee=None,
    exclude: list[int] = (),
) -> None:
    holder = {"volunteer": volunteer} if volunteer is not None else {"employee": employee}
    clash = (
        Assignment.objects.filter(
            **holder, shift__starts_at__lt=ends_at, shift__ends_at__gt=starts_at
        )
        .exclude(pk__in=list(exclude))
        .select_related("shift", "shift__centre__region")
        .first()
    )
    if clash is not None:
        local = timezone.localtime(clash.shift.starts_at, _tz(clash.shift.centre))
        raise Conflict(
            _("Смены пересекаются: %(name)s уже записан(а) на «%(shift)s» %(when)s.")
            % {
                "name": clash.person_name,
                "shift": clash.shift.name,
                "when": local.strftime("%d.%m.%Y %H:%M"),
            },
            code="overlap",
        )


def _tz(centre: Centre):
    from zoneinfo import ZoneInfo

    return ZoneInfo(centre_zone(centre))


def cancel(*, assignment: Assignment, actor) -> None:
    if not (can_manage(actor) or _holder_may_act(actor, assignment)):
        raise Forbidden()
    if assignment.checked_in_at:
        raise ValidationFailed(
            {"assignment": _("Нельзя отменить смену, на которой уже отметились.")}
        )
    assignment.delete()


def swap(*, first: Assignment, second: Assignment, actor) -> tuple[Assignment, Assignment]:
    """A supervisor exchanges the volunteers of two places (same role), e.g. a morning and an
    afternoon shift; both still must not overlap anything else they have."""
    require_manager(actor)
    if first.role != second.role:
        raise ValidationFailed({"second": _("Меняться можно местами в одной роли.")})
    if first.shift_id == second.shift_id:
        raise ValidationFailed({"second": _("Оба места на одной смене: меняться нечем.")})
    if not (first.volunteer_id and second.volunteer_id):
        raise ValidationFailed({"second": _("Меняться местами могут только волонтёры.")})
    if first.volunteer_id == second.volunteer_id:
        raise ValidationFailed({"second": _("Это один и тот же волонтёр.")})
    if first.checked_in_at or second.checked_in_at:
        raise ValidationFailed({"second": _("На одной из смен уже отметились.")})
    with transaction.atomic():
        a, b = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("shift", "volunteer")
            .get(pk=pk)
            for pk in sorted([first.pk, second.pk])
        )
        a, b = (a, b) if a.pk == first.pk else (b, a)
        _refuse_overlap(
            volunteer=b.volunteer,
            starts_at=a.shift.starts_at,
            ends_at=a.shift.ends_at,
            exclude=[a.pk, b.pk],
        )
        _refuse_overlap(
            volunteer=a.volunteer,
            starts_at=b.shift.starts_at,
            ends_at=b.shift.ends_at,
            exclude=[a.pk, b.pk],
        )
        va, vb = a.volunteer, b.volunteer
        if Assignment.objects.filter(shift=a.shift, volunteer=vb).exclude(pk=b.pk).exists() or (
            Assignment.objects.filter(shift=b.shift, volunteer=va).exclude(pk=a.pk).exists()
        ):
            raise Conflict(_("Волонтёр уже записан на эту смену."))
        Assignment.objects.filter(pk=a.pk).update(volunteer=vb, assigned_by=actor)
        Assignment.objects.filter(pk=b.pk).update(volunteer=va, assigned_by=actor)
        a.refresh_from_db()
        b.refresh_from_db()
    return a, b


def check_in(*, assignment: Assignment, actor, at: datetime | None = None) -> Assignment:
    if not (can_manage(actor) or _holder_may_act(actor, assignment)):
        raise Forbidden()
    at = at or timezone.now()
    shift = assignment.shift
    if at < shift.starts_at - CHECK_IN_EARLY:
        raise ValidationFailed({"at": _("Отметиться можно не раньше чем за час до начала смены.")})
    if at > shift.ends_at:
        raise ValidationFailed({"at": _("Смена уже закончилась.")})
    with transaction.atomic():
        updated = Assignment.objects.filter(pk=assignment.pk, checked_in_at__isnull=True).update(
            checked_in_at=at
        )
        if not updated:
            raise Conflict(_("Вы уже отметились на этой смене."), code="double_check_in")
    assignment.refresh_from_db()
    return assignment


def check_out(*, assignment: Assignment, actor, at: datetime | None = None) -> Assignment:
    """Hours count from check-in (or the start, if earlier check-in) to check-out (or the end)."""
    if not (can_manage(actor) or _holder_may_act(actor, assignment)):
        raise Forbidden()
    at = at or timezone.now()
    if assignment.checked_in_at is None:
        raise ValidationFailed({"assignment": _("Сначала отметьтесь о начале смены.")})
    if assignment.checked_out_at is not None:
        raise Conflict(_("Вы уже отметились об окончании смены."), code="double_check_out")
    shift = assignment.shift
    start = max(assignment.checked_in_at, shift.starts_at)
    end = min(at, shift.ends_at)
    hours = Decimal(str(schedule.hours_between(start, end)))
    Assignment.objects.filter(pk=assignment.pk).update(checked_out_at=at, hours=hours)
    assignment.refresh_from_db()
    return assignment


def my_shifts(*, volunteer: Volunteer, upcoming: bool | None = None) -> QuerySet[Assignment]:
    qs = Assignment.objects.filter(volunteer=volunteer).select_related(
        "shift", "shift__centre", "shift__centre__region"
    )
    if upcoming is True:
        qs = qs.filter(shift__ends_at__gt=timezone.now())
    elif upcoming is False:
        qs = qs.filter(shift__ends_at__lte=timezone.now())
    return qs.order_by("shift__starts_at")


def hours_total(*, volunteer: Volunteer, first: date | None = None, last: date | None = None):
    qs = Assignment.objects.filter(volunteer=volunteer, hours__isnull=False)
    if first:
        qs = qs.filter(shift__local_date__gte=first)
    if last:
        qs = qs.filter(shift__local_date__lte=last)
    total = qs.aggregate(total=Sum("hours"))["total"] or 0
    return Decimal(total).quantize(Decimal("0.01"))


def ics_feed(*, volunteer: Volunteer) -> str:
    """The volunteer's shifts from a month back onwards, for any calendar application."""
    since = timezone.now() - timedelta(days=31)
    events = [
        schedule.CalendarEvent(
            uid=f"assignment-{a.pk}@vmeste",
            starts_at=a.shift.starts_at,
            ends_at=a.shift.ends_at,
            summary=f"{a.shift.name}: {VolunteerRole(a.role).label}",
            location=a.shift.centre.name,
        )
        for a in my_shifts(volunteer=volunteer).filter(shift__ends_at__gte=since)
    ]
    return schedule.render_ics(
        name=_("Смены: %s") % volunteer.full_name, events=events, now=timezone.now()
    )


def save_templates(*, centre: Centre, templates: list[dict]) -> bool:
    """The centre's active shift templates exactly as a line's configuration lists them
    (matched by name; one no longer listed is deactivated, its laid shifts stay); whether
    anything changed. The caller has checked the right to do it."""
    current = {t.name: t for t in ShiftTemplate.objects.filter(centre=centre)}
    changed = False
    for data in templates:
        values = {**data, "headcount": _clean_headcount(data["headcount"]), "is_active": True}
        values["weekdays"] = sorted(set(values["weekdays"]))
        row = current.pop(data["name"], None) or ShiftTemplate(centre=centre)
        if row.pk and all(getattr(row, k) == v for k, v in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        changed = True
    for row in current.values():
        if row.is_active:
            row.is_active = False
            row.save(update_fields=["is_active"])
            changed = True
    return changed
