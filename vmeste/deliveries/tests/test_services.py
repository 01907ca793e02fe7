from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.assistance.models import RequestEvent
from vmeste.core.errors import Conflict, NotFound, ValidationFailed
from vmeste.deliveries import dispatch, services, transitions
from vmeste.deliveries.models import Delivery
from vmeste.deliveries.tests.conftest import delivery_input, make_request
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


def create(centre, dispatcher, **extra):
    request = make_request()
    return services.create_delivery(
        request_id=request.pk, centre=centre, data=delivery_input(**extra), actor=dispatcher
    )


def test_table():
    assert transitions.check("assigned", "accepted", as_="courier") is None
    assert transitions.check("assigned", "accepted", as_="dispatcher") == "not_yours"
    assert transitions.check("picked_up", "failed", as_="courier") == "reason_required"
    assert transitions.check("delivered", "new", as_="dispatcher") == "not_allowed"


def test_full_walk_resolves_the_request_as_helped_by_delivery(setup):
    centre, dispatcher, courier = setup
    d = create(centre, dispatcher)
    assert d.request.status == "in_progress" and d.recipient_phone == "+79275550011"
    d = services.assign(delivery_id=d.pk, courier=courier, actor=dispatcher)
    for to in ("accepted", "picked_up"):
        d = services.advance(delivery_id=d.pk, to=to, actor=courier)
        assert dispatch.courier_card(d)["address"].startswith("Волгоград")
    d = services.advance(delivery_id=d.pk, to="delivered", actor=courier, note="Оставил у двери")
    request = d.request
    request.refresh_from_db()
    assert (request.status, request.outcome_helped, request.outcome_how) == (
        "resolved",
        True,
        "delivery",
    )
    # The timeline names the courier who delivered, under the dispatcher's authority.
    resolved = RequestEvent.objects.get(request=request, to_status="resolved")
    assert resolved.actor == courier and resolved.data["authorised_by"] == dispatcher.pk
    card = dispatch.courier_card(d)
    assert card["address"] is None and card["recipient_phone"] is None
    assert card["recipient_first_name"] is None


def test_failure_needs_a_reason_and_lands_on_the_request(setup):
    centre, dispatcher, courier = setup
    d = create(centre, dispatcher)
    services.assign(delivery_id=d.pk, courier=courier, actor=dispatcher)
    services.advance(delivery_id=d.pk, to="accepted", actor=courier)
    with pytest.raises(ValidationFailed) as no_reason:
        services.advance(delivery_id=d.pk, to="failed", actor=courier)
    assert no_reason.value.code == "reason_required"
    services.advance(delivery_id=d.pk, to="failed", actor=courier, reason="Не открыли дверь")
    events = RequestEvent.objects.filter(request=d.request, kind="comment")
    assert "Не открыли дверь" in events.get().text
    d.request.refresh_from_db()
    assert d.request.status == "in_progress"


def test_refusals(setup):
    centre, dispatcher, courier = setup
    with pytest.raises(ValidationFailed) as outside:
        create(centre, dispatcher, region="RU-SA")
    assert "вне регионов" in outside.value.fields["region"][0]
    d = create(centre, dispatcher)
    operator_only = f.volunteer(centre, roles=("operator",)).user
    with pytest.raises(ValidationFailed) as not_courier:
        services.assign(delivery_id=d.pk, courier=operator_only, actor=dispatcher)
    assert not_courier.value.code == "not_a_courier"
    assert "нет роли курьера" in not_courier.value.fields["courier"][0]
    services.assign(delivery_id=d.pk, courier=courier, actor=dispatcher)
    with pytest.raises(Conflict):
        services.assign(delivery_id=d.pk, courier=courier, actor=dispatcher)
    other = f.volunteer(centre, roles=("courier",)).user
    with pytest.raises(NotFound):
        services.advance(delivery_id=d.pk, to="accepted", actor=other)
    consult = make_request(category="clinic-hours")
    with pytest.raises(ValidationFailed):
        services.create_delivery(
            request_id=consult.pk, centre=centre, data=delivery_input(), actor=dispatcher
        )


def test_national_centre_delivers_in_its_lines_regions(setup):
    _centre, dispatcher, _courier = setup
    national = f.national_centre()
    assert services.centre_regions(national) == {make_request().region_id}
    with pytest.raises(ValidationFailed):
        create(national, dispatcher, region="RU-KGD")


def test_board_suggests_least_loaded_courier_of_the_district(setup):
    centre, dispatcher, busy = setup
    idle = f.volunteer(centre, roles=("courier",), district="Центральный").user
    f.volunteer(centre, roles=("courier",), district="Кировский")
    first = create(centre, dispatcher)
    services.assign(delivery_id=first.pk, courier=busy, actor=dispatcher)
    late = create(
        centre,
        dispatcher,
        priority=2,
        window_start=timezone.now() - timedelta(hours=3),
        window_end=timezone.now() - timedelta(hours=1),
    )
    create(centre, dispatcher, district="Кировский")
    b = dispatch.board(user=dispatcher, centre=centre)
    assert b.open_count == 2 and b.overdue_count == 1
    assert b.rows[0].delivery.pk == late.pk and b.rows[0].overdue
    assert b.rows[0].suggested.pk == idle.pk
    assert b.rows[1].suggested.district == "Кировский"
    assert {c.pk: c.load for c in b.couriers}[busy.pk] == 1
    assert [o.pk for o in dispatch.overdue(user=dispatcher)] == [late.pk]
    assert Delivery.objects.count() == 3


def test_blank_recipient_comes_from_the_requester(setup):
    from vmeste.people.models import PersonPhone

    centre, dispatcher, _courier = setup
    request = make_request()
    person = request.person
    person.address, person.district = "Волгоград, пр. Ленина, 1", "Ворошиловский"
    person.save()
    PersonPhone.objects.create(person=person, e164="+79275550099", is_primary=True)
    d = services.create_delivery(
        request_id=request.pk,
        centre=centre,
        data=delivery_input(address="", district="", recipient_first_name="", recipient_phone=""),
        actor=dispatcher,
    )
    assert (d.address, d.district, d.recipient_first_name, d.recipient_phone) == (
        "Волгоград, пр. Ленина, 1",
        "Ворошиловский",
        "Мария",
        "+79275550099",
    )


def test_auto_assign_by_district_and_load(setup):
    centre, dispatcher, central = setup
    kirov = f.volunteer(centre, roles=("courier",), district="Кировский").user
    kirov.regions.set(central.regions.all())
    first = create(centre, dispatcher, priority=2)
    second = create(centre, dispatcher)
    third = create(centre, dispatcher, district="Кировский")
    nowhere = create(centre, dispatcher, district="Тракторный")
    result = dispatch.auto_assign(user=dispatcher, centre=centre)
    assert dict(result.assigned) == {
        first.pk: central.pk,
        second.pk: central.pk,
        third.pk: kirov.pk,
    }
    assert result.skipped == 1 and Delivery.objects.get(pk=nowhere.pk).status == "new"
