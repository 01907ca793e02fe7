"""The edge's questions to Vmeste: credentials (HA1 only), where a number goes, the menu."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time

import pytest

from vmeste.contactcenter import ivr
from vmeste.contactcenter.models import Queue
from vmeste.core.models import Centre, Line
from vmeste.telephony import services
from vmeste.telephony.models import SipAccount
from vmeste.telephony.tests.conftest import MENU

pytestmark = pytest.mark.django_db


def test_the_phone_password_is_kept_as_ha1_only(national):
    account, password = services.set_sip_password(
        by=None, username="ivanova", password="phone-secret"
    )
    expected = hashlib.md5(b"ivanova:vmeste:phone-secret").hexdigest()
    stored = SipAccount.objects.get(pk=account.pk)
    assert stored.ha1 == expected and password == "phone-secret"
    assert "phone-secret" not in str(SipAccount.objects.filter(pk=account.pk).values().first())
    _, generated = services.set_sip_password(by=None, username="ivanova")
    assert len(generated) >= 12 and SipAccount.objects.get().ha1 != expected


def test_only_the_agent_or_a_user_manager_sets_it(national, make_user):
    from vmeste.core.errors import Forbidden, NotFound, ValidationFailed

    other = national["agents"]["petrov"].user
    with pytest.raises(Forbidden):
        services.set_sip_password(by=other, username="ivanova", password="long-enough")
    services.set_sip_password(
        by=national["agents"]["ivanova"].user, username="ivanova", password="long-enough"
    )
    admin = make_user("boss", "administrator")
    services.set_sip_password(by=admin, username="ivanova", password="long-enough-2")
    with pytest.raises(ValidationFailed):
        services.set_sip_password(by=admin, username="ivanova", password="short")
    with pytest.raises(NotFound):
        services.set_sip_password(by=admin, username="nobody", password="long-enough")


def test_a_number_finds_its_line_the_national_one_first(national):
    # The seeds' national number is also the Moscow line's: the line of the whole country
    # takes it; «8 800 …» is the same number as «+7 800 …».
    assert services.route_invite(number="+78002003411")["line"] == "we-are-together"
    assert services.route_invite(number="88002003411") == {
        "action": "menu",
        "status": 200,
        "line": "we-are-together",
    }
    assert services.route_invite(number="74950000000")["action"] == "reject"
    assert services.route_invite(number="")["action"] == "reject"


def test_the_menu_is_the_voice_menu_as_data_with_its_home_centre(national):
    from vmeste.knowledge.models import Article, Status

    Article.objects.create(
        slug="rules", title="Правила",
        body="# Правила\n\nСм. [сайт](https://example.org) **сейчас**.",
        status=Status.PUBLISHED,
    )  # fmt: skip
    document = dict(MENU, nodes=[*MENU["nodes"], {"id": "robot", "kind": "robot",
                                                 "article": "rules"}])  # fmt: skip
    main = document["nodes"][0]
    document["nodes"][0] = dict(main, options=[*main["options"], {"digit": "7", "to": "robot"}])
    ivr.import_menu(document, line=national["line"])
    menu = services.menu_for_line(code="we-are-together", at=datetime(2026, 4, 1, 10, tzinfo=UTC))
    assert menu["centre"] == "nat" and menu["is_open"] and menu["entry"] == "main"
    main = menu["nodes"]["main"]
    assert main["options"]["1"] == "food" and menu["nodes"]["food"]["queue"] == "food"
    assert menu["nodes"]["help"]["options"] == {"1": "psy", "2": "law"}
    assert menu["nodes"]["robot"]["text"] == "Правила См. сайт сейчас ."
    assert menu["operator_queue"] == "food"


def test_a_closed_line_says_so_and_a_regional_line_goes_to_its_regional_centre(national):
    line = Line.objects.get(code="moscow-volunteers")  # 07:30–16:00 Moscow time
    regional = Centre.objects.create(code="msk", name_ru="Москва", kind="regional")
    regional.lines.add(line)
    national["centre"].lines.add(line)
    Queue.objects.create(line=line, code="msk-q", name="Москва", skill="msk")
    ivr.import_menu(
        {"start": "main", "night": "night", "operator_queue": "msk-q", "nodes": [
            {"id": "main", "kind": "menu", "prompt": "Москва — 1.",
             "options": [{"digit": "1", "to": "q"}]},
            {"id": "q", "kind": "queue", "queue": "msk-q"},
            {"id": "night", "kind": "message", "prompt": "Линия сейчас не работает."}]},
        line=line,
    )  # fmt: skip
    night = datetime(2026, 4, 1, 20, tzinfo=UTC)  # 23:00 in Moscow
    menu = services.menu_for_line(code="moscow-volunteers", at=night)
    assert not menu["is_open"] and menu["entry"] == "night"
    assert "не работает" in menu["nodes"]["night"]["prompt"]
    assert menu["centre"] == "msk"
    assert line.opens_at == time(7, 30)


def test_the_commands_set_a_phone_password_and_check_the_edge(national, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("telephony", "password", "ivanova")
    printed = capsys.readouterr().out.strip()
    username, password = printed.split(": ")
    assert username == "ivanova@vmeste" and len(password) >= 12
    assert SipAccount.objects.get().ha1 == services.ha1("ivanova", "vmeste", password)
    token = tmp_path / "token"
    token.write_text("tok")
    with pytest.raises(CommandError, match="not ready"):
        call_command(
            "telephony",
            "check",
            "--lang",
            "en",
            "--vmeste-url",
            "http://127.0.0.1:9",
            "--token-file",
            str(token),
        )
    said = capsys.readouterr().out
    assert "!! Vmeste does not answer at http://127.0.0.1:9" in said
    with pytest.raises(CommandError, match="не готово"):
        call_command(
            "telephony",
            "check",
            "--lang",
            "ru",
            "--vmeste-url",
            "http://127.0.0.1:9",
            "--token-file",
            str(token),
        )
    assert "Vmeste по адресу http://127.0.0.1:9 не отвечает" in capsys.readouterr().out


def test_a_waiting_callers_place_and_expected_wait(national):
    from datetime import timedelta

    from vmeste.contactcenter.models import Call
    from vmeste.contactcenter.services import change_agent_state
    from vmeste.contactcenter.transitions import AgentEvent

    food = Queue.objects.get(code="food")
    start = datetime(2026, 4, 1, 10, tzinfo=UTC)

    def call(call_id, seconds, state=Call.State.WAITING, priority=0.0, talk=None):
        return Call.objects.create(
            call_id=call_id, line=national["line"], queue=food, state=state, priority=priority,
            offered_at=start + timedelta(seconds=seconds), talk_seconds=talk,
            ended_at=start if talk else None,
        )  # fmt: skip

    call("old-1", -900, Call.State.ENDED, talk=100.0)
    call("old-2", -800, Call.State.ENDED, talk=200.0)
    call("first", 0)
    call("urgent", 50, priority=60.0)  # 60 s of credit: ranked before «first»
    call("me", 20)
    assert services.queue_status(call_id="me")["position"] == 3
    # Nobody of the skill signed in: counted as one agent; the mean talk time is 150 s.
    assert services.queue_status(call_id="me")["expected_wait_seconds"] == 450
    change_agent_state(agent=national["agents"]["ivanova"], event=AgentEvent.SIGN_IN)
    assert services.queue_status(call_id="urgent") == {
        "call_id": "urgent", "state": "waiting", "position": 1, "expected_wait_seconds": 150,
    }  # fmt: skip
    assert services.queue_status(call_id="old-1")["position"] is None
