"""`vmeste loaddemo` creates what it promises: the counts, every role with its scope, the
requests' numbering and timelines, day and night, the volunteers, their shifts, the
deliveries; a second load refused, and `demoinfo` printing every login."""

import re
from collections import Counter
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.accounts.roles import Role
from vmeste.assistance import numbering
from vmeste.assistance.models import Request, RequestEvent
from vmeste.assistance.transitions import TRANSITIONS
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre
from vmeste.demo import cast
from vmeste.demo.tests.loaded.conftest import MOMENT
from vmeste.people.models import Consent, Person, PersonPhone

pytestmark = pytest.mark.django_db


def test_counts_are_those_promised(demo):
    assert "загружены" in demo
    assert Person.objects.count() == 2000
    assert 10_000 <= Contact.objects.count() <= 10_300
    assert 1400 <= Request.objects.count() <= 1500
    assert Consent.objects.filter(status="given").values("person").distinct().count() == 2000
    assert not Person.objects.exclude(consent="given").exists()
    assert not Person.objects.filter(contacts__isnull=True).exists()


def test_centres_and_every_role_with_scopes():
    assert Centre.objects.filter(kind="national").count() == 1
    regional = set(Centre.objects.filter(kind="regional").values_list("region__code", flat=True))
    assert regional == {"RU-VGG", "RU-MOW", "RU-TA"}
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    operator = User.objects.get(username="operator.vgg")
    assert {r.code for r in operator.regions.all()} == {"RU-VGG"}
    assert {line.code for line in operator.lines.all()} == {"volgograd-volunteers"}
    assert operator.centre.code == "volgograd"
    admin = User.objects.get(username="admin")
    assert not admin.regions.exists() and not admin.lines.exists()
    for spec in cast.USERS:
        assert User.objects.get(username=spec.username).check_password(spec.password)


def test_numbers_are_unique_and_continue_the_sequences():
    numbers = list(Request.objects.values_list("number", "created_at"))
    assert len({n for n, _ in numbers}) == len(numbers)
    highest: Counter = Counter()
    for number, created in numbers:
        prefix, year, seq = re.fullmatch(r"([A-Z]+)-(\d{4})-(\d{6})", number).groups()
        assert int(year) == timezone.localtime(created).year
        highest[prefix, int(year)] = max(highest[prefix, int(year)], int(seq))
    assert {key: numbering.last_given(*key) for key in highest} == dict(highest)
    assert {"VGG", "KD"} <= {prefix for prefix, _ in highest}
    assert (
        Request.objects.filter(line__code="volgograd-volunteers")
        .exclude(number__startswith="VGG-")
        .count()
        == 0
    )


def test_day_and_night():
    moscow = ZoneInfo("Europe/Moscow")
    hours = Counter(
        started.astimezone(moscow).hour
        for started in Contact.objects.values_list("started_at", flat=True)
    )
    night = sum(hours[h] for h in range(0, 6))
    day = sum(hours[h] for h in range(10, 16))
    assert 0 < night * 3 < day
    line_hours = Contact.objects.filter(line__code="circle-of-kindness").values_list(
        "started_at", flat=True
    )
    assert all(9 <= s.astimezone(moscow).hour < 21 for s in line_hours)
    night_lines = {
        code
        for code, started in Contact.objects.values_list("line__code", "started_at")
        if started.astimezone(moscow).hour < 6
    }
    assert {"we-are-together", "volgograd-volunteers"} <= night_lines


def test_contacts_mostly_consultations_on_the_three_lines():
    dispositions = Counter(Contact.objects.values_list("disposition", flat=True))
    assert dispositions.most_common(1)[0][0] == "consultation"
    assert dispositions["request_registered"] == Request.objects.count()
    lines = Counter(Contact.objects.values_list("line__code", flat=True))
    assert lines.most_common(1)[0][0] == "we-are-together"
    assert lines["volgograd-volunteers"] > 1000
    assert 100 < lines["circle-of-kindness"] < 600  # a few hundred calls a month
    finished = Contact.objects.exclude(call_id__startswith="demo-live-")  # going on now
    assert not finished.filter(disposition="consultation", person__isnull=True).exists()


def test_phones_are_fictional_and_valid():
    for e164 in PersonPhone.objects.values_list("e164", flat=True)[:300]:
        assert e164.startswith("+7900000")
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
    assert PersonPhone.objects.filter(is_primary=True).count() == 2000


def test_requests_have_timelines_outcomes_and_some_are_overdue():
    requests = Request.objects.all()
    assert RequestEvent.objects.filter(kind="created").count() == requests.count()
    for frm, to in RequestEvent.objects.filter(kind="transition").values_list(
        "from_status", "to_status"
    ):
        assert (frm, to) in TRANSITIONS
    resolved = requests.filter(status="resolved")
    assert resolved.count() > requests.count() / 3
    assert not resolved.filter(outcome_helped__isnull=True).exists()
    assert resolved.filter(outcome_helped=False).exists()
    assert not resolved.filter(resolved_at__isnull=True).exists()
    statuses = set(requests.values_list("status", flat=True))
    assert statuses == {
        "new",
        "triaged",
        "in_progress",
        "waiting",
        "resolved",
        "rejected",
        "cancelled",
    }
    overdue = requests.exclude(status__in=["resolved", "rejected", "cancelled"]).filter(
        due_at__lt=timezone.now()
    )
    assert overdue.exists()
    assigned = requests.exclude(assignee__isnull=True).select_related("assignee")
    assert all(r.assignee.role in ("operator", "coordinator") for r in assigned[:200])
    for request in requests.filter(region__code="RU-VGG", assignee__isnull=False)[:50]:
        codes = {r.code for r in request.assignee.regions.all()}
        assert not codes or codes == {"RU-VGG"}


def test_if_empty_is_idempotent_and_a_second_load_is_refused():
    before = (Person.objects.count(), Request.objects.count(), User.objects.count())
    out = StringIO()
    call_command("loaddemo", "--if-empty", stdout=out)
    assert "уже загружены" in out.getvalue()
    assert (Person.objects.count(), Request.objects.count(), User.objects.count()) == before
    with pytest.raises(CommandError):
        call_command("loaddemo", stdout=StringIO())


def test_demoinfo_prints_every_login():
    out = StringIO()
    call_command("demoinfo", "--url", "http://127.0.0.1:8000", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text
    for spec in cast.USERS:
        assert spec.username in text and spec.password in text
    assert all(role in text for role in Role.values)


def test_volunteers_in_every_state_with_documents_trainings_and_roles():
    from vmeste.volunteers import rules, services
    from vmeste.volunteers.models import Volunteer

    volunteers = Volunteer.objects.select_related("centre", "user")
    assert 140 <= volunteers.count() <= 160
    for code in ("moscow", "volgograd"):
        states = set(volunteers.filter(centre__code=code).values_list("status", flat=True))
        assert {rules.APPLIED, rules.SCREENING, rules.TRAINING, rules.ACTIVE} <= states
    assert set(volunteers.values_list("status", flat=True)) == {s for s, _w in rules_states()}
    today = timezone.localdate()
    for volunteer in volunteers.filter(status=rules.ACTIVE):
        granted = services.roles_of(volunteer)
        assert granted and volunteer.user_id  # an active volunteer has a role and an account
        for role in granted:
            assert services.missing_for_role(volunteer=volunteer, role=role) == []
        assert services.eligibility(volunteer=volunteer, today=today) == []
    moscow = volunteers.filter(centre__code="moscow")
    assert not moscow.filter(documents__isnull=True).exists()  # Moscow asks for a QR code
    warned = services.expiring_documents(user=User.objects.get(username="supervisor"))
    assert any(not e.expired for e in warned) and any(e.expired for e in warned)
    for login, centre in (("volunteer.vgg", "volgograd"), ("volunteer.msk", "moscow")):
        own = User.objects.get(username=login).volunteer
        assert own.status == rules.ACTIVE and own.centre.code == centre


def rules_states():
    from vmeste.demo.volunteering import STATES

    return STATES


def test_shifts_as_the_seeds_run_them():
    from vmeste.volunteers.models import Assignment, Shift, ShiftTemplate
    from vmeste.volunteers.schedule import hours_between

    hours = {
        (t.centre.code, t.starts.strftime("%H:%M"), t.ends.strftime("%H:%M"))
        for t in ShiftTemplate.objects.select_related("centre")
    }
    assert hours == {
        ("moscow", "07:30", "11:30"),
        ("moscow", "12:00", "16:00"),
        ("volgograd", "08:00", "12:40"),
        ("volgograd", "12:40", "17:20"),
        ("volgograd", "17:20", "22:00"),
        ("volgograd", "22:00", "08:00"),
        # the employees' shifts beside the volunteers' (demo/rosters.py)
        ("national", "08:00", "20:00"),
        ("national", "20:00", "08:00"),
        ("moscow", "07:30", "16:00"),
        ("volgograd", "08:00", "22:00"),
        ("tatarstan", "09:00", "20:00"),
    }
    dates = Shift.objects.values_list("local_date", flat=True)
    assert min(dates) <= (MOMENT - timezone.timedelta(days=27)).date()
    assert max(dates) >= (MOMENT + timezone.timedelta(days=13)).date()
    places = list(Assignment.objects.select_related("shift", "volunteer", "employee"))
    taken = Counter((p.shift_id, p.role) for p in places)
    headcount = {s.pk: s.headcount for s in Shift.objects.all()}
    assert all(n <= headcount[shift][role] for (shift, role), n in taken.items())
    staff = [p for p in places if p.shift.name.startswith(("Ночь", "Сотрудники"))]
    assert staff and all(p.employee_id and not p.volunteer_id for p in staff)
    assert all(p.volunteer_id for p in places if p not in staff)
    by_holder: dict = {}
    for p in places:
        by_holder.setdefault((p.volunteer_id, p.employee_id), []).append(p.shift)
    for held in by_holder.values():  # nobody on two shifts at once
        held.sort(key=lambda s: s.starts_at)
        assert all(a.ends_at <= b.starts_at for a, b in pairwise(held))
    done = [p for p in places if p.checked_out_at]
    assert len(done) > len(places) / 3
    for p in done:
        start, end = max(p.checked_in_at, p.shift.starts_at), min(p.checked_out_at, p.shift.ends_at)
        assert float(p.hours) == hours_between(start, end)
    assert not [p for p in places if p.checked_in_at and p.shift.starts_at > MOMENT]
    # Checked in and not yet out: on the afternoon's shifts under way, and there are some.
    on_shift = [p.shift for p in places if p.checked_in_at and not p.checked_out_at]
    assert on_shift and all(s.starts_at <= MOMENT < s.ends_at for s in on_shift)


def test_deliveries_in_every_state_follow_their_requests():
    from vmeste.deliveries import transitions as walk
    from vmeste.deliveries.models import Delivery, DeliveryStatus
    from vmeste.deliveries.services import is_courier

    deliveries = Delivery.objects.select_related("request", "courier")
    assert set(deliveries.values_list("status", flat=True)) == set(DeliveryStatus.values)
    follows = {"delivered": "resolved", "failed": "waiting", "cancelled": "cancelled"}
    for delivery in deliveries:
        expected = follows.get(delivery.status, "in_progress")
        assert delivery.request.status == expected
        if delivery.courier_id:
            assert is_courier(delivery.courier)
        events = list(delivery.events.order_by("at", "pk"))
        assert events[0].to_status == "new" and events[-1].to_status == delivery.status
        for event in events[1:]:
            assert (event.from_status, event.to_status) in walk.TRANSITIONS
    carried = deliveries.filter(
        courier__username="courier.vgg", status__in=["assigned", "accepted"]
    )
    assert carried.exists()  # the courier login has deliveries to carry
