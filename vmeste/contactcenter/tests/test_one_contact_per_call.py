"""One contact per call: the Contact the telephony made for a routed call is the one the
operator completes on the call card, and the figures count each call once — answered and
recorded, still waiting, abandoned, or called back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from vmeste.assistance.models import Request
from vmeste.contactcenter import screenpop
from vmeste.contactcenter.models import Agent, Queue
from vmeste.contactcenter.tests import clock as server
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line

pytestmark = pytest.mark.django_db
URL = "/api/v1/telephony/events"
DAY = "2026-04-01"  # every event happens on this day (a fixed clock, whatever the hour now)
LINE = "volgograd-volunteers"
CALLER = "+79275551234"
CARD = {  # the call card as the operator fills it in for a request
    "caller_number": "8 (927) 555-12-34",
    "channel": "phone",
    "line": LINE,
    "region": "RU-VGG",
    "disposition": "consultation",
    "notes": "Просит перезвонить дочери.",
    "intake.district": "Советский",
    "with_request": "on",
    "consent": "on",
    "person.last_name": "Петрова",
    "person.first_name": "Анна",
    "person.birth_date": "1942-03-08",
    "person.address": "Волгоград, ул. Мира, 5",
    "category": "groceries-delivery",
    "urgency": "urgent",
    "description": "Нужны продукты: хлеб, молоко.",
}


@pytest.fixture
def world(make_user, api_as):
    centre = Centre.objects.create(code="vgg", name_ru="Волгоград", kind="national")
    line = Line.objects.get(code=LINE)
    Queue.objects.create(
        line=line, code="vgg", name="Волгоград", skill="general", ivr_path="1", escalation=[[0, 1]]
    )
    user = make_user("ivanova", "operator")
    Agent.objects.create(user=user, centre=centre, skills={"general": 1}, state="available")
    operator = Client()
    operator.force_login(user)
    return {"phone": api_as("telephony"), "operator": operator, "user": user}


def at(clock: str) -> str:
    return f"{DAY}T{clock}Z"


@pytest.fixture(autouse=True)
def _server_clock(server_clock):
    """The server at each event's moment (``tests.clock``): wrap-ups end on ``DAY``."""


def event(world, n: str, kind: str, call: str, clock: str, **fields) -> dict:
    payload = {"event_id": n, "type": kind, "call_id": call, "at": at(clock), **fields}
    server.SERVER.follow(payload["at"])
    response = world["phone"].post(URL, payload)
    assert response.status_code == 200, response.content
    return response.json()


def offer(world, n: str, call: str, clock: str) -> dict:
    fields = {"line": LINE, "caller_number": CALLER, "ivr_path": "1", "centre": "vgg"}
    return event(world, n, "call_offered", call, clock, **fields)


def record_on_the_card(world, card_url: str, **changes) -> None:
    """The operator's browser opens what the screen pop gave and posts the form shown."""
    operator = world["operator"]
    page = operator.get(card_url)
    assert page.status_code == 200
    html = page.content.decode()
    call_id = page.context["values"]["call_id"]
    assert f'name="call_id" id="call_id" value="{call_id}"' in html
    form = {**CARD, "call_id": call_id, "form_token": page.context["token"], **changes}
    saved = operator.post(reverse("assistance:call_card"), form)
    assert saved.status_code == 302, saved.content.decode()[:2000]


def figures(api_as) -> dict:
    analyst = api_as("analyst")
    return analyst.get("/api/v1/figures", date_from=DAY, date_to=DAY).json()


def test_a_routed_call_recorded_on_the_card_is_one_contact(world, api_as):
    rung = offer(world, "o1", "c1", "10:00:00")["rung"]
    assert rung == [{"call_id": "c1", "agent": "ivanova", "callback": False}]
    pop = screenpop.pop_for(world["user"].pk)
    assert parse_qs(urlsplit(pop["card_url"]).query)["call"] == ["c1"]
    event(world, "a1", "call_answered", "c1", "10:00:05", agent="ivanova")
    record_on_the_card(world, pop["card_url"])
    event(world, "e1", "call_ended", "c1", "10:04:00", disposition="consultation")

    contact = Contact.objects.get()  # one, not the telephony's and the card's
    assert contact.call_id == "c1" and contact.caller_number == CALLER
    assert contact.operator == world["user"] and contact.completed_at is not None
    assert (contact.wait_seconds, contact.talk_seconds) == (5, 235)
    # the card's part: its outcome (not undone by the hang-up's), topic, notes, person
    assert contact.disposition == "request_registered"
    assert [c.code for c in contact.categories.all()] == ["groceries-delivery"]
    assert "Советский" in contact.notes and "дочери" in contact.notes
    assert contact.person.last_name == "Петрова" and contact.region.code == "RU-VGG"
    assert Request.objects.get().contact == contact
    assert figures(api_as)["contacts"] == 1


def test_waiting_abandoned_and_called_back_calls_count_once_each(world, api_as):
    phone = world["phone"]
    # the only agent takes the first call: the next ones wait
    offer(world, "o1", "talk", "10:00:00")
    event(world, "a1", "call_answered", "talk", "10:00:03", agent="ivanova")
    offer(world, "o2", "gone", "10:01:00")
    offer(world, "o3", "back", "10:01:30")
    event(world, "e2", "call_ended", "gone", "10:02:00")  # hung up waiting: abandoned
    event(world, "b1", "callback_requested", "back", "10:02:10")
    event(world, "b2", "call_ended", "back", "10:02:12")  # left to be called back
    offer(world, "o4", "wait", "10:03:00")  # still waiting when the figures are read
    event(world, "e1", "call_ended", "talk", "10:05:00")
    wrapped = {"event_id": "w1", "type": "agent_state", "agent": "ivanova",
               "event": "wrap_done", "at": at("10:05:30")}  # fmt: skip
    assert phone.post(URL, wrapped).json()["rung"] == [
        {"call_id": "back", "agent": "ivanova", "callback": True}
    ]
    pop = screenpop.pop_for(world["user"].pk)
    event(world, "a2", "call_answered", "back", "10:05:40", agent="ivanova")
    record_on_the_card(world, pop["card_url"], with_request="", disposition="consultation")
    event(world, "e3", "call_ended", "back", "10:07:00")

    by_call = {c.call_id: c for c in Contact.objects.all()}
    assert sorted(by_call) == ["back", "gone", "talk", "wait"]
    assert by_call["gone"].disposition == "abandoned"
    assert by_call["wait"].ended_at is None
    assert by_call["back"].completed_at is not None
    assert figures(api_as)["contacts"] == 4


def test_a_call_not_known_yet_is_completed_by_the_telephony_later(world, api_as):
    """The card may save before the telephony's first event reaches us: the card's contact
    carries the call's id, and the telephony's events complete that one."""
    card = f"{reverse('assistance:call_card')}?phone=%2B79275551234&line={LINE}&call=early"
    record_on_the_card(world, card, with_request="", disposition="transferred")
    offer(world, "o1", "early", "10:00:00")
    event(world, "e1", "call_ended", "early", "10:03:00", disposition="consultation")
    contact = Contact.objects.get()
    assert contact.call_id == "early" and contact.disposition == "transferred"
    assert contact.started_at.isoformat() == "2026-04-01T10:00:00+00:00"
    assert figures(api_as)["contacts"] == 1


def test_a_call_out_of_the_operators_scope_is_not_theirs_to_complete(world, make_user):
    offer(world, "o1", "c1", "10:00:00")
    stranger = Client()
    stranger.force_login(make_user("moscow", "operator", regions=["RU-MOW"]))
    page = stranger.get(reverse("assistance:call_card"))
    form = {**CARD, "line": "we-are-together", "region": "RU-MOW", "with_request": "",
            "call_id": "c1", "form_token": page.context["token"]}  # fmt: skip
    refused = stranger.post(reverse("assistance:call_card"), form)
    assert refused.status_code == 422
    contact = Contact.objects.get()
    assert contact.completed_at is None and contact.notes == ""
