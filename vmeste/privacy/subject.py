"""A subject's copy (152-FZ art. 14): everything Vmeste holds about one person.

Every stored column of every row about them, not a summary: the card and the cards merged
into it, phones, consents, history, contacts, requests with their timelines, deliveries,
referrals, volunteer records under the same numbers, and who opened their data when (the
audit log, by role). Produced by a supervisor or an administrator, within their scope, and
written to the audit log as an export.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.models import AuditEntry, User
from vmeste.accounts.roles import Right
from vmeste.assistance.models import Request
from vmeste.contacts.models import Contact
from vmeste.core.errors import Forbidden, NotFound
from vmeste.core.scoping import scoped
from vmeste.deliveries.models import Delivery
from vmeste.directory.models import Referral
from vmeste.people import services as people
from vmeste.people.models import Person
from vmeste.volunteers.models import Volunteer

# Secrets that are ours, not the person's data: never in a copy.
_LEFT_OUT = {"calendar_token", "client_hash", "folded"}


def _value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def row(obj: models.Model) -> dict:
    """Every stored column of the row, foreign keys as the referenced row's name."""
    out = {}
    for field in obj._meta.concrete_fields:
        if field.name in _LEFT_OUT:
            continue
        if field.is_relation:
            target = getattr(obj, field.name)
            if isinstance(target, User):
                out[field.name] = target.get_role_display()  # staff by role, not by name
            else:
                out[field.name] = _value(target) if target is not None else None
        else:
            out[field.name] = _value(getattr(obj, field.attname))
    return out


def _rows(queryset) -> list[dict]:
    return [row(obj) for obj in queryset]


def collect(*, person_id: int, actor: User, channel: str = "web") -> dict:
    """The copy as data (JSON-ready); refused without the right, 404 outside the scope."""
    if not (actor.can(Right.SUBJECT_COPY) and actor.can(Right.SEE_PERSONAL_DATA)):
        raise Forbidden()
    person = scoped(Person.objects.all(), actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("Человек не найден."))
    cards = [person, *Person.objects.filter(merged_into=person).order_by("pk")]
    ids = [p.pk for p in cards]
    phones = [p.e164 for c in cards for p in c.phones.all()]
    requests = Request.objects.filter(person_id__in=ids).order_by("created_at")
    copy = {
        "produced_at": timezone.localtime().isoformat(),
        "person_id": person.pk,
        "persons": [
            {
                **row(card),
                "phones": _rows(card.phones.all()),
                "consents": _rows(card.consents.order_by("recorded_at")),
                "history": _rows(card.events.all()),
            }
            for card in cards
        ],
        "contacts": [
            {**row(c), "categories": [str(cat) for cat in c.categories.all()]}
            for c in Contact.objects.filter(person_id__in=ids).order_by("started_at")
        ],
        "requests": [
            {**row(r), "timeline": _rows(r.events.all())}
            for r in requests.prefetch_related("events")
        ],
        "deliveries": _rows(Delivery.objects.filter(request__in=requests).order_by("created_at")),
        "referrals": _rows(Referral.objects.filter(request__in=requests).order_by("planned_at")),
        "volunteer": _rows(Volunteer.objects.filter(phone__in=phones)),
        "access_log": _rows(
            AuditEntry.objects.filter(object_type="person", object_id__in=[str(i) for i in ids])
            .select_related("user")
            .order_by("at")
        ),
    }
    people.audit(
        user=actor,
        action=AuditEntry.Action.EXPORT,
        person_ids=ids,
        channel=channel,
        detail="subject copy",
    )
    return copy
