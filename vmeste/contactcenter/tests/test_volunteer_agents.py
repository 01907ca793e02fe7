"""Volunteers who answer calls (the Moscow seed: volunteers collect the first information and
consult): one granted the operator role acts as an operator — the call card, registering the
calls they are sent — and nothing more; one without it never signs in, so the router never
gives them a call they could not open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.accounts.roles import VOLUNTEER_OPERATOR, Right, acting_role
from vmeste.assistance.models import Request
from vmeste.assistance.tests.test_views import REQUEST, post_call
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.core.models import Line
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/telephony/events"


@pytest.fixture
def centre():
    c = f.centre()
    c.lines.set(Line.objects.filter(code="volgograd-volunteers"))
    Queue.objects.create(
        line=c.lines.get(), code="vgg", name="Волгоград", skill="general", ivr_path="1"
    )
    return c


def _volunteer(centre, roles):
    volunteer = f.volunteer(centre, roles=roles)
    volunteer.user.regions.set([centre.region])
    return volunteer.user


def test_a_volunteer_granted_the_operator_role_acts_as_an_operator(centre, client):
    user = _volunteer(centre, ("operator",))
    assert acting_role(user) == VOLUNTEER_OPERATOR
    assert user.can(Right.REGISTER) and not user.can(Right.HANDLE_REQUESTS)
    client.force_login(user)
    assert client.get("/", follow=True).status_code == 200
    answer = post_call(client, REQUEST)
    assert answer.status_code == 302, answer.content.decode()[:500]
    registered = Request.objects.get()
    assert registered.created_by == user and registered.region.code == "RU-VGG"
    # Following a case up is the coordinators': the volunteer may not move it.
    moved = client.post(f"/api/v1/requests/{registered.pk}/transitions", {"to": "triaged"},
                        content_type="application/json")  # fmt: skip
    assert moved.status_code == 403


def test_without_the_grant_a_volunteer_has_no_call_card(centre, client):
    user = _volunteer(centre, ("courier",))
    assert not user.can(Right.REGISTER)
    client.force_login(user)
    assert client.get("/assistance/call/").status_code == 403
    posted = client.post("/assistance/call/", {**REQUEST, "form_token": "x"})
    assert posted.status_code == 403
    assert not Request.objects.exists()


def test_the_router_never_gives_a_volunteer_a_call_they_cannot_open(centre, api_as):
    phone = api_as("telephony")
    now = timezone.now()
    answers, carries = _volunteer(centre, ("operator",)), _volunteer(centre, ("courier",))
    for user in (answers, carries):
        Agent.objects.create(user=user, centre=centre, skills={"general": 1},
                             state_since=now - timedelta(minutes=10))  # fmt: skip
    refused = phone.post(URL, {"event_id": "s1", "type": "agent_state", "agent": carries.username,
                               "event": "sign_in", "at": now.isoformat()})  # fmt: skip
    assert refused.json()["outcome"] == "no call card"
    signed = phone.post(URL, {"event_id": "s2", "type": "agent_state", "agent": answers.username,
                              "event": "sign_in", "at": now.isoformat()})  # fmt: skip
    assert signed.json()["outcome"] == ""
    for n in range(2):  # two callers: only one of the two volunteers may take either
        at = (now + timedelta(seconds=5 + n)).isoformat()
        offered = {"event_id": f"o{n}", "type": "call_offered", "call_id": f"c{n}", "at": at,
                   "line": "volgograd-volunteers", "ivr_path": "1"}  # fmt: skip
        phone.post(URL, {**offered, "centre": centre.code})
    rung = set(Call.objects.exclude(agent=None).values_list("agent__user__username", flat=True))
    assert rung == {answers.username}
    assert Agent.objects.get(user=carries).state == "offline"
    assert Call.objects.filter(state="waiting").count() == 1
