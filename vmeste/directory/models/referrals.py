"""Referrals: a request's link to a measure or a service, with its own status and feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.assistance.models import Request
from vmeste.directory.models.hsds import Service
from vmeste.directory.models.measures import Measure


class Referral(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("запланировано")
        SUBMITTED = "submitted", _("заявление подано")
        ACCEPTED = "accepted", _("принято")
        REJECTED = "rejected", _("отказано")
        PROVIDED = "provided", _("помощь получена")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="referrals")
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    feedback = models.TextField(_("обратная связь"), blank=True)
    planned_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    provided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_region = "request__region"
    scope_line = "request__line"

    class Meta:
        ordering = ["planned_at", "pk"]
        verbose_name = _("направление")
        verbose_name_plural = _("направления")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(measure__isnull=False, service__isnull=True)
                    | models.Q(measure__isnull=True, service__isnull=False)
                ),
                name="referral_measure_xor_service",
            )
        ]

    @property
    def target_name(self) -> str:
        return self.measure.name if self.measure_id else self.service.name
