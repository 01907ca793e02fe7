"""A centre that takes calls only from the people on its shifts: signing in as an agent,
from the toolbar or as a telephony event, is refused off shift and allowed on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.accounts.roles import Role
from vmeste.contactcenter import services
from vmeste.contactcenter.models import Agent
from vmeste.contactcenter.transitions import AgentEvent
from vmeste.core.errors import Conflict
from vmeste.volunteers import shifts
from vmeste.volunteers.models import Requirements, Shift
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def night_shift():
    """A ten-hour shift starting tomorrow (ahead of the real clock, so it can be staffed;
    the events are dated relative to it, so the hour the test runs at plays no part)."""
    night = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    centre = f.centre()
    Requirements.objects.update_or_create(centre=centre, defaults={"agents_on_shift_only": True})
    shift = Shift.objects.create(
        centre=centre, name="Ночь", local_date=night.date(), headcount={"operator": 2},
        starts_at=night, ends_at=night + timedelta(hours=10),
    )  # fmt: skip
    return centre, shift


def _agent(centre, user) -> Agent:
    since = timezone.now() - timedelta(days=1)
    return Agent.objects.create(user=user, centre=centre, skills={"general": 2}, state_since=since)


def test_an_employee_signs_in_only_during_their_shift(night_shift):
    centre, shift = night_shift
    night = shift.starts_at
    employee = f.user(Role.OPERATOR, centre=centre)
    agent = _agent(centre, employee)
    with pytest.raises(Conflict) as off:  # nobody has put them on it yet
        services.change_agent_state(agent=agent, event=AgentEvent.SIGN_IN, at=night)
    assert off.value.code == "off_shift" and "смена" in off.value.message
    assert Agent.objects.get(pk=agent.pk).state == "offline"
    shifts.staff(shift=shift, employee=employee, role="operator", actor=f.user(centre=centre))
    with pytest.raises(Conflict):  # two hours before the shift: still off it
        services.change_agent_state(
            agent=agent, event=AgentEvent.SIGN_IN, at=night - timedelta(hours=2)
        )
    services.change_agent_state(
        agent=agent, event=AgentEvent.SIGN_IN, at=night + timedelta(hours=3)
    )
    assert Agent.objects.get(pk=agent.pk).state != "offline"


def test_a_centre_without_the_rule_lets_anyone_sign_in(night_shift):
    centre, shift = night_shift
    Requirements.objects.filter(centre=centre).update(agents_on_shift_only=False)
    agent = _agent(centre, f.user(Role.OPERATOR, centre=centre))
    services.change_agent_state(agent=agent, event=AgentEvent.SIGN_IN, at=shift.starts_at)
    assert Agent.objects.get(pk=agent.pk).state != "offline"


def test_a_telephony_sign_in_off_shift_changes_nothing(night_shift, api_as):
    centre, shift = night_shift
    employee = f.user(Role.OPERATOR, centre=centre)
    _agent(centre, employee)
    phone = api_as("telephony")
    answer = phone.post(
        "/api/v1/telephony/events",
        {
            "event_id": "s1",
            "type": "agent_state",
            "agent": employee.username,
            "event": "sign_in",
            "at": shift.starts_at.isoformat(),
        },
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["outcome"] == "off shift"
    assert Agent.objects.get(user=employee).state == "offline"
