"""Menus saved whole: import all-or-nothing and idempotent, export → import → export the
same bytes, prompts synthesised (espeak-ng, sox) and said anew only when their text changed."""

from __future__ import annotations

import copy
import wave

import pytest

from vmeste.contactcenter import ivr, prompts
from vmeste.contactcenter.models import IvrMenu, IvrNode, Queue
from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Line
from vmeste.demo.voicemenu import MENU

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(menu_line):
    return menu_line


@pytest.fixture
def prompt_dir(ivr_data):
    return ivr_data / "prompts"


def test_export_import_export_is_byte_identical_and_import_is_idempotent(line):
    ivr.import_menu(MENU, line=line)
    first = ivr.dump_yaml(ivr.export_menu(line))
    rows = list(IvrNode.objects.values_list("pk", "code", "speech", "speech_hash"))
    ivr.import_menu(ivr.parse_yaml(first), line=line)
    assert ivr.dump_yaml(ivr.export_menu(line)) == first
    assert list(IvrNode.objects.values_list("pk", "code", "speech", "speech_hash")) == rows
    assert ivr.export_menu(line) == MENU  # nothing lost on the way in


def test_an_invalid_menu_changes_nothing_and_lists_every_error(line):
    ivr.import_menu(MENU, line=line)
    before = ivr.dump_yaml(ivr.export_menu(line))
    bad = copy.deepcopy(MENU)
    bad["nodes"][1]["queue"] = "nope"
    bad["nodes"][0]["options"].append({"digit": "1", "to": "food"})
    del bad["nodes"][-1]  # the night message
    with pytest.raises(ValidationFailed) as refused:
        ivr.import_menu(bad, line=line)
    assert set(refused.value.fields) == {
        "nodes[0] (main).options",
        "nodes[0] (main).options[10].digit",
        "nodes[1] (food).queue",
        "night",
    }
    assert ivr.dump_yaml(ivr.export_menu(line)) == before


def test_a_queue_of_another_line_is_not_the_menus(line):
    other = Line.objects.get(code="moscow-volunteers")
    Queue.objects.create(line=other, code="msk-delivery", name="x", skill="general")
    bad = copy.deepcopy(MENU)
    bad["nodes"][1]["queue"] = "msk-delivery"
    with pytest.raises(ValidationFailed) as refused:
        ivr.import_menu(bad, line=line)
    assert list(refused.value.fields) == ["nodes[1] (food).queue"]
    assert not IvrMenu.objects.exists()


def test_prompts_are_synthesised_at_8_khz_and_resaid_only_when_changed(
    line, prompt_dir, monkeypatch
):
    ivr.import_menu(MENU, line=line)
    night = IvrNode.objects.get(code="night")
    with wave.open(str(prompt_dir / f"{night.speech}.wav")) as sound:
        assert (sound.getframerate(), sound.getnchannels()) == (8000, 1)
        seconds = sound.getnframes() / 8000
    alaw = (prompt_dir / f"{night.speech}.al").stat().st_size
    assert seconds > 2 and alaw == sound.getnframes()  # one A-law byte a sample
    assert night.speech_hash == prompts.text_hash(night.prompt)

    changed = copy.deepcopy(MENU)
    changed["nodes"][-1]["prompt"] = "Линия закрыта до утра."
    said = []
    synthesise = prompts.synthesise
    monkeypatch.setattr(prompts, "synthesise", lambda text: said.append(text) or synthesise(text))
    ivr.import_menu(changed, line=line)
    assert said == ["Линия закрыта до утра."]  # the other prompts kept their speech
    again = IvrNode.objects.get(code="night")
    assert again.pk == night.pk and again.speech != night.speech
    assert again.speech_hash == prompts.text_hash("Линия закрыта до утра.")


def test_the_media_sees_the_day_menu_or_the_night_message(line):
    from datetime import UTC, datetime, time

    line.opens_at, line.closes_at, line.is_24_7 = time(8), time(20), False
    line.save()
    ivr.import_menu(MENU, line=line)
    day = ivr.for_media(line, at=datetime(2026, 4, 1, 9, tzinfo=UTC))  # 12:00 in Moscow
    night = ivr.for_media(line, at=datetime(2026, 4, 1, 20, tzinfo=UTC))  # 23:00
    assert (day["entry"], night["entry"]) == ("main", "night")
    assert day["nodes"]["main"]["options"]["3"] == "psy"
    assert day["nodes"]["psy"]["queue"] == "wat-psy"
    assert day["nodes"]["main"]["audio"].endswith(".al")
    # The walk the media application drives reads this shape as it is.
    from vmeste.contactcenter.ivrwalk import enter, press

    assert press(day, enter(day).position, "3").end.queue == "wat-psy"
    assert enter(night).end.node == "night"


def test_the_command_exports_and_imports_a_file(line, tmp_path):
    from django.core.management import CommandError, call_command

    source = tmp_path / "menu.yaml"
    source.write_text(ivr.dump_yaml(MENU), encoding="utf-8")
    call_command("ivr", "import", str(source))
    out = tmp_path / "out.yaml"
    call_command("ivr", "export", "we-are-together", str(out))
    assert out.read_bytes() == source.read_bytes()
    source.write_text("start: main\nnodes: []\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("ivr", "import", str(source), "--line", "we-are-together")
    assert "nodes: Нужен непустой список узлов." in str(refused.value)
    assert out.read_bytes() == ivr.dump_yaml(ivr.export_menu(line)).encode()


def test_without_espeak_the_menu_is_saved_silent_and_said_later(line, monkeypatch):
    monkeypatch.setattr(prompts.shutil, "which", lambda name: None)
    ivr.import_menu(MENU, line=line)
    assert set(IvrNode.objects.values_list("speech", flat=True)) == {""}
    monkeypatch.undo()
    ivr.import_menu(MENU, line=line)
    assert all(node.speech for node in IvrNode.objects.exclude(prompt=""))


@pytest.mark.parametrize(
    ("role", "may"),
    [("supervisor", True), ("administrator", True), ("coordinator", False), ("operator", False)],
)
def test_editing_a_menu_is_the_right_to_edit_voice_menus(line, role, may):
    from vmeste.accounts.roles import RIGHTS, Right
    from vmeste.accounts.services import create_user
    from vmeste.core.errors import Forbidden

    user, _password = create_user(actor=None, username=role, role=role, lines=[line.code],
                                  password="x", check_password=False)  # fmt: skip
    assert (Right.EDIT_VOICE_MENU in RIGHTS[role]) is may
    if may:
        assert ivr.line_for(user, line.code) == line
    else:
        with pytest.raises(Forbidden):
            ivr.line_for(user, line.code)
