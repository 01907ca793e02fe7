"""The launch checklist, computed from the database, and the opening it gates."""

from datetime import date

import pytest

from vmeste.contactcenter import ivr
from vmeste.contactcenter.models import IvrMenu, Queue
from vmeste.contacts.models import Contact
from vmeste.core.errors import Conflict
from vmeste.demo import voicemenu
from vmeste.knowledge.services import ArticleData, save_article
from vmeste.launch import checklist, services
from vmeste.launch.models import LineChange
from vmeste.launch.tests.conftest import NOW, menu_to_every_queue
from vmeste.volunteers.models import Assignment, Shift

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/telephony/events"


def status(code: str = "tver") -> dict[str, bool]:
    line = services.line_for(code=code)
    return {item.code: item.passed for item in checklist.compute(line=line, now=NOW)}


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
    assert LineChange.objects.filter(line=line).last().kind == LineChange.Kind.OPENED


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


def item(code: str, line: str = "tver") -> checklist.Item:
    return {i.code: i for i in checklist.compute(line=services.line_for(code=line), now=NOW)}[code]


def test_numbers_pass_only_when_the_edge_routes_them_to_this_lines_menu(staffed_line):
    from vmeste.core.models import Line

    assert item("numbers").passed
    assert "+74822771100 → меню линии" in item("numbers").detail
    # An open line already has the number: the edge sends its calls there (route_invite).
    other = Line.objects.create(code="tver-old", name_ru="Старая", phones=["+74822771100"])
    numbers = item("numbers")
    assert not numbers.passed
    assert numbers.detail == "номер ведёт не на эту линию: +74822771100 → tver-old."
    other.is_active = False
    other.save()
    assert item("numbers").passed
    # The voice menu the media application plays reaches no open queue of the line: the
    # caller goes nowhere.
    line = services.line_for(code="tver")
    first = Queue.objects.filter(line=line, is_active=True).order_by("code").first()
    menu = voicemenu.regional_menu("tver", "Тверь.", [("1", "Очередь", first.code)])
    ivr.import_menu(menu, line=line)
    assert item("numbers").passed
    Queue.objects.filter(pk=first.pk).update(is_active=False)
    numbers = item("numbers")
    assert not numbers.passed and numbers.detail == "меню линии не ведёт ни в одну её очередь."


def test_a_menu_named_by_code_alone_blocks_the_menu_item(staffed_line):
    """The configuration names a menu («menu: tver-menu») but no voice menu is saved as
    data: the media application would have nothing to play to callers."""
    IvrMenu.objects.filter(line__code="tver").delete()
    menu = item("menu")
    assert not menu.passed
    assert menu.detail == (
        "меню «tver-menu» указано только кодом: голосового меню линии нет, медиаприложению"
        " нечего проиграть. Загрузите меню линии на странице «Голосовые меню»."
    )
    with pytest.raises(Conflict) as refused:
        checklist.open_line(code="tver", now=NOW)
    assert "menu" in refused.value.fields
    ivr.import_menu(menu_to_every_queue(), line=services.line_for(code="tver"))
    assert item("menu").passed


def test_the_line_menu_as_data_must_be_valid_and_lead_to_every_queue(staffed_line):
    line = services.line_for(code="tver")
    queues = list(Queue.objects.filter(line=line, is_active=True).order_by("code"))
    options = [{"digit": str(n + 1), "to": q.code} for n, q in enumerate(queues[:-1])]
    nodes = [
        {"id": "main", "kind": "menu", "prompt": "Меню", "options": options, "default": "0"},
        *({"id": q.code, "kind": "queue", "queue": q.code} for q in queues[:-1]),
        {"id": "night", "kind": "message", "prompt": "Ночью не работаем."},
    ]
    menu = {"start": "main", "night": "night", "operator_queue": queues[0].code, "nodes": nodes}
    ivr.import_menu(menu, line=line)
    menu_item = item("menu")
    assert not menu_item.passed
    assert menu_item.detail == f"меню не ведёт в очереди: {queues[-1].code}."
    options.append({"digit": str(len(queues)), "to": queues[-1].code})
    nodes.insert(-1, {"id": queues[-1].code, "kind": "queue", "queue": queues[-1].code})
    ivr.import_menu(menu, line=line)
    assert item("menu").passed
    assert item("menu").detail == f"меню линии: узлов {len(queues) + 2}, очередей {len(queues)}."


def test_an_article_shown_on_every_line_counts_for_the_new_line(tver):
    assert not item("articles").passed
    save_article(
        data=ArticleData(slug="kb-all", title="Для всех линий", lines=[]),
        status="published",
        enforce_workflow=False,
    )
    assert item("articles").passed and item("articles").detail == "опубликовано для линии: 1."
