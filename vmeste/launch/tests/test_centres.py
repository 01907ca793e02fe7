"""The centres' pages: list, create, change, history; scoped by the user's regions."""

import pytest

from vmeste.core.models import Centre, Line
from vmeste.launch.models import CentreChange
from vmeste.volunteers.models import Requirements
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def tver_sup(client, make_user):
    user = make_user("tver-sup", "supervisor", regions=["RU-TVE"])
    client.force_login(user)
    return user


def test_operators_and_volunteers_are_refused(client, make_user):
    for role in ("operator", "volunteer"):
        client.force_login(make_user(f"x-{role}", role))
        assert client.get("/launch/centres/").status_code == 403


def test_a_regional_supervisor_creates_and_changes_a_centre_of_their_region(client, tver_sup):
    f.centre("samara", "RU-SAM")  # another region: neither listed nor reachable
    line = Line.objects.create(code="tver-line", name_ru="Тверская линия")
    line.regions.set(line.regions.model.objects.filter(code="RU-TVE"))
    page = client.get("/launch/centres/").content.decode()
    assert "Новый колл-центр" in page and "samara" not in page
    assert client.get("/launch/centres/samara/").status_code == 404
    form = {"code": "tver", "name_ru": "Тверской центр", "kind": "regional", "region": "RU-TVE"}
    refused = client.post("/launch/centres/", {**form, "region": "RU-SAM"})
    assert "пределы ваших регионов" in refused.content.decode()
    refused = client.post("/launch/centres/", {**form, "kind": "national", "region": ""})
    assert refused.status_code == 200 and not Centre.objects.filter(code="tver").exists()
    created = client.post("/launch/centres/", {**form, "lines": ["tver-line"]})
    assert created.status_code == 302 and created["Location"] == "/launch/centres/tver/"
    centre = Centre.objects.get(code="tver")
    assert [c.code for c in centre.lines.all()] == ["tver-line"]
    changed = client.post(
        "/launch/centres/tver/",
        {**form, "name_ru": "Тверской колл-центр", "agents_on_shift_only": "1"},
    )
    assert changed.status_code == 302
    assert Requirements.objects.get(centre=centre).agents_on_shift_only is True
    assert not centre.lines.exists()
    page = client.get("/launch/centres/tver/").content.decode()
    assert "Europe/Moscow" in page  # the region's zone
    history = list(CentreChange.objects.filter(centre=centre).order_by("-at", "-pk"))
    assert [h.kind for h in history] == ["changed", "created"]
    assert history[0].actor == tver_sup
    assert history[0].diff == [
        '~ name_ru: "Тверской центр" → "Тверской колл-центр"',
        '~ lines: ["tver-line"] → []',
        "~ agents_on_shift_only: false → true",
    ]
    assert "Тверской колл-центр" in page and "agents_on_shift_only: false → true" in page
    same = client.post("/launch/centres/tver/", {**form, "name_ru": "Тверской колл-центр",
                                                 "agents_on_shift_only": "1"})  # fmt: skip
    assert same.status_code == 302 and CentreChange.objects.filter(centre=centre).count() == 2


def test_bad_input_is_named_in_russian(client, tver_sup):
    answer = client.post(
        "/launch/centres/", {"code": "Тверь!", "name_ru": "", "kind": "x", "region": "RU-TVE",
                             "lines": ["nope"]}
    )  # fmt: skip
    text = answer.content.decode()
    assert answer.status_code == 200 and "Колл-центр не сохранён." in text
    for message in ("Код — латинские", "Укажите название", "Тип — федеральный", "Нет линий"):
        assert message in text
