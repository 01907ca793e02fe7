"""Calls that end in the voice menu: a caller who hangs up there, or is put through to an
outside number, is one event — counted once (one Call, one Contact) with the IVR path and
the time in the menu; an offered call keeps its time in the menu too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vmeste.contactcenter import services as cc
from vmeste.contactcenter.models import Call, Queue
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line

URL = "/api/v1/telephony/events"
AT = datetime(2026, 4, 1, 10, 0, tzinfo=UTC).isoformat()
TOLD = {"line": "we-are-together", "centre": "nat", "caller_number": "+79001234567"}


@pytest.fixture
def phone(db, api_as):
    line = Line.objects.get(code="we-are-together")
    Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    Queue.objects.create(line=line, code="food", name="Продукты", skill="general", ivr_path="1")
    return api_as("telephony")


def _post(phone, event_id: str, type: str, call_id: str, **data) -> dict:
    payload = {"event_id": event_id, "type": type, "call_id": call_id, "at": AT, **data}
    answer = phone.post(URL, payload)
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_a_hang_up_in_the_menu_is_one_abandoned_call_with_its_path_and_time(phone):
    for _ in range(2):  # the media application's retry: the same event, nothing more
        _post(phone, "m1", "call_ended", "c1", disposition="abandoned_in_menu",
              ivr_path="3", menu_seconds=4.25, **TOLD)  # fmt: skip
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.disposition) == (Call.State.ABANDONED, "abandoned_in_menu")
    assert (call.ivr_path, call.menu_seconds, call.queue) == ("3", 4.25, None)
    assert call.line.code == "we-are-together" and call.caller_number == "+79001234567"
    contact = Contact.objects.get()
    assert contact.ivr_path == "3"


def test_a_transfer_out_of_the_menu_is_one_transferred_call(phone, make_user):
    _post(phone, "t1", "call_transferred", "c2", to_number="+74950000000", ivr_path="9",
          menu_seconds=7.5, **TOLD)  # fmt: skip
    call = Call.objects.get(call_id="c2")
    assert (call.state, call.disposition, call.transferred_to) == (
        Call.State.ENDED, "transferred", "+74950000000")  # fmt: skip
    assert (call.ivr_path, call.menu_seconds) == ("9", 7.5)
    assert Contact.objects.count() == 1
    # Put through by the menu itself (a specialist's number): served by the menu, never
    # offered to a queue, so it does not weigh on the service level as an unanswered call.
    boss = make_user("boss", role="administrator")
    board = cc.wallboard(user=boss, now=datetime(2026, 4, 1, 10, 1, tzinfo=UTC))
    (line,) = [line for centre in board["centres"] for line in centre["lines"]]
    assert (line["served_in_menu_today"], line["offered_today"]) == (1, 0)
    assert line["service_level_today"] is None


def test_an_offered_call_keeps_its_time_in_the_menu(phone):
    _post(phone, "o1", "call_offered", "c3", ivr_path="1", menu_seconds=3.0, **TOLD)
    _post(phone, "o2", "call_ended", "c3")
    call = Call.objects.get(call_id="c3")
    assert (call.queue.code, call.menu_seconds, call.state) == ("food", 3.0, Call.State.ABANDONED)


def test_a_call_served_by_the_menu_is_one_ended_call_counted_apart(phone, make_user):
    """A message or the robot's answer heard: ended, not abandoned; one Contact whose
    outcome says so; on the wallboard neither offered nor abandoned, but served in the menu
    (and the caller who hung up in the menu: abandoned in the menu, not offered)."""
    for _ in range(2):
        _post(phone, "s1", "call_ended", "c4", disposition="served_in_menu",
              ivr_path="6", menu_seconds=12.5, **TOLD)  # fmt: skip
    _post(phone, "a1", "call_ended", "c5", disposition="abandoned_in_menu", **TOLD)
    call = Call.objects.get(call_id="c4")
    assert (call.state, call.disposition) == (Call.State.ENDED, "served_in_menu")
    assert (call.ivr_path, call.menu_seconds, call.answered_at, call.queue) == (
        "6", 12.5, None, None)  # fmt: skip
    contact = Contact.objects.get(call_id="c4")
    assert (contact.disposition, contact.ivr_path) == ("served_in_menu", "6")
    assert Contact.objects.count() == 2
    boss = make_user("boss", role="administrator")
    board = cc.wallboard(user=boss, now=datetime(2026, 4, 1, 10, 1, tzinfo=UTC))
    (line,) = [line for centre in board["centres"] for line in centre["lines"]]
    assert (line["served_in_menu_today"], line["abandoned_in_menu_today"]) == (1, 1)
    assert (line["offered_today"], line["abandoned_today"]) == (0, 0)


def test_served_in_menu_cannot_hide_a_caller_who_left_the_queue(phone):
    _post(phone, "o1", "call_offered", "c6", ivr_path="1", **TOLD)
    _post(phone, "o2", "call_ended", "c6", disposition="served_in_menu")
    assert Call.objects.get(call_id="c6").state == Call.State.ABANDONED
    assert Contact.objects.get(call_id="c6").disposition == "abandoned"
