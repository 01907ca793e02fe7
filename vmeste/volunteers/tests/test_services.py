"""Recruitment and shifts through the services, on the database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from vmeste.accounts.roles import Role
from vmeste.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from vmeste.volunteers import public_form, rota, services, shifts
from vmeste.volunteers.models import Assignment, Shift, VolunteerEvent
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


def application(centre, **extra):
    today = timezone.localdate()
    values = {
        "centre": centre,
        "last_name": "Смирнова",
        "first_name": "Анна",
        "birth_date": date(today.year - 25, 3, 1),
        "phone": "8 (927) 111-22-33",
        "consent": True,
        "document_valid_until": today + timedelta(days=100),
    }
    values.update(extra)
    return services.Application(**values)


def test_apply_records_consent_and_refuses_age_and_expired_document():
    moscow = f.centre("mow", "RU-MOW", min_age=18, max_age=60, health_document_required=True)
    v = services.apply(application=application(moscow), client="h")
    assert v.status == "applied" and v.phone == "+79271112233" and v.consent_at
    assert VolunteerEvent.objects.filter(volunteer=v, kind="applied").exists()
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as young:
        services.apply(
            application=application(
                moscow, phone="+79270000001", birth_date=date(today.year - 16, 1, 1)
            )
        )
    assert young.value.code == "under_age" and "18 лет" in young.value.message
    with pytest.raises(ValidationFailed) as old:
        services.apply(
            application=application(
                moscow, phone="+79270000002", birth_date=date(today.year - 65, 1, 1)
            )
        )
    assert old.value.code == "over_age" and "до 60 лет" in old.value.message
    with pytest.raises(ValidationFailed) as expired:
        services.apply(
            application=application(
                moscow, phone="+79270000003", document_valid_until=today - timedelta(days=1)
            )
        )
    assert expired.value.code == "expired_document" and "истёк" in expired.value.message
    with pytest.raises(ValidationFailed) as no_consent:
        services.apply(application=application(moscow, phone="+79270000004", consent=False))
    assert "consent" in no_consent.value.fields
    with pytest.raises(Conflict):
        services.apply(application=application(moscow))


def test_public_form_guards():
    now = timezone.now()
    token = public_form.form_token(now - timedelta(seconds=10))
    public_form.guard_public_form(token=token, honeypot="", client="x", now=now)
    with pytest.raises(ServiceError) as spam:
        public_form.guard_public_form(token=token, honeypot="http://spam", client="x", now=now)
    assert spam.value.code == "spam"
    with pytest.raises(ServiceError) as fast:
        public_form.guard_public_form(
            token=public_form.form_token(now), honeypot="", client="x", now=now
        )
    assert fast.value.code == "too_fast"
    with pytest.raises(ServiceError) as forged:
        public_form.guard_public_form(token="forged", honeypot="", client="x", now=now)
    assert forged.value.code == "form_expired"
    with pytest.raises(ServiceError) as again:
        public_form.guard_public_form(token=token, honeypot="", client="y", now=now)
    assert again.value.code == "form_used"


def test_workflow_checks_requirements_and_creates_an_account():
    c = f.centre("mow", "RU-MOW", health_document_required=True)
    boss = f.user(centre=c)
    v = services.apply(application=application(c, document_valid_until=None))
    with pytest.raises(ValidationFailed) as missing:
        services.move(volunteer=v, to="screening", actor=boss)
    assert missing.value.code == "missing_document"
    services.add_document(
        volunteer=v, valid_until=timezone.localdate() + timedelta(days=30), actor=boss
    )
    for to in ("screening", "training"):
        v = services.move(volunteer=v, to=to, actor=boss)
    with pytest.raises(ValidationFailed) as no_role:
        services.move(volunteer=v, to="active", actor=boss)
    assert no_role.value.code == "no_role"
    services.grant_role(volunteer=v, role="operator", actor=boss)
    for to in ("active", "paused", "active"):
        v = services.move(volunteer=v, to=to, actor=boss)
    assert v.status == "active" and v.user.role == Role.VOLUNTEER
    with pytest.raises(ValidationFailed):
        services.move(volunteer=v, to="applied", actor=boss)
    with pytest.raises(Forbidden):
        services.move(volunteer=v, to="paused", actor=f.user(Role.OPERATOR))
    stale = type(v).objects.get(pk=v.pk)
    services.move(volunteer=v, to="paused", actor=boss)
    with pytest.raises(Conflict):
        services.move(volunteer=stale, to="left", actor=boss)


def test_role_needs_its_trainings():
    c = f.centre()
    boss = f.user(centre=c)
    v = f.volunteer(c, roles=())
    remote = f.module(c, "basics", ["operator", "courier"])
    in_person = f.module(c, "road", ["courier"], "in_person")
    services.record_training(volunteer=v, module=remote, actor=boss)
    services.grant_role(volunteer=v, role="operator", actor=boss)
    with pytest.raises(ValidationFailed) as refused:
        services.grant_role(volunteer=v, role="courier", actor=boss)
    assert refused.value.code == "training_missing" and "Модуль road" in refused.value.message
    services.record_training(volunteer=v, module=in_person, actor=boss)
    services.grant_role(volunteer=v, role="courier", actor=boss)
    assert services.roles_of(v) == {"operator", "courier"}


def test_expiring_documents_are_flagged_ahead():
    c = f.centre(health_document_required=True, warn_days=10)
    boss = f.user(centre=c)
    soon = f.volunteer(c, document_days=5)
    f.volunteer(c, document_days=60)
    gone = f.volunteer(c, document_days=-1)
    flagged = {e.volunteer.pk: e.expired for e in services.expiring_documents(user=boss)}
    assert flagged == {soon.pk: False, gone.pk: True}


def _tomorrow_shift(c, starts="08:00", ends="12:00", headcount=None):
    boss = f.user(centre=c)
    f.template(c, starts, ends, headcount or {"operator": 2})
    day = timezone.localdate() + timedelta(days=1)
    shifts.generate(centre=c, first=day, last=day, actor=boss)
    return Shift.objects.filter(centre=c, local_date=day).order_by("starts_at")


def test_generate_volgograd_day_and_night_shifts():
    c = f.centre()
    boss = f.user(centre=c)
    for s, e in (("08:00", "12:40"), ("12:40", "17:20"), ("17:20", "22:00"), ("22:00", "08:00")):
        f.template(c, s, e, {"operator": 6})
    first = date(2026, 12, 1)
    assert shifts.generate(centre=c, first=first, last=date(2026, 12, 31), actor=boss) == 124
    assert shifts.generate(centre=c, first=first, last=date(2026, 12, 31), actor=boss) == 0
    night = Shift.objects.get(centre=c, local_date=date(2026, 12, 31), name="22:00–08:00")
    assert night.starts_at == datetime(2026, 12, 31, 19, tzinfo=UTC)
    assert night.ends_at == datetime(2027, 1, 1, 5, tzinfo=UTC)


def test_sign_up_limits_overlap_and_check_in():
    c = f.centre()
    boss = f.user(centre=c)
    (shift,) = _tomorrow_shift(c, headcount={"operator": 1})
    a = f.volunteer(c)
    b = f.volunteer(c)
    assignment = shifts.sign_up(shift=shift, volunteer=a, role="operator", actor=a.user)
    with pytest.raises(Conflict) as full:
        shifts.sign_up(shift=shift, volunteer=b, role="operator", actor=boss)
    assert full.value.code == "shift_full" and "больше нет" in full.value.message
    with pytest.raises(Forbidden):
        shifts.sign_up(shift=shift, volunteer=b, role="operator", actor=a.user)
    with pytest.raises(ValidationFailed):
        shifts.sign_up(shift=shift, volunteer=b, role="courier", actor=boss)
    overlapping = Shift.objects.create(
        centre=c,
        name="Доп.",
        local_date=shift.local_date,
        headcount={"operator": 3},
        starts_at=shift.starts_at + timedelta(hours=2),
        ends_at=shift.ends_at + timedelta(hours=2),
    )
    with pytest.raises(Conflict) as clash:
        shifts.sign_up(shift=overlapping, volunteer=a, role="operator", actor=boss)
    assert clash.value.code == "overlap" and "пересекаются" in clash.value.message
    at = shift.starts_at - timedelta(minutes=10)
    shifts.check_in(assignment=assignment, actor=a.user, at=at)
    with pytest.raises(Conflict) as double:
        shifts.check_in(assignment=assignment, actor=a.user, at=at)
    assert double.value.code == "double_check_in" and "уже отметились" in double.value.message
    done = shifts.check_out(assignment=assignment, actor=a.user, at=shift.ends_at)
    assert float(done.hours) == 4.0
    assert shifts.hours_total(volunteer=a) == done.hours


def test_expired_document_refuses_sign_up():
    c = f.centre(health_document_required=True)
    (shift,) = _tomorrow_shift(c)
    v = f.volunteer(c, document_days=-3)
    with pytest.raises(ValidationFailed) as refused:
        shifts.sign_up(shift=shift, volunteer=v, role="operator", actor=f.user(centre=c))
    assert refused.value.code == "expired_document"


def test_swap_and_coverage():
    c = f.centre("mow", "RU-MOW")
    boss = f.user(centre=c)
    f.template(c, "07:30", "11:30", {"operator": 2})
    morning, afternoon = _tomorrow_shift(c, "12:00", "16:00")
    a, b = f.volunteer(c), f.volunteer(c)
    x = shifts.sign_up(shift=morning, volunteer=a, role="operator", actor=boss)
    y = shifts.sign_up(shift=afternoon, volunteer=b, role="operator", actor=boss)
    x, y = shifts.swap(first=x, second=y, actor=boss)
    assert (x.shift_id, x.volunteer_id) == (morning.pk, b.pk)
    assert (y.shift_id, y.volunteer_id) == (afternoon.pk, a.pk)
    gaps = rota.coverage(centre=c, days=2)
    assert {v.shift.pk: v.gaps for v in gaps} == {
        morning.pk: {"operator": 1},
        afternoon.pk: {"operator": 1},
    }
    assert gaps[0].local_start.strftime("%H:%M") == "07:30"


def test_ics_feed_lists_the_volunteers_shifts():
    c = f.centre("ykt", "RU-SA")
    (shift,) = _tomorrow_shift(c, "22:00", "08:00")
    v = f.volunteer(c)
    shifts.sign_up(shift=shift, volunteer=v, role="operator", actor=v.user)
    text = shifts.ics_feed(volunteer=v)
    # 22:00 in Yakutsk (UTC+9) is 13:00 UTC the same day.
    assert f"DTSTART:{shift.local_date:%Y%m%d}T130000Z" in text
    assert f"DTEND:{shift.local_date + timedelta(days=1):%Y%m%d}T000000Z" not in text
    assert Assignment.objects.count() == 1
