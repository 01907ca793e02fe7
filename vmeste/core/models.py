"""Reference data every domain shares: regions, need categories, lines and centres."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from vmeste.core.errors import Conflict


class FederalDistrict(models.TextChoices):
    CENTRAL = "central", _("Центральный")
    NORTHWESTERN = "northwestern", _("Северо-Западный")
    SOUTHERN = "southern", _("Южный")
    NORTH_CAUCASIAN = "north_caucasian", _("Северо-Кавказский")
    VOLGA = "volga", _("Приволжский")
    URAL = "ural", _("Уральский")
    SIBERIAN = "siberian", _("Сибирский")
    FAR_EASTERN = "far_eastern", _("Дальневосточный")


class Bilingual(models.Model):
    """A record named in Russian and English; `name` follows the active language."""

    name_ru = models.CharField(_("название"), max_length=200)
    name_en = models.CharField(_("название (англ.)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "ru").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ru

    def __str__(self) -> str:
        return self.name


class Versioned(models.Model):
    """A record changed under optimistic locking: every change adds one to `version`, and a
    writer who saw another version is refused (`check_version`) instead of overwriting."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def check_version(self, expected: int | None, message: str) -> None:
        """Refuse with a conflict when the caller saw another version (None: not checked)."""
        if expected is not None and self.version != expected:
            raise Conflict(
                message, code="stale_version", fields={"version": [_("Устаревшая версия.")]}
            )


def optional_link(
    to: str | type[models.Model], verbose_name: str | None = None, **options: Any
) -> models.ForeignKey:
    """A link a record may lack, emptied (never cascaded, never refused) when what it points
    at is deleted: the record outlives its author, its operator, its contact."""
    return models.ForeignKey(
        to, verbose_name=verbose_name, null=True, blank=True, on_delete=models.SET_NULL, **options
    )


class Region(Bilingual):
    """A federal subject of Russia. `code` is ISO 3166-2 where one exists (see ARCHITECTURE)."""

    code = models.CharField(_("код"), max_length=10, unique=True)
    federal_district = models.CharField(
        _("федеральный округ"), max_length=20, choices=FederalDistrict.choices
    )
    time_zone = models.CharField(_("часовой пояс"), max_length=40)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")

    @property
    def short_code(self) -> str:
        """The part after `RU-`, used as a request-number prefix (VGG, MOW, …)."""
        return self.code.split("-", 1)[-1]


class Category(Bilingual):
    """A need category; two levels: a top category and its subcategories."""

    code = models.SlugField(_("код"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("раздел"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    deadline_hours = models.PositiveIntegerField(
        _("срок исполнения, ч"), default=72, help_text=_("Срок заявки от регистрации.")
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("категория")
        verbose_name_plural = _("категории")

    @property
    def is_top(self) -> bool:
        return self.parent_id is None


class Line(Bilingual):
    """One hotline: its numbers, hours, regions, topics and what an operator must ask."""

    code = models.SlugField(_("код"), max_length=60, unique=True)
    number_prefix = models.CharField(
        _("префикс номеров заявок"),
        max_length=8,
        blank=True,
        help_text=_("Пусто — префикс региона заявки (например, VGG)."),
    )
    phones = models.JSONField(_("номера телефонов (E.164)"), default=list, blank=True)
    is_24_7 = models.BooleanField(_("круглосуточно"), default=False)
    opens_at = models.TimeField(_("начало работы"), null=True, blank=True)
    closes_at = models.TimeField(_("конец работы"), null=True, blank=True)
    time_zone = models.CharField(_("часовой пояс"), max_length=40, default="Europe/Moscow")
    regions = models.ManyToManyField(
        Region, verbose_name=_("регионы"), blank=True, help_text=_("Пусто — вся страна.")
    )
    categories = models.ManyToManyField(Category, verbose_name=_("категории"), blank=True)
    intake_fields = models.JSONField(
        _("что спросить"),
        default=list,
        blank=True,
        help_text=_("Список полей анкеты: [{code, label, required}]."),
    )
    intake_script = models.TextField(_("сценарий разговора"), blank=True)
    is_active = models.BooleanField(_("действует"), default=True)

    scope_region = "regions"
    scope_line = "pk"

    class Meta:
        ordering = ["code"]
        verbose_name = _("линия")
        verbose_name_plural = _("линии")

    def is_open(self, at: datetime) -> bool:
        """Whether the line takes calls at that moment (its hours are in its own zone)."""
        if self.is_24_7 or self.opens_at is None or self.closes_at is None:
            return True
        local = at.astimezone(ZoneInfo(self.time_zone)).time()
        if self.opens_at <= self.closes_at:
            return self.opens_at <= local < self.closes_at
        return local >= self.opens_at or local < self.closes_at  # open overnight

    def serves_region(self, region: Region) -> bool:
        ids = {r.pk for r in self.regions.all()}
        return not ids or region.pk in ids


class Centre(Bilingual):
    """A call centre (national or regional) whose agents serve lines."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("федеральный")
        REGIONAL = "regional", _("региональный")

    code = models.SlugField(_("код"), max_length=60, unique=True)
    kind = models.CharField(_("тип"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("регион"), null=True, blank=True, on_delete=models.PROTECT
    )
    lines = models.ManyToManyField(Line, verbose_name=_("линии"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("колл-центр")
        verbose_name_plural = _("колл-центры")


class IdempotencyRecord(models.Model):
    """The answer given to a POST with an Idempotency-Key, replayed when the POST is retried."""

    principal = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)  # null while in progress
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")
        ]


class FormSubmission(models.Model):
    """One submission of a public form (no sign-in), whatever its outcome: counted toward the
    per-address limit, and its form token may be used only once."""

    form = models.CharField(max_length=40)
    client = models.CharField(max_length=64)  # a keyed hash of the address, never the address
    token_digest = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["form", "client", "at"], name="form_submission_client")]


class ChangeStamp(models.Model):
    """The stamp of a topic's last change, written by database triggers (``core.stamps``):
    how a server process knows its in-memory copy of that topic is still current."""

    topic = models.CharField(primary_key=True, max_length=40)
    stamp = models.BigIntegerField()
