"""Erasing what identifies a person while the row stays for the figures.

Used by the retention job and by the withdrawal of consent (`vmeste.privacy`). A person's
region and merge link stay: the published figures count requests by region and people helped
through `merged_into`; everything else that says who they are goes, and so do the old values
their history kept.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from vmeste.people.models import SITUATION_FLAGS, Person, PersonEvent, PersonPhone

_CLEARED = {
    "last_name": "",
    "first_name": "",
    "middle_name": "",
    "birth_date": None,
    "age_stated": None,
    "age_stated_on": None,
    "address": "",
    "postal_code": "",
    "locality": "",
    "district": "",
    "street": "",
    "house": "",
    "flat": "",
    "disability_group": "",
    "household_size": None,
    "income_per_member": None,
    **dict.fromkeys(SITUATION_FLAGS, None),
}


def anonymise_persons(*, person_ids: list[int], reason: str, keep_phones: bool, now=None) -> int:
    """Erase these persons' identifying fields in one transaction; return how many changed.

    `keep_phones`: a withdrawal keeps the number, so that the next call from it is recognised
    and nobody records a new consent without asking (the law lets us keep what we need to
    honour the withdrawal). Retention drops the numbers too. Running it twice changes nothing
    more (already anonymised persons are skipped), so an interrupted job can simply rerun."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Person.objects.filter(pk__in=person_ids, anonymised_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            return 0
        Person.objects.filter(pk__in=ids).update(
            **_CLEARED, anonymised_at=now, version=F("version") + 1
        )
        # The history's old and new values are the same personal data.
        PersonEvent.objects.filter(person_id__in=ids).exclude(kind="consent").update(data={})
        if not keep_phones:
            PersonPhone.objects.filter(person_id__in=ids).delete()
        PersonEvent.objects.bulk_create(
            [PersonEvent(person_id=pk, at=now, kind="anonymised", data={"reason": reason})
             for pk in ids]
        )  # fmt: skip
    return len(ids)
