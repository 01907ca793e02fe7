"""The agent toolbar and the wallboard page."""

from __future__ import annotations

import pytest

from vmeste.accounts.models import User
from vmeste.contactcenter.models import Agent, Call
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user):
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    return Agent.objects.create(user=make_user("op"), centre=centre, skills={"general": 1})


def test_toolbar_shows_the_state_and_changes_it(client, agent):
    client.force_login(agent.user)
    page = client.get("/contactcenter/toolbar/")
    assert "Не в сети" in page.content.decode() and 'value="sign_in"' in page.content.decode()
    page = client.post("/contactcenter/toolbar/event/", {"event": "sign_in"})
    assert "Свободен" in page.content.decode()
    page = client.post("/contactcenter/toolbar/event/", {"event": "take_break"})
    assert 'role="alert"' in page.content.decode()  # a break needs a reason
    page = client.post("/contactcenter/toolbar/event/", {"event": "take_break", "reason": "обед"})
    assert "Перерыв: обед" in page.content.decode()
    # the telephony's events are not the agent's to press
    client.post("/contactcenter/toolbar/event/", {"event": "answer"})
    agent.refresh_from_db()
    assert agent.state == "on_break"


def test_workplace_and_wallboard_pages(client, agent, make_user):
    Call.objects.create(
        call_id="c",
        line=Line.objects.get(code="we-are-together"),
        centre=agent.centre,
        state="waiting",
        offered_at="2026-01-01T10:00Z",
    )
    client.force_login(agent.user)
    page = client.get("/contactcenter/")
    assert page.status_code == 200 and "/contactcenter/toolbar/" in page.content.decode()
    assert "/contactcenter/ivr/" not in page.content.decode()  # no right to edit voice menus
    assert client.get("/contactcenter/wallboard/").status_code == 403
    client.force_login(make_user("boss", "supervisor"))
    page = client.get("/contactcenter/")
    assert 'id="cc-wallboard"' in page.content.decode()
    assert "/contactcenter/ivr/" in page.content.decode()  # the right EDIT_VOICE_MENU
    assert "/contactcenter/toolbar/" not in page.content.decode()  # not an agent
    Agent.objects.create(user=make_user("lead", "supervisor"), centre=agent.centre)
    client.force_login(User.objects.get(username="lead"))
    assert "/contactcenter/toolbar/" in client.get("/contactcenter/").content.decode()
    board = client.get("/contactcenter/wallboard/").content.decode()
    # Names for people, codes kept as the cells' titles.
    assert "Федеральный" in board and 'title="nat"' in board
    assert Line.objects.get(code="we-are-together").name_ru in board
    assert 'title="we-are-together"' in board


def test_toolbar_in_english_tells_the_state_from_the_action(client, agent, settings):
    """«Перерыв» is both the state and the button, «с» is "since": each has its context."""
    agent.state = "available"
    agent.save()
    client.force_login(agent.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/contactcenter/toolbar/").content.decode()
    assert "Available" in page and "since" in page and ">Take a break<" in page
