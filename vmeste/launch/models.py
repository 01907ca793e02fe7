"""What a line's configuration holds that no domain app keeps yet, and the timelines of
lines and centres (``core.timeline``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Centre, Line
from vmeste.core.timeline import KIND_MAX, TimelineEvent


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


LATEST_FIRST = ("-at", "-pk")


class ConfigurationChange(TimelineEvent):
    """One change of a configuration (a line's, a centre's) on its timeline: the lines of
        its diff (what ``vmeste line import`` prints, "~ name_ru: «А» → «Б»", …) are kept in
        ``data["diff"]``. Stored oldest first like every timeline; the pages read them newest
    first (``LATEST_FIRST``)."""

    class Meta(TimelineEvent.Meta):
        abstract = True

    @property
    def diff(self) -> list[str]:
        return self.data.get("diff", [])


class LineChange(ConfigurationChange):
    """One change of a line's configuration: who, when, how, and the diff it made."""

    class Kind(models.TextChoices):
        CREATED = "created", _("создана из шаблона")
        IMPORTED = "imported", _("загружена конфигурация")
        OPENED = "opened", _("открыта")
        CLOSED = "closed", _("закрыта")

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("что"), max_length=KIND_MAX, choices=Kind.choices)

    scope_region = "line__regions"
    scope_line = "line"

    class Meta(ConfigurationChange.Meta):
        verbose_name = _("изменение линии")
        verbose_name_plural = _("изменения линий")


class CentreChange(ConfigurationChange):
    """One change of a centre from its page: who, when, and what changed (as a line's)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("создан")
        CHANGED = "changed", _("изменён")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("что"), max_length=KIND_MAX, choices=Kind.choices)

    scope_region = "centre__region"

    class Meta(ConfigurationChange.Meta):
        verbose_name = _("изменение колл-центра")
        verbose_name_plural = _("изменения колл-центров")
