"""A courier reads the recipient of their own active delivery and nothing else; every
delivery read is audited (issue 12, defects 2 and 6)."""

import pytest

from vmeste.accounts.models import AuditEntry
from vmeste.deliveries import services
from vmeste.deliveries.tests.conftest import delivery_input, make_request
from vmeste.volunteers.tests import factories as f
from vmeste.volunteers.tests.factories import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(setup):
    centre, dispatcher, courier = setup
    request = make_request()
    delivery = services.create_delivery(
        request_id=request.pk, centre=centre, data=delivery_input(), actor=dispatcher
    )
    services.assign(delivery_id=delivery.pk, courier=courier, actor=dispatcher)
    AuditEntry.objects.all().delete()
    return centre, dispatcher, courier, request, delivery


def test_a_courier_reads_their_own_active_delivery_and_the_read_is_audited(assigned):
    _centre, _dispatcher, courier, request, delivery = assigned
    phone = Api(courier)
    card = phone.get(f"/api/v1/deliveries/{delivery.pk}").json()
    assert card["address"].startswith("Волгоград") and card["recipient_phone"] == "+79275550011"
    entry = AuditEntry.objects.get(user=courier)
    assert (entry.action, entry.channel, entry.purpose) == ("view", "api", "dispatch")
    assert entry.records.split() == [
        f"delivery:{delivery.pk}",
        f"request:{request.pk}",
        f"person:{request.person_id}",
    ]


def test_a_courier_reads_no_one_elses_delivery_nor_any_request_or_person(assigned):
    centre, _dispatcher, _courier, request, delivery = assigned
    stranger = f.volunteer(centre, roles=("courier",), district="Центральный").user
    phone = Api(stranger)
    assert phone.get(f"/api/v1/deliveries/{delivery.pk}").status_code == 404
    assert phone.get("/api/v1/deliveries/mine").json()["items"] == []
    for path in (
        f"/api/v1/requests/{request.pk}",
        "/api/v1/requests",
        f"/api/v1/persons/{request.person_id}",
        "/api/v1/contacts",
    ):
        assert phone.get(path).status_code == 403, path


def test_the_dispatchers_reads_are_audited_too(assigned):
    _centre, dispatcher, _courier, _request, delivery = assigned
    desk = Api(dispatcher)
    desk.get(f"/api/v1/deliveries/{delivery.pk}")
    desk.get("/api/v1/deliveries")
    desk.get("/api/v1/deliveries/board", centre="vgg")
    entries = AuditEntry.objects.filter(user=dispatcher).order_by("pk")
    assert [e.action for e in entries] == ["view", "list", "list"]
    assert f" delivery:{delivery.pk} " in entries[1].records
    assert entries[2].records == ""  # the board shows waiting deliveries: this one is assigned


def test_an_analyst_carries_nothing(api_as):
    analyst = api_as("analyst")
    assert analyst.get("/api/v1/deliveries/mine").status_code == 403
    analyst.client.force_login(analyst.user)
    assert analyst.client.get("/deliveries/mine/").status_code == 403
