"""The history of eligibility conditions: every change of a measure's conditions or of a named
rule is written here (who, when, old → new), whichever door it came through — the rule
builder, the API, the curation pages or the demo loader."""

from __future__ import annotations

from django.db.models import QuerySet

from vmeste.directory.models import EligibilityChange

Subject = EligibilityChange.Subject


def record_change(
    *,
    subject: str,
    object_id: int,
    code: str,
    version: int,
    before: dict | None,
    after: dict,
    actor=None,
    channel: str = "web",
) -> EligibilityChange | None:
    """Write one change; an unchanged tree writes nothing (a save that changes nothing is not
    an event worth reading in the history)."""
    if before == after:
        return None
    return EligibilityChange.objects.create(
        subject=subject,
        object_id=object_id,
        code=code,
        version=version,
        before=before,
        after=after,
        actor=actor if getattr(actor, "pk", None) else None,
        channel=channel,
    )


def history_of(*, subject: str, object_id: int) -> QuerySet[EligibilityChange]:
    return EligibilityChange.objects.filter(subject=subject, object_id=object_id).select_related(
        "actor"
    )


def last_change(*, subject: str, object_id: int) -> EligibilityChange | None:
    return history_of(subject=subject, object_id=object_id).first()
