"""The lines' pages: a line from a template, skills given in bulk, the history of changes."""

import pytest

from vmeste.contactcenter.models import Agent
from vmeste.launch.models import LineChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(client, make_user):
    user = make_user("sup", "supervisor", regions=["RU-TVE"])
    client.force_login(user)
    return user


def test_operators_do_not_see_the_pages(client, make_user):
    client.force_login(make_user("op", "operator"))
    assert client.get("/launch/").status_code == 403  # the site's 403 page, with a way back


def test_a_supervisor_creates_a_line_and_staffs_it_in_bulk(client, supervisor, make_user):
    page = client.get("/launch/")
    assert "regional-volunteers" in page.content.decode()
    refused = client.post(
        "/launch/", {"template": "regional-volunteers", "code": "vgg2", "region": "RU-VGG"}
    )
    assert refused.status_code == 200 and "пределы ваших регионов" in refused.content.decode()
    created = client.post(
        "/launch/", {"template": "regional-volunteers", "code": "tver", "region": "RU-TVE"}
    )
    assert created.status_code == 302 and created["Location"] == "/launch/tver/"
    names = [make_user(f"vol{i}", "volunteer").username for i in range(30)]
    client.post(
        "/launch/tver/skills/",
        {"logins": " ".join(names), "centre": "tver", "skill": "food", "level": "2"},
    )
    assert Agent.objects.filter(centre__code="tver").count() == 30
    client.post("/launch/tver/skills/", {"agent": names[:10], "skill": "social", "level": "1"})
    client.post("/launch/tver/skills/", {"agent": names[:5], "skill": "food", "level": "0"})
    skills = {a.user.username: a.skills for a in Agent.objects.select_related("user")}
    assert skills["vol0"] == {"social": 1} and skills["vol7"] == {"food": 2, "social": 1}
    assert skills["vol20"] == {"food": 2}
    history = list(LineChange.objects.filter(line__code="tver").order_by("-at", "-pk"))
    assert [c.kind for c in history] == ["imported"] * 3 + ["created"]
    assert history[0].actor == supervisor and len(history[0].diff) == 5
    page = client.get("/launch/tver/").content.decode()
    assert "- agents[vol0].skills.food" in page
    assert 'data-code="staffing" data-passed="0"' in page


def test_a_bad_file_reports_every_error_on_the_page(client, supervisor):
    client.post("/launch/", {"template": "regional-volunteers", "code": "tver", "region": "RU-TVE"})
    yaml = client.get("/launch/tver/configuration.yaml").content.decode()
    bad = yaml.replace("kind: regional", "kind: federal").replace("hours: 24/7", "hours: x")
    page = client.post("/launch/tver/import/", {"configuration": bad}, follow=True)
    text = page.content.decode()
    assert "Ошибок в конфигурации: 6" in text  # the two above and 4 queues nobody staffs
    assert "centres[0].kind" in text and "line.hours" in text


def test_queues_are_added_changed_and_removed_on_the_page(client, supervisor):
    from vmeste.contactcenter.models import Queue

    client.post("/launch/", {"template": "regional-volunteers", "code": "tver", "region": "RU-TVE"})
    form = {
        "code": "tver-legal",
        "name": "Юристы",
        "topic": "legal",
        "ivr_path": "5",
        "skill": "legal",
        "target_seconds": "30",
        "callback_after_seconds": "",
        "overflow_after_seconds": "",
        "overflow_to": "",
    }
    client.post("/launch/tver/queue/", form)
    legal = Queue.objects.get(code="tver-legal")
    assert (legal.line.code, legal.topic.code, legal.max_wait_seconds) == ("tver", "legal", None)
    client.post(
        "/launch/tver/queue/", {**form, "overflow_to": "tver-food", "overflow_after_seconds": "60"}
    )
    assert Queue.objects.get(code="tver-legal").overflow_after_seconds == 60
    cycle = client.post(
        "/launch/tver/queue/",
        {
            **form,
            "code": "tver-food",
            "name": "Продукты",
            "topic": "groceries",
            "ivr_path": "1",
            "skill": "food",
            "overflow_to": "tver-legal",
        },
        follow=True,
    ).content.decode()
    assert "переполнение по кругу: tver-food → tver-legal → tver-food" in cycle
    client.post("/launch/tver/queue/", {"code": "tver-legal", "remove": "1"})
    assert Queue.objects.get(code="tver-legal").is_active is False
    kinds = [c.diff for c in LineChange.objects.filter(line__code="tver").order_by("-pk")[:3]]
    assert kinds[0] == ["- queues[tver-legal]"]
    assert kinds[1] == [
        "~ queues[tver-legal].overflow_after_seconds: null → 60",
        '~ queues[tver-legal].overflow_to: null → "tver-food"',
    ]


def test_a_supervisor_limited_to_some_lines_can_open_the_line_they_made(client, make_user):
    user = make_user("sup.vgg", "supervisor", regions=["RU-VGG"], lines=["volgograd-volunteers"])
    client.force_login(user)
    client.post("/launch/", {"template": "regional-volunteers", "code": "vgg2", "region": "RU-VGG"})
    assert client.get("/launch/vgg2/").status_code == 200
    assert sorted(user.lines.values_list("code", flat=True)) == ["vgg2", "volgograd-volunteers"]
