"""The /api/v1/deliveries contract, the courier's view of personal data, and the race."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from vmeste.deliveries.models import Delivery
from vmeste.deliveries.tests.conftest import make_request
from vmeste.volunteers.tests import factories as f
from vmeste.volunteers.tests.factories import Api, race

pytestmark = pytest.mark.django_db


def body(request_id, **extra):
    now = timezone.now()
    values = {
        "request": request_id,
        "centre": "vgg",
        "region": "RU-VGG",
        "district": "Центральный",
        "address": "Волгоград, ул. Мира, 5, кв. 12",
        "recipient_first_name": "Мария",
        "recipient_phone": "8 927 555-00-11",
        "items": [{"name": "Хлеб", "qty": "1"}, {"name": "Парацетамол", "qty": "1 уп."}],
        "window_start": (now + timedelta(hours=1)).isoformat(),
        "window_end": (now + timedelta(hours=3)).isoformat(),
        "payer": "recipient",
        "payment_method": "cash",
        "priority": 1,
    }
    values.update(extra)
    return values


def test_dispatch_and_courier_walk_through_the_api(setup):
    _centre, dispatcher, courier = setup
    desk, phone = Api(dispatcher), Api(courier)
    request = make_request()
    outside = desk.post("/api/v1/deliveries", body(request.pk, region="RU-KGD"))
    assert outside.status_code == 422 and "вне регионов" in outside.json()["error"]["message"]
    created = desk.post("/api/v1/deliveries", body(request.pk))
    assert created.status_code == 201, created.json()
    did = created.json()["id"]
    board = desk.get("/api/v1/deliveries/board", centre="vgg").json()
    assert board["open_count"] == 1
    assert board["rows"][0]["suggested_courier"]["id"] == courier.pk
    assert phone.get(f"/api/v1/deliveries/{did}").status_code == 404
    assert phone.get("/api/v1/deliveries/board", centre="vgg").status_code == 403
    assigned = desk.post(f"/api/v1/deliveries/{did}/assign", {"courier": courier.pk})
    assert assigned.json()["status"] == "assigned"
    mine = phone.get("/api/v1/deliveries/mine").json()["items"]
    assert mine[0]["address"].startswith("Волгоград")
    assert mine[0]["recipient_phone"] == "+79275550011"
    for to in ("accepted", "picked_up"):
        assert phone.post(f"/api/v1/deliveries/{did}/status", {"to": to}).status_code == 200
    done = phone.post(
        f"/api/v1/deliveries/{did}/status",
        {"to": "delivered", "note": "Передал лично", "amount": "540.50"},
    ).json()
    assert done["status"] == "delivered" and done["address"] is None
    assert done["recipient_phone"] is None and done["recipient_first_name"] is None
    assert done["amount"] == "540.50"
    request.refresh_from_db()
    assert (request.status, request.outcome_helped, request.outcome_how) == (
        "resolved",
        True,
        "delivery",
    )
    history = phone.get("/api/v1/deliveries/mine", active="false").json()["items"]
    assert history[0]["address"] is None


def test_not_a_courier_and_overdue(setup):
    centre, dispatcher, _courier = setup
    desk = Api(dispatcher)
    now = timezone.now()
    late = desk.post(
        "/api/v1/deliveries",
        body(
            make_request().pk,
            window_start=(now - timedelta(hours=3)).isoformat(),
            window_end=(now - timedelta(hours=1)).isoformat(),
        ),
    ).json()
    operator = f.volunteer(centre, roles=("operator",)).user
    refused = desk.post(f"/api/v1/deliveries/{late['id']}/assign", {"courier": operator.pk})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_a_courier"
    overdue = desk.get("/api/v1/deliveries", overdue="true").json()
    assert [d["id"] for d in overdue["items"]] == [late["id"]] and overdue["items"][0]["overdue"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_assign_the_same_delivery_at_once(setup):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    centre, dispatcher, courier = setup
    other = f.volunteer(centre, roles=("courier",), district="Центральный").user
    other.regions.set(courier.regions.all())
    created = Api(dispatcher).post("/api/v1/deliveries", body(make_request().pk)).json()
    one, two = Api(dispatcher), Api(f.user("supervisor", centre=centre, regions=["RU-VGG"]))
    path = f"/api/v1/deliveries/{created['id']}/assign"
    results = race(
        [
            lambda: one.post(path, {"courier": courier.pk, "version": created["version"]}),
            lambda: two.post(path, {"courier": other.pk, "version": created["version"]}),
        ]
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409).json()["error"]
    assert "другой диспетчер" in loser["message"]
    winner = next(r for r in results if r.status_code == 200).json()
    assert Delivery.objects.get().courier_id == winner["courier"]
