"""Retention enforced: each kind of record past its days is anonymised or deleted.

Every rule works in batches, each batch its own transaction, and picks its rows by what is
still to be done (a number not yet erased, a row not yet deleted): a job killed halfway has
committed whole batches only, and the next run does the rest and nothing twice.

What figures count stays countable (`reports.services.figures`: contacts by day, region, line
and category; requests likewise; people helped through the request's person): a contact
keeps its time, line, region, categories and disposition; a request keeps everything but its
free text (its deliveries their address and recipient); a person keeps their row, region
and merge link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from vmeste.accounts.models import AuditEntry
from vmeste.assistance.models import CLOSED_STATUSES, Request, RequestEvent
from vmeste.contactcenter.models import Call, TelephonyEvent
from vmeste.contacts.models import Contact
from vmeste.core.models import IdempotencyRecord
from vmeste.deliveries.models import Delivery
from vmeste.directory.models import Referral
from vmeste.people.erasure import anonymise_persons
from vmeste.people.models import Person
from vmeste.privacy.models import DEFAULTS, RecordKind, Retention
from vmeste.volunteers.models import HealthDocument

BATCH = 500
ERASED = "—"  # what a request's description reads once anonymised (the field is required)


def policy() -> dict[str, Retention]:
    """The retention of every kind: the administrators' rows, defaults for any missing."""
    rows = {r.kind: r for r in Retention.objects.all()}
    for kind, (days, action) in DEFAULTS.items():
        rows.setdefault(kind, Retention(kind=kind, days=days, action=action))
    return rows


def _batches(queryset: QuerySet, batch: int) -> Iterator[list[int]]:
    """Primary keys of what is still to do, a batch at a time (re-read after each batch:
    the rows done no longer match)."""
    while ids := list(queryset.order_by("pk").values_list("pk", flat=True)[:batch]):
        yield ids


def contacts(cutoff: datetime, batch: int = BATCH) -> int:
    """Contacts and calls before the cutoff lose the number, the notes and the person."""
    done = 0
    todo = Contact.objects.filter(started_at__lt=cutoff).filter(
        ~Q(caller_number="") | ~Q(notes="") | Q(person__isnull=False)
    )
    for ids in _batches(todo, batch):
        with transaction.atomic():
            done += Contact.objects.filter(pk__in=ids).update(
                caller_number="", notes="", person=None
            )
    calls = Call.objects.filter(offered_at__lt=cutoff).exclude(caller_number="")
    for ids in _batches(calls, batch):
        with transaction.atomic():
            rows = list(Call.objects.select_for_update().filter(pk__in=ids))
            for call in rows:
                call.caller_number = ""
                if isinstance(call.folded, dict) and "caller_number" in call.folded:
                    call.folded = {**call.folded, "caller_number": ""}
            Call.objects.bulk_update(rows, ["caller_number", "folded"])
            done += len(rows)
    events = TelephonyEvent.objects.filter(at__lt=cutoff, data__has_key="caller_number")
    for ids in _batches(events, batch):
        with transaction.atomic():
            rows = list(TelephonyEvent.objects.select_for_update().filter(pk__in=ids))
            for event in rows:
                event.data = {k: v for k, v in event.data.items() if k != "caller_number"}
            TelephonyEvent.objects.bulk_update(rows, ["data"])
    return done


def requests(cutoff: datetime, batch: int = BATCH) -> int:
    """Closed requests registered before the cutoff lose their free text (description,
    outcome note, comments); open ones are still being worked on and wait."""
    done = 0
    todo = Request.objects.filter(created_at__lt=cutoff, status__in=CLOSED_STATUSES).filter(
        ~Q(description=ERASED) | ~Q(outcome_note="")
    )
    for ids in _batches(todo, batch):
        with transaction.atomic():
            RequestEvent.objects.filter(request_id__in=ids).exclude(text="").update(text="")
            erase_deliveries(Delivery.objects.filter(request_id__in=ids))
            Referral.objects.filter(request_id__in=ids).exclude(feedback="").update(feedback="")
            done += Request.objects.filter(pk__in=ids).update(description=ERASED, outcome_note="")
    return done


def erase_deliveries(deliveries: QuerySet) -> int:
    """Where and to whom: the address, the recipient, what they asked for, the courier's note.
    The delivery's centre, region, window and status stay (the dispatch figures)."""
    return deliveries.update(
        address=ERASED, district="", recipient_first_name="", recipient_phone="",
        courier_note="", failure_reason="", items=[],
    )  # fmt: skip


def persons(contacts_cutoff: datetime, requests_cutoff: datetime, batch: int = BATCH) -> int:
    """Persons with nothing newer than both cutoffs (no contact, no request, no open
    request) are anonymised, numbers included."""
    recent = Q(created_at__gte=requests_cutoff) | Q(contacts__started_at__gte=contacts_cutoff)
    busy = Request.objects.filter(
        Q(created_at__gte=requests_cutoff) | ~Q(status__in=CLOSED_STATUSES)
    ).values("person_id")
    todo = Person.objects.filter(anonymised_at__isnull=True).exclude(recent).exclude(pk__in=busy)
    done = 0
    for ids in _batches(todo, batch):
        done += anonymise_persons(person_ids=ids, reason="retention", keep_phones=False)
    return done


def _deleted(queryset: QuerySet, batch: int) -> int:
    done = 0
    for ids in _batches(queryset, batch):
        with transaction.atomic():
            done += queryset.model.objects.filter(pk__in=ids).delete()[0]
    return done


def recordings(cutoff: datetime) -> int:
    """Call recordings are files the telephony edge leaves in `<data dir>/recordings/`."""
    folder = Path(settings.DATA_DIR) / "recordings"
    done = 0
    for path in folder.rglob("*") if folder.is_dir() else ():
        if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            done += 1
    return done


def enforce(*, now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Apply every kind's retention; return how many records each rule changed."""
    now = now or timezone.now()
    batch = batch or BATCH
    rules = policy()

    def cutoff(kind: str) -> datetime:
        return now - timedelta(days=rules[kind].days)

    steps: list[tuple[str, Callable[[], int]]] = [
        ("contacts", lambda: contacts(cutoff(RecordKind.CONTACTS), batch)),
        ("requests", lambda: requests(cutoff(RecordKind.REQUESTS), batch)),
        (
            "persons",
            lambda: persons(cutoff(RecordKind.CONTACTS), cutoff(RecordKind.REQUESTS), batch),
        ),
        ("recordings", lambda: recordings(cutoff(RecordKind.RECORDINGS))),
        (
            "audit",
            lambda: _deleted(AuditEntry.objects.filter(at__lt=cutoff(RecordKind.AUDIT)), batch),
        ),
        (
            "idempotency",
            lambda: _deleted(
                IdempotencyRecord.objects.filter(created_at__lt=cutoff(RecordKind.IDEMPOTENCY)),
                batch,
            ),
        ),
        (
            "volunteer_documents",
            lambda: _deleted(
                HealthDocument.objects.filter(
                    valid_until__lt=cutoff(RecordKind.VOLUNTEER_DOCUMENTS).date()
                ),
                batch,
            ),
        ),
    ]
    return {name: step() for name, step in steps}
