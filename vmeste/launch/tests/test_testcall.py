"""The launch test call: offered through the telephony's event path, rung to a ready agent
of the line, or withdrawn with the reason when nobody is ready. The clock is fixed (NOW)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from vmeste.contactcenter import telephony
from vmeste.contactcenter.models import Call, TelephonyEvent
from vmeste.core.errors import Conflict
from vmeste.launch import testcall
from vmeste.launch.tests.conftest import NOW
from vmeste.launch.tests.test_checklist import item

pytestmark = pytest.mark.django_db


def _ready(username: str, at=NOW) -> None:
    """The agent's phone signs in a minute before (as the SIP edge reports it)."""
    telephony.record_event(
        event_id=f"in-{username}",
        type="agent_state",
        at=at - timedelta(minutes=1),
        now=at - timedelta(minutes=1),
        data={"agent": username, "event": "sign_in"},
    )


def test_with_nobody_ready_the_test_call_is_withdrawn_and_the_reason_given(staffed_line):
    with pytest.raises(Conflict) as refused:
        testcall.place(code="tver", at=NOW)
    assert refused.value.message == (
        "Пробный звонок не дошёл ни до кого: нет готового оператора с навыком «food» в центре"
        " «tver». Оператор входит в рабочее место и нажимает «Готов»."
    )
    call = Call.objects.get(call_id="launch-test-tver-1")
    assert call.state == Call.State.ABANDONED and call.agent is None
    assert not item("test_call").passed


def test_the_test_call_rings_a_ready_agent_of_the_line_and_passes_the_item(staffed_line):
    agent = staffed_line.user.username
    _ready(agent)
    assert testcall.place(code="tver", at=NOW) == ("launch-test-tver-1", agent)
    call = Call.objects.get(call_id="launch-test-tver-1")
    assert call.state == Call.State.RINGING and call.agent.user.username == agent
    assert call.queue.code == "tver-food" and call.centre.code == "tver"
    kept = TelephonyEvent.objects.get(event_id="launch-test-tver-1:offered")
    assert kept.type == "call_offered" and kept.data["caller_number"] == testcall.TEST_CALLER
    assert item("test_call").passed
    assert item("test_call").detail == f"звонок launch-test-tver-1 → {agent}."


def test_the_page_and_the_console_place_it(staffed_line, client, make_user, capsys):
    client.force_login(make_user("tver-sup", "supervisor", regions=["RU-TVE"]))
    page = client.post("/launch/tver/test_call/", follow=True).content.decode()
    assert 'class="flash flash-error" role="status" id="report">Пробный звонок не дошёл' in page
    # The page calls at the clock's now: the phone signs in just then.
    _ready(staffed_line.user.username, at=timezone.now() + timedelta(minutes=1))
    page = client.post("/launch/tver/test_call/", follow=True).content.decode()
    assert (
        f"Пробный звонок launch-test-tver-2 дошёл до оператора {staffed_line.user.username}."
        in page
    )
    client.force_login(make_user("vgg-sup", "supervisor", regions=["RU-VGG"]))
    assert client.post("/launch/tver/test_call/").status_code == 404  # not in their regions
    with pytest.raises(Exception, match="не дошёл ни до кого"):
        call_command("line", "test-call", "tver")  # the agent is ringing already: none ready
    assert Call.objects.filter(call_id__startswith="launch-test-tver-").count() == 3
