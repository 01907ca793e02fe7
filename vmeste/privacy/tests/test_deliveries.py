"""Deliveries hold where and to whom: withdrawal and retention erase that too."""

from datetime import UTC, datetime, timedelta

import pytest

from vmeste.assistance.models import Request
from vmeste.core.models import Region
from vmeste.deliveries import services as deliveries
from vmeste.deliveries.models import Delivery
from vmeste.deliveries.tests.conftest import delivery_input, make_request
from vmeste.people.models import Person
from vmeste.privacy import retention, services
from vmeste.privacy.retention import ERASED
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery():
    centre = f.centre()
    supervisor = f.user("supervisor", centre=centre, regions=["RU-VGG"])
    request = make_request()
    Person.objects.filter(pk=request.person_id).update(
        consent="given", region=Region.objects.get(code="RU-VGG")
    )
    made = deliveries.create_delivery(
        request_id=request.pk, centre=centre, data=delivery_input(), actor=supervisor
    )
    return made, supervisor


def erased(delivery: Delivery) -> tuple:
    delivery.refresh_from_db()
    return (delivery.address, delivery.recipient_first_name, delivery.recipient_phone,
            delivery.items)  # fmt: skip


def test_withdrawal_cancels_the_delivery_and_erases_the_address(delivery):
    made, supervisor = delivery
    services.withdraw_consent(
        person_id=made.request.person_id, actor=supervisor, method="oral_call"
    )
    assert erased(made) == (ERASED, "", "", [])
    assert made.status == "cancelled"
    assert Request.objects.get(pk=made.request_id).status == "cancelled"


def test_retention_erases_the_deliveries_of_old_closed_requests(delivery):
    made, _ = delivery
    now = datetime(2026, 12, 5, tzinfo=UTC)
    Request.objects.filter(pk=made.request_id).update(
        status="resolved", created_at=now - timedelta(days=6 * 365)
    )
    assert erased(made)[0] != ERASED
    retention.enforce(now=now)
    assert erased(made) == (ERASED, "", "", [])
    assert made.status == "new" and made.region.code == "RU-VGG"  # the dispatch figures stay
