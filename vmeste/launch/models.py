"""What a line's configuration holds that no domain app keeps yet, and the line's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Centre, Line, optional_link


class LineSetup(models.Model):
    """The parts of a line's configuration with no home in a domain app yet: the voice menu
    it uses (named by its code or id until the menu lands in `contactcenter`) and where each
    queue's calls overflow to."""

    line = models.OneToOneField(Line, on_delete=models.CASCADE, related_name="setup")
    menu = models.CharField(_("голосовое меню (код)"), max_length=60, blank=True)
    # queue code → the queue whose agents take its calls after `overflow_after_seconds`
    overflow = models.JSONField(_("переполнение очередей"), default=dict, blank=True)
    template = models.CharField(_("создана из шаблона"), max_length=60, blank=True)

    scope_region = "line__regions"
    scope_line = "line"

    class Meta:
        verbose_name = _("настройка линии")
        verbose_name_plural = _("настройки линий")


class Change(models.Model):
    """One change of a line's or a centre's configuration: who made it, when, and its diff
    (the lines `vmeste line import` prints, "~ name_ru: «А» → «Б»", …). Each subject keeps
    its own table, its own kinds and its own link."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    diff = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]


class LineChange(Change):
    """One change of a line's configuration: how it was made (from a template, an import…)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("создана из шаблона")
        IMPORTED = "imported", _("загружена конфигурация")
        OPENED = "opened", _("открыта")
        CLOSED = "closed", _("закрыта")

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    scope_region = "line__regions"
    scope_line = "line"

    class Meta(Change.Meta):
        verbose_name = _("изменение линии")
        verbose_name_plural = _("изменения линий")


class CentreChange(Change):
    """One change of a centre from its page."""

    class Kind(models.TextChoices):
        CREATED = "created", _("создан")
        CHANGED = "changed", _("изменён")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    scope_region = "centre__region"

    class Meta(Change.Meta):
        verbose_name = _("изменение колл-центра")
        verbose_name_plural = _("изменения колл-центров")
