"""`/api/v1/ivr/…`: supervisors and administrators of the line's scope; every error listed;
YAML and JSON; recordings in WAV, MP3 and OGG converted to 8 kHz."""

from __future__ import annotations

import copy
import subprocess
import wave

import pytest

from vmeste.contactcenter import ivr
from vmeste.contactcenter.models import IvrNode
from vmeste.demo.voicemenu import MENU

pytestmark = pytest.mark.django_db
URL = "/api/v1/ivr/we-are-together"


@pytest.fixture
def line(menu_saved):
    return menu_saved


@pytest.fixture
def data_dir(ivr_data):
    return ivr_data


def put(api, body: str, content_type: str):
    return api.client.put(URL, body, content_type=content_type, **api.auth)


def test_a_supervisor_reads_and_writes_the_menu_in_yaml_and_json(api_as, line):
    api = api_as("supervisor")
    text = api.get(URL, format="yaml").content.decode()
    assert text == ivr.dump_yaml(MENU)
    assert api.get(URL).json() == MENU
    changed = text.replace("Ночное сообщение", "Ночью")
    answer = put(api, changed, "application/yaml")
    assert answer.status_code == 200
    assert IvrNode.objects.get(code="night").label == "Ночью"
    assert put(api, answer.content.decode(), "application/json").status_code == 200
    assert api.get(URL, format="yaml").content.decode() == changed


def test_an_invalid_menu_is_refused_with_every_error(api_as, line):
    api = api_as("administrator")
    bad = copy.deepcopy(MENU)
    bad["nodes"][1]["queue"] = "nope"
    bad["nodes"][10]["number"] = "x"
    import json

    answer = put(api, json.dumps(bad), "application/json")
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_menu"
    assert set(error["fields"]) == {"nodes[1] (food).queue", "nodes[10] (lawyer).number"}
    assert IvrNode.objects.get(code="food").queue == "wat-food"
    checked = api.post(f"{URL}/check", bad).json()
    assert checked["valid"] is False and len(checked["errors"]) == 2
    assert put(api, "nodes: [", "application/yaml").status_code == 422


def test_only_supervisors_and_administrators_of_the_lines_scope(api_as, line):
    assert api_as("operator").get(URL).status_code == 403
    assert api_as("analyst").get(URL).status_code == 403
    assert api_as("supervisor", lines=["moscow-volunteers"]).get(URL).status_code == 404
    assert api_as("supervisor", lines=["we-are-together"]).get(URL).status_code == 200
    # A line of the whole country is in every regional scope.
    assert api_as("supervisor", regions=["RU-VGG"]).get(URL).status_code == 200


def sound(tmp_path, extension: str) -> bytes:
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "ru", "-w", str(wav), "Проверка записи"], check=True)
    if extension == "wav":
        return wav.read_bytes()
    target = tmp_path / f"speech.{extension}"
    if extension == "mp3":
        import soundfile

        data, rate = soundfile.read(str(wav))
        soundfile.write(str(target), data, rate, format="MP3")
    else:
        subprocess.run(["sox", str(wav), str(target)], check=True)
    return target.read_bytes()


@pytest.mark.parametrize("extension", ["wav", "mp3", "ogg"])
def test_a_recording_is_converted_to_8_khz(api_as, line, tmp_path, data_dir, extension):
    api = api_as("supervisor")
    content = sound(tmp_path, extension)
    answer = api.client.post(
        f"{URL}/nodes/night/recording",
        {"file": _upload(f"ночь.{extension}", content)},
        **api.auth,
    )
    assert answer.status_code == 200, answer.content
    name = answer.json()["recording"]
    with wave.open(str(data_dir / "prompts" / f"{name}.wav")) as converted:
        assert (converted.getframerate(), converted.getnchannels()) == (8000, 1)
        assert converted.getnframes() / 8000 > 0.5
    assert ivr.sound_of(IvrNode.objects.get(code="night")) == name


def test_a_file_that_is_not_sound_is_refused(api_as, line):
    api = api_as("supervisor")
    for filename in ("ночь.txt", "ночь.wav"):
        answer = api.client.post(
            f"{URL}/nodes/night/recording", {"file": _upload(filename, b"not sound")}, **api.auth
        )
        assert answer.status_code == 422
        assert "file" in answer.json()["error"]["fields"]


def test_the_media_application_reads_the_menu(api_as, line):
    assert api_as("supervisor").get(f"{URL}/media").status_code == 403
    menu = api_as("telephony").get(f"{URL}/media").json()
    assert menu["entry"] in ("main", "night")
    assert menu["nodes"]["main"]["options"]["1"] == "food"


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
