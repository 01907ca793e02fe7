"""Contacts (обращения): every call, chat, web form or visit, consultation or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Category, Line, Region, optional_link
from vmeste.people.models import Person


class Channel(models.TextChoices):
    PHONE = "phone", _("телефон")
    CHAT = "chat", _("чат")
    WEB = "web", _("веб-форма")
    EMAIL = "email", _("электронная почта")
    IN_PERSON = "in_person", _("лично")


class Disposition(models.TextChoices):
    CONSULTATION = "consultation", _("консультация")
    REQUEST_REGISTERED = "request_registered", _("зарегистрирована заявка")
    TRANSFERRED = "transferred", _("переведён на специалиста")
    CALLBACK_REQUESTED = "callback_requested", _("запрошен обратный звонок")
    WRONG_NUMBER = "wrong_number", _("ошибочный звонок")
    SILENT = "silent", _("тишина в трубке")
    ABANDONED = "abandoned", _("абонент не дождался ответа")
    SERVED_IN_MENU = "served_in_menu", _("обслужен голосовым меню")


class Contact(models.Model):
    channel = models.CharField(
        _("канал"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    line = models.ForeignKey(Line, verbose_name=_("линия"), on_delete=models.PROTECT)
    region = models.ForeignKey(
        Region, verbose_name=_("регион"), null=True, blank=True, on_delete=models.PROTECT
    )
    caller_number = models.CharField(_("номер абонента"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("начало"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("конец"), null=True, blank=True)
    operator = optional_link(settings.AUTH_USER_MODEL, _("оператор"), related_name="contacts")
    categories = models.ManyToManyField(Category, verbose_name=_("темы"), blank=True)
    disposition = models.CharField(
        _("итог"), max_length=20, choices=Disposition.choices, default=Disposition.CONSULTATION
    )
    notes = models.TextField(_("заметки"), blank=True)
    person = optional_link(Person, _("человек"), related_name="contacts")
    # Telephony: filled by the contact centre from call events.
    call_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    ivr_path = models.CharField(_("путь в IVR"), max_length=200, blank=True)
    queue_code = models.CharField(_("очередь"), max_length=60, blank=True)
    wait_seconds = models.PositiveIntegerField(_("ожидание, с"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("разговор, с"), null=True, blank=True)
    # When the operator recorded the outcome on the call card: from then on the outcome is
    # theirs and the telephony's later events no longer touch it.
    completed_at = models.DateTimeField(_("записано оператором"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region = "region"
    scope_line = "line"

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        indexes = [
            models.Index(fields=["caller_number", "-started_at"]),
            models.Index(fields=["line", "started_at"]),
            models.Index(fields=["region", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%d.%m.%Y %H:%M}"

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())
