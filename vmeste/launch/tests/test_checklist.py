"""The launch checklist, computed from the database, and the opening it gates."""

from datetime import UTC, date, datetime

import pytest

from vmeste.contacts.models import Contact
from vmeste.core.errors import Conflict
from vmeste.knowledge.services import ArticleData, save_article
from vmeste.launch import checklist, services
from vmeste.launch.models import LineChange
from vmeste.volunteers import shifts
from vmeste.volunteers.models import Assignment, Shift
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 12:00 in Tver
EVENTS = "/api/v1/telephony/events"
SKILLS = {"food": 3, "medicines": 2, "psychology": 4, "social": 1}


def status(code: str = "tver") -> dict[str, bool]:
    line = services.line_for(code=code)
    return {item.code: item.passed for item in checklist.compute(line=line, now=NOW)}


@pytest.fixture
def staffed_line(tver):
    """The Tver line with a number, a menu, an article and one volunteer holding every skill
    on every shift of the coming week (laid from the template's four shifts)."""
    centre = f.centre("tver", "RU-TVE")
    volunteer = f.volunteer(centre)
    text = (
        services.export_line(code="tver")
        .replace("phones: []", "phones:\n  - '+74822771100'")
        .replace("menu: null", "menu: tver-menu")
        .replace(
            "agents: []",
            f"agents:\n- user: {volunteer.user.username}\n  centre: tver\n  skills: {SKILLS}",
        )
    )
    services.import_line(text=text)
    shifts.generate(centre=centre, first=date(2026, 12, 6), last=date(2026, 12, 15), actor=f.user())
    Assignment.objects.bulk_create(
        Assignment(shift=s, volunteer=volunteer, role="operator") for s in Shift.objects.all()
    )
    save_article(
        data=ArticleData(slug="kb-tver", title="Тверь", lines=["tver"]),
        status="published",
        enforce_workflow=False,
    )
    return volunteer


def test_a_new_line_is_blocked_on_everything_but_its_script(tver):
    assert status() == {
        "numbers": False,
        "menu": False,
        "staffing": False,
        "script": True,
        "articles": False,
        "test_call": False,
    }
    with pytest.raises(Conflict) as refused:
        checklist.open_line(code="tver", now=NOW)
    assert set(refused.value.fields) == {"numbers", "menu", "staffing", "articles", "test_call"}
    tver.refresh_from_db()
    assert tver.is_active is False


def test_a_staffed_line_opens_after_a_call_reaches_one_of_its_agents(staffed_line, api_as):
    assert status() == {
        "numbers": True,
        "menu": True,
        "staffing": True,
        "script": True,
        "articles": True,
        "test_call": False,
    }
    phone, agent = api_as("telephony"), staffed_line.user.username
    for n, event in enumerate(("sign_in", "ready")):
        phone.post(
            EVENTS,
            {
                "event_id": f"a{n}",
                "type": "agent_state",
                "at": "2026-12-07T08:59:00Z",
                "agent": agent,
                "event": event,
            },
        )
    answer = phone.post(
        EVENTS,
        {
            "event_id": "c1",
            "type": "call_offered",
            "call_id": "test-1",
            "at": "2026-12-07T09:00:00Z",
            "line": "tver",
            "ivr_path": "1",
            "centre": "tver",
            "caller_number": "+79001234567",
        },
    ).json()
    assert answer["rung"] == [{"call_id": "test-1", "agent": agent, "callback": False}]
    assert all(status().values())
    # The test call of a line not yet open is answered, ended and kept like any other.
    for n, (kind, extra) in enumerate(
        (("call_answered", {"agent": agent}), ("call_ended", {"disposition": "consultation"}))
    ):
        done = phone.post(
            EVENTS,
            {
                "event_id": f"t{n}",
                "type": kind,
                "call_id": "test-1",
                "at": f"2026-12-07T09:0{n + 1}:00Z",
                **extra,
            },
        )
        assert done.status_code == 200 and done.json()["outcome"] == ""
    assert Contact.objects.get().line.code == "tver"
    line = checklist.open_line(code="tver", now=NOW)
    assert line.is_active is True
    assert LineChange.objects.filter(line=line).first().kind == LineChange.Kind.OPENED


def test_an_hour_without_a_skill_blocks_and_is_named(staffed_line):
    night = Shift.objects.filter(name__startswith="Ночная", local_date=date(2026, 12, 9))
    Assignment.objects.filter(shift__in=night).delete()
    line = services.line_for(code="tver")
    item = {i.code: i for i in checklist.compute(line=line, now=NOW)}["staffing"]
    assert not item.passed
    assert "tver-food: ср 09.12 22:00–чт 10.12 08:00;" in item.detail


def test_the_console_prints_the_checklist_and_refuses_to_open(tver, capsys):
    from django.core.management import call_command

    call_command("line", "checklist", "tver")
    rows = capsys.readouterr().out.splitlines()
    assert [row.split("\t")[0] for row in rows] == [
        "✗ numbers",
        "✗ menu",
        "✗ staffing",
        "✓ script",
        "✗ articles",
        "✗ test_call",
    ]
    with pytest.raises(Exception, match="чек-лист не пройден") as refused:
        call_command("line", "open", "tver")
    assert "test_call: ни один звонок" in str(refused.value)
