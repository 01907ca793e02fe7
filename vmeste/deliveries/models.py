"""Deliveries of groceries and medicines to a requester's door, and their timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.assistance.models import Request
from vmeste.core.models import Centre, Region, Versioned, optional_link
from vmeste.core.timeline import StatusEvent
from vmeste.deliveries.transitions import ACTIVE_STATUSES, OPEN_STATUSES, DeliveryStatus


class Payer(models.TextChoices):
    RECIPIENT = "recipient", _("получатель")
    CHARITY = "charity", _("благотворительная организация")
    CENTRE = "centre", _("центр")
    STATE = "state", _("государственная программа")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("наличные курьеру")
    CARD = "card", _("карта при получении")
    TRANSFER = "transfer", _("перевод")
    PREPAID = "prepaid", _("оплачено заранее")
    FREE = "free", _("бесплатно")


class Priority(models.IntegerChoices):
    NORMAL = 0, _("обычная")
    URGENT = 1, _("срочная")
    CRITICAL = 2, _("критическая")


class Delivery(Versioned):
    request = models.ForeignKey(
        Request, verbose_name=_("заявка"), on_delete=models.PROTECT, related_name="deliveries"
    )
    centre = models.ForeignKey(Centre, verbose_name=_("центр"), on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name=_("регион"), on_delete=models.PROTECT)
    district = models.CharField(_("район"), max_length=150, blank=True, db_index=True)
    address = models.CharField(_("адрес"), max_length=500)
    recipient_first_name = models.CharField(_("имя получателя"), max_length=100)
    recipient_phone = models.CharField(_("телефон получателя"), max_length=20)
    items = models.JSONField(_("что привезти"), default=list)
    window_start = models.DateTimeField(_("окно с"))
    window_end = models.DateTimeField(_("окно до"), db_index=True)
    payer = models.CharField(_("кто платит"), max_length=10, choices=Payer.choices)
    payment_method = models.CharField(_("как платит"), max_length=10, choices=PaymentMethod.choices)
    receipt_required = models.BooleanField(_("нужен чек"), default=True)
    amount = models.DecimalField(
        _("сумма по чеку, ₽"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    priority = models.PositiveSmallIntegerField(
        _("приоритет"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("статус"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.NEW
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("курьер"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    assigned_by = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    courier_note = models.TextField(_("комментарий курьера"), blank=True)
    failure_reason = models.TextField(_("причина"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_region = "region"
    scope_line = "request__line"

    class Meta:
        ordering = ["-priority", "window_end"]
        verbose_name = _("доставка")
        verbose_name_plural = _("доставки")
        indexes = [
            models.Index(fields=["status", "-priority", "window_end"]),
            models.Index(fields=["courier", "status"]),
            models.Index(fields=["centre", "status"]),
        ]

    def __str__(self) -> str:
        return f"Д-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.window_end < timezone.now()


class DeliveryEvent(StatusEvent):
    """One line of a delivery's timeline: created, each move of its status."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
