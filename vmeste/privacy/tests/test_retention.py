from datetime import UTC, date, datetime, timedelta

import pytest

from vmeste.accounts.models import AuditEntry
from vmeste.assistance.models import Request, RequestEvent
from vmeste.contacts.models import Contact
from vmeste.core.models import IdempotencyRecord
from vmeste.people.models import Person, PersonEvent, PersonPhone
from vmeste.privacy import retention
from vmeste.privacy.models import Retention
from vmeste.privacy.tests.history import seed
from vmeste.reports import services as reports

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def figures(analyst) -> dict:
    period = reports.period(date(2017, 1, 1), date(2026, 12, 5))
    return reports.figures(user=analyst, p=period, filters=reports.FigureFilters())


def test_defaults_are_data_an_administrator_can_change():
    kinds = dict(Retention.objects.values_list("kind", "days"))
    assert kinds == {
        "contacts": 1095,
        "requests": 1825,
        "recordings": 90,
        "audit": 1095,
        "idempotency": 1,
        "volunteer_documents": 365,
    }


def test_anonymising_keeps_every_figure(make_user):
    seed(now=NOW)
    analyst = make_user("analyst-1", role="analyst")
    before = figures(analyst)
    assert before["requests"] == 12 and before["people_helped"] == 4

    done = retention.enforce(now=NOW, batch=4)

    assert figures(analyst) == before
    assert done["contacts"] > 0 and done["requests"] > 0 and done["persons"] > 0
    old = Contact.objects.filter(started_at__lt=NOW - timedelta(days=1095))
    assert old.count() == 9
    assert not old.exclude(caller_number="", notes="", person=None).exists()
    recent = Contact.objects.filter(started_at__gte=NOW - timedelta(days=30))
    assert recent.count() == 3 and not recent.filter(notes="").exists()
    # Old closed requests lose their free text; open ones are still in work and keep it.
    old_closed = Request.objects.filter(
        created_at__lt=NOW - timedelta(days=1825), status__in=["resolved", "cancelled"]
    )
    assert old_closed.count() == 6
    assert set(old_closed.values_list("description", flat=True)) == {retention.ERASED}
    assert not RequestEvent.objects.filter(request__in=old_closed).exclude(text="").exists()
    assert not Request.objects.filter(status="new", description=retention.ERASED).exists()
    # Persons with nothing recent and nothing open lose everything that says who they were.
    gone = Person.objects.filter(anonymised_at__isnull=False)
    assert gone.count() == 6
    assert set(gone.values_list("last_name", "address", "region_id")) == {
        ("", "", r) for r in gone.values_list("region_id", flat=True)
    }
    assert not PersonPhone.objects.filter(person__in=gone).exists()
    assert not PersonEvent.objects.filter(person__in=gone, kind="created").exclude(data={})
    assert Person.objects.filter(anonymised_at__isnull=True, last_name__startswith="Иванова")


def test_a_second_run_changes_nothing(make_user):
    seed(now=NOW, persons=6)
    retention.enforce(now=NOW)
    snapshot = list(Person.objects.order_by("pk").values())
    assert set(retention.enforce(now=NOW).values()) == {0}
    assert list(Person.objects.order_by("pk").values()) == snapshot


def test_the_days_come_from_the_table():
    seed(now=NOW, persons=4)
    Retention.objects.filter(kind="contacts").update(days=365 * 20)
    retention.enforce(now=NOW)
    assert not Contact.objects.filter(notes="").exists()


def test_logs_are_deleted(make_user):
    user = make_user("op-1")
    old = AuditEntry.objects.create(user=user, action="view", object_type="person", object_id="1")
    AuditEntry.objects.filter(pk=old.pk).update(at=NOW - timedelta(days=1096))
    kept = AuditEntry.objects.create(user=user, action="view", object_type="person", object_id="2")
    AuditEntry.objects.filter(pk=kept.pk).update(at=NOW - timedelta(days=10))
    answer = IdempotencyRecord.objects.create(
        principal="p", key="k", method="POST", path="/api/v1/requests", request_hash="h"
    )
    IdempotencyRecord.objects.filter(pk=answer.pk).update(created_at=NOW - timedelta(days=2))
    done = retention.enforce(now=NOW)
    assert done["audit"] == 1 and done["idempotency"] == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not IdempotencyRecord.objects.exists()


def test_administrators_edit_the_days_on_the_settings_pages(client, make_user):
    row = Retention.objects.get(kind="contacts")
    url = f"/admin/privacy/retention/{row.pk}/change/"
    client.force_login(make_user("sup-1", role="supervisor"))
    assert client.get(url).status_code in (302, 403)
    client.force_login(make_user("admin-1", role="administrator"))
    response = client.post(url, {"days": "730", "note": "приказ №5"})
    assert response.status_code == 302, response.content[:2000]
    row.refresh_from_db()
    assert (row.days, row.note, row.action) == (730, "приказ №5", "anonymise")
