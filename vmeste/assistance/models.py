"""Requests (заявки): a registered need followed to an outcome, with its timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.assistance.transitions import CLOSED, OutcomeHow, Status
from vmeste.contacts.models import Contact
from vmeste.core.models import Category, Line, Region, Versioned, optional_link
from vmeste.core.timeline import KIND_MAX, StatusEvent
from vmeste.people.models import Person

# One definition of each enumeration, in the status table; re-exported for the callers.
CLOSED_STATUSES = CLOSED


class Urgency(models.TextChoices):
    NORMAL = "normal", _("обычная")
    URGENT = "urgent", _("срочная")
    CRITICAL = "critical", _("критическая")


class Team(models.Model):
    """A group that takes requests together (a regional desk, a delivery crew)."""

    code = models.SlugField(_("код"), max_length=60, unique=True)
    name = models.CharField(_("название"), max_length=200)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        ordering = ["name"]
        verbose_name = _("команда")
        verbose_name_plural = _("команды")

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """The last number given per prefix and year: VGG-2026-000123. The counter itself on
    SQLite; on PostgreSQL a database sequence per prefix and year starts from it and takes
    over (`assistance.numbering`)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="number_sequence_unique")
        ]


class Request(Versioned):
    number = models.CharField(_("номер"), max_length=24, unique=True)
    # person, region, assignee: no index of their own, the composite indexes below lead with
    # them (every index is one more write on each of millions of registrations).
    person = models.ForeignKey(
        Person,
        verbose_name=_("заявитель"),
        on_delete=models.PROTECT,
        related_name="requests",
        db_index=False,
    )
    line = models.ForeignKey(Line, verbose_name=_("линия"), on_delete=models.PROTECT)
    region = models.ForeignKey(
        Region, verbose_name=_("регион"), on_delete=models.PROTECT, db_index=False
    )
    category = models.ForeignKey(
        Category, verbose_name=_("категория"), on_delete=models.PROTECT, related_name="+"
    )
    subcategory = models.ForeignKey(
        Category,
        verbose_name=_("подкатегория"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("описание"))
    urgency = models.CharField(
        _("срочность"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("статус"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    assignee = optional_link(
        settings.AUTH_USER_MODEL, _("исполнитель"), related_name="assigned_requests", db_index=False
    )
    team = optional_link(Team, _("команда"))
    due_at = models.DateTimeField(_("срок"), db_index=True)
    contact = optional_link(Contact, _("обращение"), related_name="requests")
    # What the operator heard on the call, kept on the request itself (not only in the call's
    # notes): the coordinator plans a delivery from these without opening the person's card.
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    phone = models.CharField(_("телефон"), max_length=20, blank=True)
    district = models.CharField(_("район"), max_length=150, blank=True)
    age_60_plus = models.BooleanField(_("60 лет или больше"), null=True, blank=True)
    self_isolation = models.BooleanField(_("на самоизоляции"), null=True, blank=True)
    # The line's other questions with their answers: {code: answer}.
    intake = models.JSONField(_("ответы на вопросы линии"), default=dict, blank=True)
    outcome_helped = models.BooleanField(_("помощь оказана"), null=True, blank=True)
    outcome_how = models.CharField(
        _("как помогли"), max_length=15, choices=OutcomeHow.choices, blank=True
    )
    outcome_note = models.TextField(_("комментарий к итогу"), blank=True)
    resolved_at = models.DateTimeField(_("закрыта"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("создана"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_region = "region"
    scope_line = "line"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("заявка")
        verbose_name_plural = _("заявки")
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["region", "status", "-created_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["person", "status"]),
            # "Overdue" reads only the open requests: a small part of millions of rows. The
            # status is in it so that counting them by status never reads the table.
            models.Index(
                fields=["due_at", "status"],
                condition=~models.Q(status__in=sorted(CLOSED_STATUSES)),
                name="request_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_overdue(self) -> bool:
        return not self.is_closed and self.due_at < timezone.now()


class RequestEvent(StatusEvent):
    """One line of a request's timeline: who did what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("создана")
        TRANSITION = "transition", _("смена статуса")
        ASSIGNED = "assigned", _("назначение")
        COMMENT = "comment", _("комментарий")
        EDITED = "edited", _("изменение")
        LINKED = "linked", _("связь")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("что"), max_length=KIND_MAX, choices=Kind.choices)


class RequestCount(models.Model):
    """How many requests each (region, line, status) holds, so that a list can say "of N"
    without counting millions of rows. Database triggers keep it (`tally_sql`): every
    insert, delete and change of region, line or status, whoever writes, in the same
    transaction. A count is the sum of its shards' rows (concurrent writers add to
    different rows instead of waiting for one)."""

    region = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    line = models.ForeignKey(
        Line, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=12)
    shard = models.PositiveSmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    scope_region = "region"
    scope_line = "line"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "line", "status", "shard"], name="request_count_unique_shard"
            )
        ]
