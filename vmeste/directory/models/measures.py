"""State support measures with eligibility as data, named reusable rules, regional facts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Category, Region, optional_link
from vmeste.directory.models.hsds import Organization


class RegionFacts(models.Model):
    """Facts about a region the eligibility rules compare against (subsistence minimum).

    Demo values unless `is_demo` is false: an administrator enters the official figure."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="directory_facts")
    subsistence_minimum = models.DecimalField(
        _("прожиточный минимум на душу, ₽/мес"), max_digits=10, decimal_places=2
    )
    is_demo = models.BooleanField(_("демо-значение"), default=True)
    note = models.CharField(_("источник"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("показатели региона")
        verbose_name_plural = _("показатели регионов")


class EligibilityRule(models.Model):
    """A named condition measures can reuse: {"rule": "<code>"} inside a condition tree."""

    code = models.SlugField(_("код"), max_length=80, unique=True)
    name = models.CharField(_("название"), max_length=300)
    condition = models.JSONField(_("условие"))
    description = models.TextField(_("описание"), blank=True)
    # Counts the edits: an editor sends back the version they saw, a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("правило отбора")
        verbose_name_plural = _("правила отбора")

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    class Level(models.TextChoices):
        FEDERAL = "federal", _("федеральная")
        REGIONAL = "regional", _("региональная")
        MUNICIPAL = "municipal", _("муниципальная")

    class Channel(models.TextChoices):
        ONLINE = "online", _("онлайн (Госуслуги)")
        MFC = "mfc", _("МФЦ")
        AGENCY = "agency", _("в ведомстве")

    code = models.SlugField(_("код"), max_length=80, unique=True)
    name = models.CharField(_("название"), max_length=300)
    level = models.CharField(_("уровень"), max_length=10, choices=Level.choices)
    regions = models.ManyToManyField(
        Region, verbose_name=_("регионы"), blank=True, help_text=_("Пусто — вся страна.")
    )
    municipality = models.CharField(_("муниципалитет"), max_length=200, blank=True)
    agency = models.CharField(_("кто предоставляет"), max_length=300, blank=True)
    agency_organization = optional_link(Organization, related_name="measures")
    needs = models.ManyToManyField(
        Category, verbose_name=_("какие нужды закрывает"), blank=True, related_name="measures"
    )
    eligibility = models.JSONField(_("условия"), default=dict, blank=True)
    required_documents = models.JSONField(_("документы"), default=list, blank=True)
    apply_channels = models.JSONField(_("как подать"), default=list, blank=True)
    how_to_apply = models.TextField(_("порядок обращения"), blank=True)
    processing_time = models.CharField(_("срок рассмотрения"), max_length=200, blank=True)
    description = models.TextField(_("описание"), blank=True)
    is_active = models.BooleanField(_("действует"), default=True)
    is_demo = models.BooleanField(_("демо"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("мера поддержки")
        verbose_name_plural = _("меры поддержки")

    def __str__(self) -> str:
        return self.name


class EligibilityChange(models.Model):
    """One change of a measure's conditions or of a named rule: who, when, old → new.

    Kept by code as well as by id, so the history of a rule reads the same after a rename
    and the row survives its subject (rules and measures are deactivated, never deleted)."""

    class Subject(models.TextChoices):
        MEASURE = "measure", _("мера")
        RULE = "rule", _("правило")

    subject = models.CharField(max_length=10, choices=Subject.choices)
    object_id = models.PositiveIntegerField()
    code = models.CharField(max_length=80)
    version = models.PositiveIntegerField()  # the version this change produced
    before = models.JSONField(null=True, blank=True)  # None: created
    after = models.JSONField()
    actor = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    channel = models.CharField(max_length=10, default="web")  # web | api | admin | cli
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject", "object_id", "-at"])]
        verbose_name = _("изменение условий")
        verbose_name_plural = _("история условий")
