"""One timeline mechanism: the abstract shape of every subject's history (a request's, a
delivery's, a person's, a volunteer's, a line's, a centre's, an agent's) and the one function
that writes a line of it.

Each app keeps its own table and its own foreign key to its subject (named by the subject's
``related_name="events"``), so that a subject's history is read, exported, copied for the
data subject and thinned by retention as one table; the columns and their sizes are the
same everywhere."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KIND_MAX = 20
STATUS_MAX = 12


class TimelineEvent(models.Model):
    """One line of a subject's timeline: who did what, when, in words and in data."""

    at = models.DateTimeField(_("когда"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("что"), max_length=KIND_MAX, blank=True)
    text = models.TextField(_("текст"), blank=True)
    data = models.JSONField(_("подробности"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class StatusEvent(TimelineEvent):
    """A timeline line of a subject with a status: the move it made, if any."""

    from_status = models.CharField(_("из статуса"), max_length=STATUS_MAX, blank=True)
    to_status = models.CharField(_("в статус"), max_length=STATUS_MAX, blank=True)

    class Meta(TimelineEvent.Meta):
        abstract = True


def new_event(
    subject: models.Model,
    kind: str,
    *,
    actor: Any = None,
    text: str = "",
    data: dict | None = None,
    at: Any = None,
    **fields: Any,
) -> TimelineEvent:
    """The line ``record_event`` writes, not yet saved: for a caller that writes the lines
    of several subjects in one INSERT (``bulk_create``), such as the agents' state changes
    on the telephony's event path. `fields`: the subject's own columns (``from_status``,
    ``to_status``, a call it names). An anonymous actor is written as none."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    events = subject.events
    return events.model(
        **{events.field.name: subject},
        kind=kind,
        actor=actor,
        text=text,
        data=data or {},
        at=at or timezone.now(),
        **fields,
    )


def record_event(subject: models.Model, kind: str, **arguments: Any) -> TimelineEvent:
    """Write one line of `subject`'s timeline (its ``events``); the arguments are
    ``new_event``'s: ``actor``, ``text``, ``data``, ``at``, and ``from_status`` and/or
    ``to_status`` for subjects that have one (or another column of the subject's table)."""
    event = new_event(subject, kind, **arguments)
    event.save(force_insert=True)
    return event
