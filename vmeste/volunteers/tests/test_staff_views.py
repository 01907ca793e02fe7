"""Staff pages: the list, a volunteer's card with the workflow, and the shift calendar."""

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.volunteers import shifts
from vmeste.volunteers.models import Assignment, Shift, VolunteerEvent
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


def test_card_walks_training_role_and_activation(client):
    centre = f.centre()
    boss = f.user(centre=centre)
    v = f.volunteer(centre, status="training", roles=())
    module = f.module(centre, "basics", ["operator"])
    client.force_login(boss)
    assert "Иванов" in client.get("/volunteers/", {"centre": "vgg"}).content.decode()
    refused = client.post(f"/volunteers/{v.pk}/grant/", {"role": "operator"}, follow=True)
    assert "не пройдено обучение" in refused.content.decode()
    client.post(f"/volunteers/{v.pk}/training/", {"module": module.pk})
    client.post(f"/volunteers/{v.pk}/grant/", {"role": "operator"})
    client.post(f"/volunteers/{v.pk}/move/", {"to": "active", "version": v.version})
    v.refresh_from_db()
    assert v.status == "active"
    assert VolunteerEvent.objects.filter(volunteer=v, kind="status", to_status="active").exists()
    card = client.get(f"/volunteers/{v.pk}/").content.decode()
    assert "Модуль basics" in card and "пауза" in card
    client.force_login(v.user)
    assert client.get("/volunteers/").status_code == 404


def test_calendar_assigns_and_swaps(client):
    centre = f.centre("mow", "RU-MOW")
    boss = f.user(centre=centre)
    f.template(centre, "07:30", "11:30", {"operator": 1}, name="Утро")
    f.template(centre, "12:00", "16:00", {"operator": 1}, name="День")
    day = timezone.localdate() + timedelta(days=1)
    shifts.generate(centre=centre, first=day, last=day, actor=boss)
    morning, afternoon = Shift.objects.filter(centre=centre).order_by("starts_at")
    a, b = f.volunteer(centre), f.volunteer(centre)
    client.force_login(boss)
    page = client.get("/volunteers/calendar/", {"centre": "mow", "from": str(day)})
    assert "07:30" in page.content.decode() and a.full_name in page.content.decode()
    client.post(
        "/volunteers/calendar/assign/",
        {"shift": morning.pk, "role": "operator", "volunteer": f"{a.pk} · {a.full_name}"},
    )
    client.post(
        "/volunteers/calendar/assign/",
        {"shift": afternoon.pk, "role": "operator", "volunteer": str(b.pk)},
    )
    x = Assignment.objects.get(shift=morning)
    y = Assignment.objects.get(shift=afternoon)
    client.post("/volunteers/calendar/swap/", {"first": x.pk, "second": y.pk})
    x.refresh_from_db()
    assert x.volunteer_id == b.pk
    full = client.post(
        "/volunteers/calendar/assign/",
        {"shift": morning.pk, "role": "operator", "volunteer": f"{a.pk} · {a.full_name}"},
        follow=True,
    )
    assert "больше нет" in full.content.decode()
