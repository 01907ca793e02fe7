"""Withdrawal of consent and its renewal (152-FZ art. 9): the rules, checked here.

A withdrawal stops all processing but what the law requires us to keep:
- kept: the consent log (proof of what the person agreed to and when they withdrew), the
  number (so the next call from it is recognised and nobody re-consents them silently), the
  rows the published figures count (requests and contacts, without their text);
- stopped: open requests are cancelled, open deliveries are cancelled;
- erased now: the card's names, address, birth date, health and family facts and their history,
  the requests' descriptions, notes and comments, the contacts' notes, the deliveries' address
  and recipient.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.models import User
from vmeste.accounts.roles import Right
from vmeste.assistance import services as assistance
from vmeste.assistance.models import CLOSED_STATUSES, Request, RequestEvent, Status
from vmeste.contacts.models import Contact
from vmeste.core.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from vmeste.core.scoping import scoped
from vmeste.deliveries import services as deliveries
from vmeste.deliveries.models import OPEN_STATUSES, Delivery, DeliveryStatus
from vmeste.directory.models import Referral
from vmeste.people import services as people
from vmeste.people.erasure import anonymise_persons
from vmeste.people.models import Consent, ConsentStatus, Person
from vmeste.privacy.retention import ERASED, erase_deliveries

METHODS = Consent.Method


def _person_in_scope(person_id: int, actor: User) -> Person:
    if not (actor.can(Right.REGISTER) and actor.can(Right.SEE_PERSONAL_DATA)):
        raise Forbidden()
    person = scoped(Person.objects.select_for_update(), actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("Человек не найден."))
    return person


@transaction.atomic
def withdraw_consent(*, person_id: int, actor: User, method: str, note: str = "") -> Person:
    """Record the withdrawal, stop the work in hand, erase what may go (see the module)."""
    person = _person_in_scope(person_id, actor)
    if person.consent == ConsentStatus.WITHDRAWN:
        raise Conflict(_("Согласие уже отозвано."), code="consent_withdrawn")
    if method not in METHODS.values:
        raise ValidationFailed({"method": _("Неизвестный способ.")})
    consent = people.record_consent(
        person=person, status=ConsentStatus.WITHDRAWN, method=method, actor=actor
    )
    if note:
        Consent.objects.filter(pk=consent.pk).update(note=note[:300])
    reason = _("Отзыв согласия на обработку персональных данных")
    _stop_deliveries(person, actor, reason)
    for request in Request.objects.filter(person=person).exclude(status__in=CLOSED_STATUSES):
        assistance.transition(request_id=request.pk, to=Status.CANCELLED, actor=actor,
                              comment=reason)  # fmt: skip
    requests = Request.objects.filter(person=person)
    RequestEvent.objects.filter(request__in=requests).exclude(
        kind=RequestEvent.Kind.TRANSITION, to_status=Status.CANCELLED, text=reason
    ).update(text="")
    requests.update(description=ERASED, outcome_note="")
    Contact.objects.filter(person=person).update(notes="")
    Referral.objects.filter(request__in=requests).update(feedback="")
    erase_deliveries(Delivery.objects.filter(request__person=person))
    anonymise_persons(person_ids=[person.pk], reason="withdrawal", keep_phones=True)
    person.refresh_from_db()
    return person


def _stop_deliveries(person: Person, actor: User, reason: str) -> None:
    """Cancel what can still be cancelled; a delivery on its way (picked up) is the
    dispatcher's to stop, and says so on the request's timeline."""
    open_ = Delivery.objects.filter(request__person=person, status__in=OPEN_STATUSES)
    for delivery in open_:
        try:
            deliveries.advance(
                delivery_id=delivery.pk, to=DeliveryStatus.CANCELLED, actor=actor, reason=reason
            )
        except ServiceError:
            continue


@transaction.atomic
def renew_consent(*, person_id: int, actor: User, method: str) -> Person:
    """The person gave their consent again, asked explicitly: registration works anew."""
    person = _person_in_scope(person_id, actor)
    if method not in METHODS.values:
        raise ValidationFailed({"method": _("Неизвестный способ.")})
    people.record_consent(person=person, status=ConsentStatus.GIVEN, method=method, actor=actor)
    return person


def withdrawn_at(person: Person):
    """When the consent in force was withdrawn, or None."""
    if person.consent != ConsentStatus.WITHDRAWN:
        return None
    row = person.consents.filter(status=ConsentStatus.WITHDRAWN).order_by("-recorded_at").first()
    return row.recorded_at if row else timezone.now()
