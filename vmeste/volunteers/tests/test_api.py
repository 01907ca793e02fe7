"""The /api/v1/volunteers and /api/v1/shifts contract, and the last-place race on PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from vmeste.volunteers import public_form, shifts
from vmeste.volunteers.models import Assignment, Shift, Volunteer
from vmeste.volunteers.tests import factories as f
from vmeste.volunteers.tests.factories import Api, race

pytestmark = pytest.mark.django_db


def _application(centre, token, **extra):
    today = timezone.localdate()
    body = {
        "centre": centre.code,
        "last_name": "Соколова",
        "first_name": "Ирина",
        "birth_date": str(date(today.year - 30, 5, 5)),
        "phone": "+79271234567",
        "consent": True,
        "wanted_roles": ["operator"],
        "document_valid_until": str(today + timedelta(days=90)),
        "form_token": token,
    }
    body.update(extra)
    return body


def test_public_application_through_the_workflow_to_a_shift(monkeypatch):
    centre = f.centre("mow", "RU-MOW", min_age=18, max_age=60, health_document_required=True)
    public = Api()
    form = public.get("/api/v1/volunteers/application-form").json()
    assert "operator" in {r["code"] for r in form["roles"]}
    monkeypatch.setattr(public_form, "FORM_MIN_SECONDS", 0)
    too_young = public.post(
        "/api/v1/volunteers/apply",
        _application(
            centre, form["token"], birth_date=str(date.today() - timedelta(days=17 * 365))
        ),
    )
    assert too_young.status_code == 422
    assert too_young.json()["error"]["code"] == "under_age"
    assert "18 лет" in too_young.json()["error"]["fields"]["birth_date"][0]
    used = public.post("/api/v1/volunteers/apply", _application(centre, form["token"]))
    assert used.status_code == 400 and used.json()["error"]["code"] == "form_used"

    def fresh() -> str:
        return public.get("/api/v1/volunteers/application-form").json()["token"]

    bot = public.post("/api/v1/volunteers/apply", _application(centre, fresh(), website="x"))
    assert bot.status_code == 400 and bot.json()["error"]["code"] == "spam"
    applied = public.post("/api/v1/volunteers/apply", _application(centre, fresh()))
    assert applied.status_code == 201, applied.json()
    assert applied.json()["status"] == "applied" and "id" not in applied.json()
    vid = Volunteer.objects.get(phone="+79271234567").pk

    boss = Api(f.user(centre=centre, regions=["RU-MOW"]))
    module = boss.post(
        "/api/v1/volunteers/trainings",
        {
            "centre": "mow",
            "code": "phone",
            "name": "Работа на линии",
            "format": "remote",
            "required_for": ["operator"],
        },
    ).json()
    for to in ("screening", "training"):
        assert boss.post(f"/api/v1/volunteers/{vid}/status", {"to": to}).status_code == 200
    refused = boss.post(f"/api/v1/volunteers/{vid}/roles", {"role": "operator"})
    assert refused.status_code == 422 and "Работа на линии" in refused.json()["error"]["message"]
    boss.post(f"/api/v1/volunteers/{vid}/trainings", {"module": module["id"]})
    granted = boss.post(f"/api/v1/volunteers/{vid}/roles", {"role": "operator"})
    assert granted.json()["roles"] == ["operator"]
    active = boss.post(f"/api/v1/volunteers/{vid}/status", {"to": "active"}).json()
    assert active["status"] == "active" and active["next_statuses"] == ["left", "paused"]
    timeline = boss.get(f"/api/v1/volunteers/{vid}/events").json()["items"]
    assert [e["kind"] for e in timeline][:2] == ["applied", "status"]

    boss.post(
        "/api/v1/shifts/templates",
        {
            "centre": "mow",
            "name": "Утро",
            "starts": "07:30",
            "ends": "11:30",
            "headcount": {"operator": 2},
        },
    )
    boss.post(
        "/api/v1/shifts/templates",
        {
            "centre": "mow",
            "name": "День",
            "starts": "12:00",
            "ends": "16:00",
            "headcount": {"operator": 2},
        },
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    made = boss.post(
        "/api/v1/shifts/generate", {"centre": "mow", "first": str(tomorrow), "last": str(tomorrow)}
    )
    assert made.json() == {"created": 2}
    cal = boss.get("/api/v1/shifts", centre="mow", first=str(tomorrow), last=str(tomorrow)).json()
    assert [s["local_start"][11:16] for s in cal["items"]] == ["07:30", "12:00"]

    me = Api(Volunteer.objects.get(pk=vid).user)
    morning = cal["items"][0]["id"]
    signed = me.post(f"/api/v1/shifts/{morning}/assignments", {"role": "operator"})
    assert signed.status_code == 201
    again = me.post(f"/api/v1/shifts/{morning}/assignments", {"role": "operator"})
    assert again.status_code == 409
    aid = signed.json()["id"]
    start = Shift.objects.get(pk=morning).starts_at
    assert (
        me.post(f"/api/v1/shifts/assignments/{aid}/check-in", {"at": start.isoformat()}).status_code
        == 200
    )
    double = me.post(f"/api/v1/shifts/assignments/{aid}/check-in", {"at": start.isoformat()})
    assert double.status_code == 409 and double.json()["error"]["code"] == "double_check_in"
    out = me.post(
        f"/api/v1/shifts/assignments/{aid}/check-out",
        {"at": (start + timedelta(hours=4)).isoformat()},
    )
    assert out.json()["hours"] == "4.00"
    mine = me.get("/api/v1/volunteers/me").json()
    assert mine["hours_total"] == "4.00"
    feed = Api().get(mine["calendar_url"])
    assert feed["Content-Type"] == "text/calendar" and b"BEGIN:VEVENT" in feed.content
    gaps = boss.get("/api/v1/shifts/coverage", centre="mow", days=3).json()
    assert {s["id"]: s["gaps"] for s in gaps["items"]}[morning] == {"operator": 1}
    assert me.get("/api/v1/volunteers").status_code == 403


def test_requirements_and_expiring_documents():
    centre = f.centre()
    boss = Api(f.user(centre=centre))
    put = boss.put(
        "/api/v1/volunteers/requirements/vgg",
        {
            "min_age": 18,
            "max_age": 60,
            "health_document_required": True,
            "health_document_label": "QR-код",
            "warn_days": 7,
        },
    )
    assert put.json()["max_age"] == 60
    v = f.volunteer(centre, document_days=3)
    expiring = boss.get("/api/v1/volunteers/expiring-documents").json()
    assert [(e["volunteer"], e["expired"]) for e in expiring["items"]] == [(v.pk, False)]


def test_csv_import_is_all_or_nothing_with_row_errors():
    centre = f.centre()
    boss = Api(f.user(centre=centre))
    good = "1990-01-01,+79270001122,да"
    text = (
        "last_name,first_name,birth_date,phone,consent\n"
        f"Иванов,Иван,{good}\n"
        "Петров,Пётр,01.13.1990,+79270001123,да\n"
        "Сидоров,,1990-01-01,123,да\n"
    )
    failed = boss.post("/api/v1/volunteers/import", {"centre": "vgg", "csv": text})
    assert failed.status_code == 422
    fields = failed.json()["error"]["fields"]
    assert set(fields) == {"строка 3", "строка 4"}
    assert "дата" in fields["строка 3"][0]
    assert any("телефон" in m.lower() for m in fields["строка 4"])
    assert not Volunteer.objects.exists()
    ok = boss.post(
        "/api/v1/volunteers/import",
        {
            "centre": "vgg",
            "csv": "last_name;first_name;birth_date;phone;consent\n"
            "Иванов;Иван;1990-01-01;+79270001122;да\n",
        },
    )
    assert ok.json() == {"created": 1}


def test_cli_import(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    f.centre()
    path = tmp_path / "v.csv"
    path.write_text(
        "last_name,first_name,birth_date,phone,consent\nА,Б,2015-01-01,+79270001122,да\n"
    )
    with pytest.raises(CommandError) as refused:
        call_command("volunteers", "import", str(path), "--centre", "vgg")
    assert "строка 2" in str(refused.value)
    path.write_text(
        "last_name,first_name,birth_date,phone,consent\nА,Б,1990-01-01,+79270001122,да\n"
    )
    call_command("volunteers", "import", str(path), "--centre", "vgg")
    assert Volunteer.objects.get().source == "import"
    f.centre("mow", "RU-MOW")
    path.write_text(
        "centre,last_name,first_name,birth_date,phone,consent\n"
        "mow,В,Г,1991-01-01,+79270001133,да\n"
        ",Д,Е,1991-01-01,+79270001144,да\n"
    )
    with pytest.raises(CommandError) as refused:
        call_command("volunteers", "import", str(path))  # two centres: the row must say which
    assert "строка 3: не указан центр" in str(refused.value)
    call_command("volunteers", "import", str(path), "--centre", "vgg")
    assert sorted(Volunteer.objects.values_list("centre__code", flat=True)) == ["mow", "vgg", "vgg"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_take_the_last_place_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    centre = f.centre()
    day = timezone.localdate() + timedelta(days=1)
    f.template(centre, "08:00", "12:00", {"operator": 2})
    shifts.generate(centre=centre, first=day, last=day, actor=f.user(centre=centre))
    shift = Shift.objects.get(centre=centre)
    shifts.sign_up(
        shift=shift, volunteer=f.volunteer(centre), role="operator", actor=f.user(centre=centre)
    )
    a, b = f.volunteer(centre), f.volunteer(centre)
    one, two = Api(f.user(centre=centre)), Api(f.user(centre=centre))
    path = f"/api/v1/shifts/{shift.pk}/assignments"
    results = race(
        [
            lambda: one.post(path, {"role": "operator", "volunteer": a.pk}),
            lambda: two.post(path, {"role": "operator", "volunteer": b.pk}),
        ]
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409]
    loser = next(r for r in results if r.status_code == 409).json()["error"]
    assert loser["code"] == "shift_full" and "больше нет" in loser["message"]
    assert Assignment.objects.filter(shift=shift).count() == 2


def test_lists_do_not_query_per_row(django_assert_max_num_queries):
    centre = f.centre()
    boss = Api(f.user(centre=centre))
    for _ in range(3):
        f.volunteer(centre)
    boss.get("/api/v1/volunteers")  # warm the token's last-used write
    with django_assert_max_num_queries(8):
        few = boss.get("/api/v1/volunteers").json()
    for _ in range(12):
        f.volunteer(centre)
    with django_assert_max_num_queries(8):
        many = boss.get("/api/v1/volunteers").json()
    assert (few["count"], many["count"]) == (3, 15)
    assert many["items"][0]["roles"] == ["operator"]


def test_supervisor_assigns_swaps_and_cancels_through_the_api():
    centre = f.centre("mow", "RU-MOW")
    boss_user = f.user(centre=centre)
    boss = Api(boss_user)
    f.template(centre, "07:30", "11:30", {"operator": 1})
    f.template(centre, "12:00", "16:00", {"operator": 1})
    day = timezone.localdate() + timedelta(days=2)
    shifts.generate(centre=centre, first=day, last=day, actor=boss_user)
    morning, afternoon = Shift.objects.filter(centre=centre).order_by("starts_at")
    a, b = f.volunteer(centre), f.volunteer(centre)
    x = boss.post(
        f"/api/v1/shifts/{morning.pk}/assignments", {"role": "operator", "volunteer": a.pk}
    )
    y = boss.post(
        f"/api/v1/shifts/{afternoon.pk}/assignments", {"role": "operator", "volunteer": b.pk}
    )
    assert (x.status_code, y.status_code) == (201, 201)
    swapped = boss.post("/api/v1/shifts/swap", {"first": x.json()["id"], "second": y.json()["id"]})
    assert [i["volunteer"] for i in swapped.json()["items"]] == [b.pk, a.pk]
    stranger = Api(f.volunteer(centre).user)
    assert (
        stranger.client.delete(
            f"/api/v1/shifts/assignments/{x.json()['id']}", **stranger.headers
        ).status_code
        == 404
    )
    gone = boss.client.delete(f"/api/v1/shifts/assignments/{x.json()['id']}", **boss.headers)
    assert gone.status_code == 204
    assert Assignment.objects.count() == 1
    mine = Api(a.user).get("/api/v1/shifts/mine").json()
    assert [i["shift"] for i in mine["items"]] == [afternoon.pk]
