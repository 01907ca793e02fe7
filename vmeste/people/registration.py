"""Registering a person: found by number and name or created, with the consent given or
refused recorded each time. Without consent only the number is kept."""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.utils.translation import gettext as _

from vmeste.core.errors import Conflict, ValidationFailed
from vmeste.core.timeline import record_event
from vmeste.people import matching
from vmeste.people.inputs import CONSENT_NEEDED, PersonInput, apply_input, check_region, validate
from vmeste.people.models import Consent, ConsentStatus, Person, PersonPhone
from vmeste.people.phones import normalise


def record_consent(
    *, person: Person, status: str, method: str, actor, contact_id: int | None = None
) -> Consent:
    consent = Consent.objects.create(
        person=person, status=status, method=method, recorded_by=actor, contact_id=contact_id
    )
    if person.consent != status:
        Person.objects.filter(pk=person.pk).update(consent=status)
        person.consent = status
        record_event(person, "consent", actor=actor, data={"consent": status})
    return consent


def find_or_register(
    *,
    data: PersonInput,
    consent: bool,
    actor,
    method: str = Consent.Method.ORAL_CALL,
    contact_id: int | None = None,
) -> tuple[Person, bool]:
    """The person behind this number and name, created when new, and whether an existing
    card was matched (an answer that then shows it is a read of that card).

    `consent` has no default: every caller says whether the person agreed.

    Without consent nothing but the number is kept: personal fields are refused, and a person
    record holds the phone alone (so the refusal itself is remembered).

    Refusals come before the first write, so the writes need no savepoint of their own: in a
    caller's transaction they stand or fall with it, alone they are one transaction.
    """
    e164 = validate(data)
    if not consent and data.has_personal_data():
        raise ValidationFailed(
            {"consent": _(CONSENT_NEEDED)},
            code="consent_required",
        )
    check_region(actor, data.region)
    with transaction.atomic(savepoint=False):
        matching.hold_number(e164)
        return _find_or_create(e164, data, consent=consent, actor=actor, method=method,
                               contact_id=contact_id)  # fmt: skip


def _find_or_create(
    e164: str, data: PersonInput, *, consent: bool, actor, method: str, contact_id: int | None
) -> tuple[Person, bool]:
    person = matching.same_person(
        e164=e164, last_name=data.last_name, first_name=data.first_name, user=actor
    )
    if person is not None and person.consent == ConsentStatus.WITHDRAWN:
        return _withdrawn(person, consent=consent), True
    created = person is None
    if created:
        # Born with the answer given, so that recording it below changes nothing more.
        person = Person(region=data.region)
        person.consent = ConsentStatus.GIVEN if consent else ConsentStatus.REFUSED
    elif person.region_id:
        # A match never moves the person: the request carries its own region.
        data = replace(data, region=None)
    changes = apply_input(person, data) if consent else {}
    if created:
        changes["consent"] = person.consent
    if changes and not created:
        person.version += 1
    if created or changes:
        person.save()
    if created:
        phone = normalise(e164)
        PersonPhone.objects.create(person=person, e164=e164, kind=phone.kind, is_primary=True)
        record_event(person, "created", actor=actor, data=changes)
    elif changes:
        record_event(person, "updated", actor=actor, data=changes)
    record_consent(
        person=person,
        status=ConsentStatus.GIVEN if consent else ConsentStatus.REFUSED,
        method=method,
        actor=actor,
        contact_id=contact_id,
    )
    return person, not created


def _withdrawn(person: Person, *, consent: bool) -> Person:
    """A person who withdrew their consent is not re-consented by a registration: the
    operator must ask and record the new consent explicitly (`privacy.renew_consent`).
    Without consent the number alone is what is kept, and nothing changes."""
    if consent:
        raise Conflict(
            _(
                "Этот человек отозвал согласие на обработку персональных данных. Спросите,"
                " даёт ли он согласие снова, и отметьте это в карточке."
            ),
            code="consent_withdrawn",
            fields={"consent": [_("Согласие отозвано.")]},
        )
    return person
