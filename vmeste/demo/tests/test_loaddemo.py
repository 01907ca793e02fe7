"""`vmeste loaddemo` creates what it promises; it is loaded once for the whole module."""

import re
from collections import Counter
from datetime import datetime
from decimal import Decimal
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.accounts.roles import Role
from vmeste.assistance import numbering
from vmeste.assistance.models import Request, RequestEvent
from vmeste.assistance.transitions import CLOSED, TRANSITIONS
from vmeste.contactcenter.models import Call
from vmeste.contactcenter.services import centre_zone, today_start
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line
from vmeste.demo import callcentre, cast
from vmeste.people.models import Consent, Person, PersonPhone

pytestmark = pytest.mark.django_db
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOADED: dict[str, datetime] = {}  # the load's start and end: its "now" is between them


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once inside a transaction rolled back after the module's tests."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            LOADED["from"] = timezone.now()
            call_command("loaddemo", "--seed", "7", stdout=out)
            LOADED["to"] = timezone.now()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


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


def test_contact_centre_queues_per_line_and_ivr_branch():
    from vmeste.contactcenter.models import Queue

    queues = Queue.objects.select_related("line")
    lines = {q.line.code for q in queues}
    assert lines == {c for centre in cast.CENTRES for c in centre.lines}  # every demo line
    national = {q.ivr_path for q in queues if q.line.code == "we-are-together"}
    assert len(national) >= 5  # the national line's IVR menu
    for queue in queues:
        assert (queue.target_share, queue.target_seconds) == (Decimal("0.80"), 20)
        assert queue.max_wait_seconds and queue.overflow_after_seconds  # callback, overflow
        assert {"age_60_plus", "critical"} <= set(queue.priority_rules)
        queue.full_clean()  # escalation steps and priority rules as the admin would save them
    assert len({(q.line_id, q.ivr_path) for q in queues}) == queues.count()


def test_demo_operators_are_signed_in_agents_of_their_centres():
    from vmeste.contactcenter.models import Agent

    agents = {a.user.username: a for a in Agent.objects.select_related("user__centre", "centre")}
    # Signed in unless their live call is on a line closed at the load (at night the Moscow
    # volunteer line is): the lines' hours decide, so the test holds whatever the hour.
    planned = [_planned_states(LOADED["from"]), _planned_states(LOADED["to"])]
    for spec in cast.USERS:
        if spec.answers_calls:
            agent = agents[spec.username]
            assert agent.centre == agent.user.centre and agent.skills
            assert agent.state in {states[spec.username] for states in planned}
    states = {a.state for a in agents.values()}
    assert {"available", "on_call", "wrap_up", "on_break", "not_ready"} <= states
    assert all(a.break_reason for a in agents.values() if a.state == "on_break")
    for agent in agents.values():  # each one's timeline ends in the state they are in
        last = agent.events.order_by("at", "pk").last()
        assert (last is None and agent.state == "offline") or last.to_status == agent.state


def test_todays_calls_are_the_months_phone_contacts_each_one_contact():
    from vmeste.contactcenter.models import Call

    calls = Call.objects.select_related("agent__user", "queue")
    assert calls.filter(state="waiting").exists() and calls.filter(state="answered").exists()
    contacts = {
        c.call_id: c for c in Contact.objects.filter(call_id__in=[c.call_id for c in calls])
    }
    assert set(contacts) == {c.call_id for c in calls}  # every call is exactly one contact
    for call in calls:
        contact = contacts[call.call_id]
        assert contact.line_id == call.line_id and contact.queue_code == call.queue.code
        assert contact.ivr_path == call.ivr_path == call.queue.ivr_path
        if call.state in ("ended", "answered"):
            assert call.agent is None or contact.operator == call.agent.user
    on_call = calls.filter(state="answered")
    holders = [c.agent_id for c in on_call]
    assert len(holders) == len(set(holders))  # nobody holds two calls
    for call in on_call:
        assert call.agent.state == "on_call" and call.agent.call_id == call.pk


def test_the_live_moment_is_one_the_router_agrees_with_and_the_wallboard_shows():
    """Nobody free may take a waiting call (the dispatch, run at the load's moment — before
    the wrap-ups under way end — rings nobody), and the supervisor's wallboard has something
    to show: waiting callers, today's figures, agents."""
    from vmeste.contactcenter.dispatch import dispatch
    from vmeste.contactcenter.services import wallboard

    with transaction.atomic():
        assert dispatch(now=LOADED["from"]).rung == []
        transaction.set_rollback(True)
    now = timezone.now()
    board = wallboard(user=User.objects.get(username="supervisor"), now=now)
    assert {c["centre"] for c in board["centres"]} == set(cast.CENTRE_CODES)
    lines = [line for c in board["centres"] for line in c["lines"]]
    # Every call offered since each centre's midnight, live ones included: at night fewer
    # lines are open and there are fewer live calls, so the count is checked, not bounded.
    offered = sum(
        Call.objects.filter(
            centre=centre,
            offered_at__gte=today_start(now, centre_zone(centre)),
            offered_at__lte=now,
        ).count()
        for centre in Centre.objects.select_related("region")
    )
    assert sum(line["offered_today"] for line in lines) == offered > 0
    assert all(line["service_level_today"] is not None for line in lines)
    agents = Counter()
    for centre in board["centres"]:
        agents.update({state: n for state, n in centre["agents"].items() if n})
    waiting = sum(line["waiting"] for line in lines)
    # As planned for the lines open at the load (a line opening or closing during it: either).
    assert (waiting, agents) in [_planned(LOADED["from"]), _planned(LOADED["to"])]
    assert agents["available"] == 3 and agents["on_call"] >= 6  # 10 by day, 6 at night


def _planned_states(at) -> dict[str, str]:
    """Each demo agent's state at the live moment, by the lines open at `at`."""
    open_lines = {line.code for line in Line.objects.all() if line.is_open(at)}
    return {a.username: str(callcentre.live_state(a, open_lines)) for a in callcentre.AGENTS}


def _planned(at) -> tuple[int, Counter]:
    open_lines = {line.code for line in Line.objects.all() if line.is_open(at)}
    states = Counter(str(callcentre.live_state(a, open_lines)) for a in callcentre.AGENTS)
    return len(callcentre.live_waiting(open_lines)), states


@pytest.mark.parametrize(
    ("moscow_time", "waiting", "on_call"),
    # At night the Moscow volunteer line and the social coordinator are closed.
    [("12:00", 7, 10), ("03:00", 6, 6)],
)
def test_the_live_moment_keeps_to_the_lines_hours(moscow_time, waiting, on_call):
    hour, minute = map(int, moscow_time.split(":"))
    at = timezone.now().astimezone(ZoneInfo("Europe/Moscow")).replace(hour=hour, minute=minute)
    open_lines = {line.code for line in Line.objects.all() if line.is_open(at)}
    assert ("moscow-volunteers" in open_lines) == (hour == 12)
    live = callcentre.live_waiting(open_lines)
    assert len(live) == waiting
    assert all(callcentre.QUEUE_LINE[queue] in open_lines for queue, *_ in live)
    states = [callcentre.live_state(a, open_lines) for a in callcentre.AGENTS]
    assert states.count("on_call") == on_call
    assert all(
        callcentre.QUEUE_LINE[a.queue] in open_lines
        for a, state in zip(callcentre.AGENTS, states, strict=True)
        if state == "on_call"
    )


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
    now = LOADED["from"]
    dates = Shift.objects.values_list("local_date", flat=True)
    assert min(dates) <= (now - timezone.timedelta(days=27)).date()
    assert max(dates) >= (now + timezone.timedelta(days=13)).date()
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
    assert not [p for p in places if p.checked_in_at and p.shift.starts_at > LOADED["to"]]


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


def test_every_demo_login_lands_on_a_page_with_work_on_it(client):
    from vmeste.deliveries.models import Delivery
    from vmeste.volunteers.models import Assignment

    for spec in cast.USERS:
        if spec.role == "telephony":
            continue  # the SIP edge's service account signs in to the API only
        user = User.objects.get(username=spec.username)
        client.force_login(user)
        page = client.get("/", follow=True)
        assert page.status_code == 200, spec.username
        html = page.content.decode()
        if spec.role == "volunteer":
            # Granted the operator role, they answer calls: the call card is their home, and
            # their own shifts are one click away, with the coming ones on it.
            assert 'id="callcard-form"' in html, spec.username
            upcoming = Assignment.objects.filter(
                volunteer__user=user, shift__ends_at__gt=timezone.now()
            ).select_related("shift")
            shifts = client.get("/volunteers/me/shifts/").content.decode()
            assert upcoming.exists() and upcoming[0].shift.name in shifts, spec.username
        if spec.role == "coordinator":  # their own open requests, the nearest deadline first
            theirs = Request.objects.filter(assignee=user).exclude(status__in=CLOSED)
            if theirs.exists():
                assert page.redirect_chain[-1][0] == "/assistance/mine/", spec.username
                nearest = theirs.exclude(due_at=None).order_by("due_at")[0]
                assert nearest.number in html, spec.username
            else:  # none assigned yet: the requests of their scope to take on
                assert page.redirect_chain[-1][0] == "/assistance/", spec.username
                from vmeste.assistance.services import requests_for

                numbers = requests_for(user).values_list("number", flat=True)[:200]
                assert any(number in html for number in numbers), spec.username
        if spec.role == "courier":
            mine = Delivery.objects.filter(courier=user, status__in=["assigned", "accepted"])
            assert mine.exists() and mine[0].address in html, spec.username
        client.logout()


def test_the_national_line_has_the_seeds_ten_branches_matching_its_queues():
    from vmeste.contactcenter.models import IvrMenu, Queue

    menu = IvrMenu.objects.get(line__code="we-are-together")
    nodes = {node.code: node for node in menu.nodes.all()}
    branches = {o["digit"]: nodes[o["to"]] for o in nodes[menu.start].options}
    assert sorted(branches) == list("0123456789")
    assert {b.kind for b in branches.values()} == {
        "queue", "message", "robot", "callback", "menu"
    }  # fmt: skip
    # Each queue's IVR path is the digit that leads to it, as today's calls were counted.
    for queue in Queue.objects.filter(line__code="we-are-together"):
        assert branches[queue.ivr_path].queue == queue.code
    assert all(node.speech for node in nodes.values() if node.prompt)


# What a crawl of the pages must not follow: it leaves, it downloads, or it is not a page.
NOT_A_PAGE = re.compile(r"logout|export|\.(csv|xlsx|pdf|wav|mp3|ogg)$|/api/|/static/|/media/")
LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')


def _links(html: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in LINK.findall(html) if not NOT_A_PAGE.search(u)]


def test_no_demo_page_offers_what_its_viewer_is_refused(client):
    """Every link and every block a page loads (htmx) answers its viewer: a page never shows
    a link or fetches a panel that the viewer's role is refused (a 403 or 404 behind the page,
    the console's error). Two clicks deep from each login's home, one page per address shape."""
    for spec in cast.USERS:
        if spec.role == "telephony":
            continue
        client.force_login(User.objects.get(username=spec.username))
        home = client.get("/", follow=True)
        frontier, seen, refused = _links(home.content.decode()), set(), []
        for _depth in range(2):
            found = []
            for url in frontier:
                shape = re.sub(r"\d+", "N", url.split("?")[0])
                if shape in seen:
                    continue
                seen.add(shape)
                page = client.get(url)
                if page.status_code >= 400:
                    refused.append(f"{page.status_code} {url}")
                elif page.status_code == 200 and "html" in page.get("Content-Type", ""):
                    found += _links(page.content.decode())
            frontier = found
        assert not refused, (spec.username, refused)
        assert len(seen) >= 2, spec.username  # the crawl did walk past the home page
        client.logout()
