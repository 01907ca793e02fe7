"""Volunteers are read by those who manage them, and every such read is audited (issue 12,
defects 2 and 6)."""

import pytest

from vmeste.accounts.models import AuditEntry
from vmeste.volunteers.tests import factories as f
from vmeste.volunteers.tests.factories import Api

pytestmark = pytest.mark.django_db


def test_a_managers_reads_of_volunteers_are_audited(client):
    centre = f.centre()
    volunteer = f.volunteer(centre)
    coordinator = f.user("coordinator", centre=centre, regions=["RU-VGG"])
    desk = Api(coordinator)
    assert desk.get("/api/v1/volunteers").json()["count"] == 1
    assert desk.get(f"/api/v1/volunteers/{volunteer.pk}").status_code == 200
    client.force_login(coordinator)
    assert client.get("/volunteers/", {"centre": "vgg"}).status_code == 200
    entries = AuditEntry.objects.filter(user=coordinator).order_by("pk")
    assert [(e.action, e.channel, e.purpose) for e in entries] == [
        ("list", "api", "volunteers"),
        ("view", "api", "volunteers"),
        ("list", "web", "volunteers"),
    ]
    assert {e.records for e in entries} == {f" volunteer:{volunteer.pk} "}


def test_a_volunteer_reads_their_own_card_unaudited_and_no_one_elses(client):
    centre = f.centre()
    me, other = f.volunteer(centre), f.volunteer(centre)
    mine = Api(me.user)
    assert mine.get(f"/api/v1/volunteers/{me.pk}").status_code == 200
    assert mine.get(f"/api/v1/volunteers/{other.pk}").status_code == 403
    assert mine.get("/api/v1/volunteers").status_code == 403
    assert not AuditEntry.objects.exists()
