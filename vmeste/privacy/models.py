"""How long each kind of record is kept, and when each scheduled job was last enqueued."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    CONTACTS = "contacts", _("обращения")
    REQUESTS = "requests", _("заявки")
    RECORDINGS = "recordings", _("записи разговоров")
    AUDIT = "audit", _("журнал аудита")
    IDEMPOTENCY = "idempotency", _("сохранённые ответы API (Idempotency-Key)")
    VOLUNTEER_DOCUMENTS = "volunteer_documents", _("документы волонтёров")


class Action(models.TextChoices):
    # Rows that figures count are anonymised (the row stays, what identifies a person goes);
    # rows nothing counts are deleted.
    ANONYMISE = "anonymise", _("обезличить")
    DELETE = "delete", _("удалить")


# The defaults a new installation starts with (days after the record's date).
DEFAULTS: dict[str, tuple[int, str]] = {
    RecordKind.CONTACTS: (3 * 365, Action.ANONYMISE),
    RecordKind.REQUESTS: (5 * 365, Action.ANONYMISE),
    RecordKind.RECORDINGS: (90, Action.DELETE),
    RecordKind.AUDIT: (3 * 365, Action.DELETE),
    RecordKind.IDEMPOTENCY: (1, Action.DELETE),
    RecordKind.VOLUNTEER_DOCUMENTS: (365, Action.DELETE),
}


class Retention(models.Model):
    """One row per record kind; administrators change the days, the action is the kind's."""

    kind = models.CharField(
        _("вид записей"), max_length=24, choices=RecordKind.choices, unique=True
    )
    days = models.PositiveIntegerField(_("хранить, дней"))
    action = models.CharField(_("по истечении"), max_length=10, choices=Action.choices)
    note = models.CharField(_("основание"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("срок хранения")
        verbose_name_plural = _("сроки хранения")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days}"


class ScheduledJob(models.Model):
    """The last period a periodic job was enqueued for: enqueuing is idempotent per period,
    however many workers tick at once."""

    name = models.CharField(max_length=60, unique=True)
    last_slot = models.BigIntegerField(default=-1)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.name
