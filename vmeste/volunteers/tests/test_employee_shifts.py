"""Employees on shifts: the Volgograd night shift of state employees beside the volunteers'
day shifts, in one calendar whose coverage counts both."""

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.accounts.roles import Role
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.volunteers import rota, services, shifts
from vmeste.volunteers.models import Shift
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


def _volgograd_day(c, boss):
    for s, e, n in (("08:00", "12:40", 2), ("12:40", "17:20", 2), ("17:20", "22:00", 2)):
        f.template(c, s, e, {"operator": n})
    f.template(c, "22:00", "08:00", {"operator": 2}, name="Ночь (сотрудники)")
    day = timezone.localdate() + timedelta(days=1)
    shifts.generate(centre=c, first=day, last=day, actor=boss)
    return day


def test_night_shift_of_employees_and_day_shifts_of_volunteers_are_one_calendar():
    c = f.centre()
    boss = f.user(centre=c)
    day = _volgograd_day(c, boss)
    night = Shift.objects.get(centre=c, local_date=day, name="Ночь (сотрудники)")
    morning = Shift.objects.get(centre=c, local_date=day, name="08:00–12:40")
    first, second = f.user(Role.OPERATOR, centre=c), f.user(Role.OPERATOR, centre=c)
    first.last_name, first.first_name = "Ночная", "Вера"
    first.save()
    shifts.staff(shift=night, employee=first, role="operator", actor=boss)
    shifts.staff(shift=night, employee=second, role="operator", actor=boss)
    shifts.sign_up(shift=morning, volunteer=f.volunteer(c), role="operator", actor=boss)

    views = {v.shift.pk: v for v in rota.calendar(centre=c, first=day, last=day)}
    assert views[night.pk].taken == {"operator": 2} and not views[night.pk].gaps
    assert "Ночная Вера" in [name for _pk, name, _role in views[night.pk].people]
    assert views[morning.pk].gaps == {"operator": 1}
    short = {v.shift.pk for v in rota.coverage(centre=c, today=day)}
    assert night.pk not in short and morning.pk in short  # coverage counts both kinds

    with pytest.raises(Conflict) as full:
        shifts.staff(shift=night, employee=f.user(Role.OPERATOR, centre=c), role="operator",
                     actor=boss)  # fmt: skip
    assert full.value.code == "shift_full"


def test_an_employee_is_refused_what_a_volunteer_would_be():
    c = f.centre()
    boss = f.user(centre=c)
    day = _volgograd_day(c, boss)
    night = Shift.objects.get(centre=c, local_date=day, name="Ночь (сотрудники)")
    evening = Shift.objects.get(centre=c, local_date=day, name="17:20–22:00")
    employee = f.user(Role.OPERATOR, centre=c)
    with pytest.raises(Forbidden):  # only a manager puts an employee on a shift
        shifts.staff(shift=night, employee=employee, role="operator", actor=employee)
    with pytest.raises(ValidationFailed) as courier:
        shifts.staff(shift=night, employee=f.user(Role.COURIER, centre=c), role="operator",
                     actor=boss)  # fmt: skip
    assert courier.value.code == "not_employee"
    elsewhere = f.centre("msk", "RU-MOW")
    with pytest.raises(ValidationFailed):
        shifts.staff(shift=night, employee=f.user(Role.OPERATOR, centre=elsewhere),
                     role="operator", actor=boss)  # fmt: skip
    shifts.staff(shift=night, employee=employee, role="operator", actor=boss)
    hour = timedelta(hours=1)
    overlapping = Shift.objects.create(
        centre=c, name="Доп.", local_date=day, headcount={"operator": 1},
        starts_at=night.starts_at - hour, ends_at=night.starts_at + hour,
    )  # fmt: skip
    with pytest.raises(Conflict) as clash:
        shifts.staff(shift=overlapping, employee=employee, role="operator", actor=boss)
    assert clash.value.code == "overlap"
    assert shifts.staff(shift=evening, employee=employee, role="operator", actor=boss)


def test_the_employee_checks_in_and_out_and_is_on_shift_meanwhile():
    c = f.centre()
    boss = f.user(centre=c)
    day = _volgograd_day(c, boss)
    night = Shift.objects.get(centre=c, local_date=day, name="Ночь (сотрудники)")
    employee = f.user(Role.OPERATOR, centre=c)
    place = shifts.staff(shift=night, employee=employee, role="operator", actor=boss)
    assert not rota.on_shift(user_id=employee.pk, at=night.starts_at - timedelta(hours=2))
    assert rota.on_shift(user_id=employee.pk, at=night.starts_at + timedelta(hours=5))
    assert not rota.on_shift(user_id=employee.pk, at=night.ends_at)
    with pytest.raises(Forbidden):
        shifts.check_in(assignment=place, actor=f.user(Role.OPERATOR, centre=c),
                        at=night.starts_at)  # fmt: skip
    shifts.check_in(assignment=place, actor=employee, at=night.starts_at)
    done = shifts.check_out(assignment=place, actor=employee, at=night.ends_at)
    assert float(done.hours) == 10.0
    morning = Shift.objects.get(centre=c, local_date=day, name="08:00–12:40")
    theirs = shifts.sign_up(shift=morning, volunteer=f.volunteer(c), role="operator", actor=boss)
    with pytest.raises(ValidationFailed):  # a volunteer's place and an employee's: no swap
        shifts.swap(first=place, second=theirs, actor=boss)


def test_over_the_api_a_supervisor_staffs_an_employee_in_scope_only():
    c = f.centre()
    boss = f.user(centre=c, regions=("RU-VGG",))
    day = _volgograd_day(c, boss)
    night = Shift.objects.get(centre=c, local_date=day, name="Ночь (сотрудники)")
    employee = f.user(Role.OPERATOR, centre=c)
    api = f.Api(boss)
    answer = api.post(
        f"/api/v1/shifts/{night.pk}/assignments", {"role": "operator", "employee": employee.pk}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["employee"] == employee.pk and body["volunteer"] is None
    moscow = f.user(Role.OPERATOR, centre=f.centre("msk", "RU-MOW"))
    refused = api.post(
        f"/api/v1/shifts/{night.pk}/assignments", {"role": "operator", "employee": moscow.pk}
    )
    assert refused.status_code == 404
    with pytest.raises(NotFound):
        services.get_employee(user=boss, pk=moscow.pk)


def test_a_lines_coverage_counts_the_employees_on_shift():
    c = f.centre()
    boss = f.user(centre=c)
    day = _volgograd_day(c, boss)
    night = Shift.objects.get(centre=c, local_date=day, name="Ночь (сотрудники)")
    employee = f.user(Role.OPERATOR, centre=c)
    shifts.staff(shift=night, employee=employee, role="operator", actor=boss)
    during = rota.people_on_shift(
        centres=[c], first=night.starts_at, last=night.starts_at + timedelta(hours=1)
    )
    assert during == [(night.starts_at, night.ends_at, employee.pk)]
