"""The demo loaded at 03:00 in Moscow: no live call on a line closed then, and the moment
is still one the router agrees with (it rings nobody)."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings

from vmeste.contactcenter.models import Agent, Call
from vmeste.demo.services import load_demo

pytestmark = pytest.mark.django_db
NIGHT = datetime(2026, 11, 18, 3, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def test_at_night_the_closed_lines_have_no_live_calls_and_their_agents_went_home():
    from vmeste.contactcenter.dispatch import dispatch

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        load_demo(seed=7, now=NIGHT, persons=300, contacts=1500, requests=200)
    live = Call.objects.filter(call_id__startswith="demo-live-").select_related("line")
    lines = Counter(call.line.code for call in live)
    assert lines and not {"moscow-volunteers", "social-coordinator"} & set(lines)
    assert all(call.line.is_open(NIGHT) for call in live)
    home = Agent.objects.filter(user__username__in=["operator.msk", "agent.msk01", "agent.tat01"])
    assert set(home.values_list("state", flat=True)) == {"offline"}
    assert Agent.objects.filter(state="on_call").count() == 6
    with transaction.atomic():
        assert dispatch(now=NIGHT).rung == []
        transaction.set_rollback(True)
