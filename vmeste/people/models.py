"""Persons (applicants and beneficiaries), their phones, consent and history."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Region, Versioned
from vmeste.core.timeline import TimelineEvent


class DisabilityGroup(models.TextChoices):
    NONE = "", _("нет")
    GROUP_1 = "1", _("I группа")
    GROUP_2 = "2", _("II группа")
    GROUP_3 = "3", _("III группа")
    CHILD = "child", _("ребёнок-инвалид")


class ConsentStatus(models.TextChoices):
    UNKNOWN = "unknown", _("не спрашивали")
    GIVEN = "given", _("дано")
    REFUSED = "refused", _("отказ")
    WITHDRAWN = "withdrawn", _("отозвано")


# Situation flags: boolean columns so that eligibility can run as one SQL query over millions
# of rows. The codes are the field names; the labels are what operators read.
SITUATION_FLAGS: dict[str, str] = {
    "lives_alone": _("живёт один"),
    "self_isolation": _("на самоизоляции"),
    "chronic_illness": _("хроническое заболевание"),
    "seriously_ill_child": _("тяжелобольной ребёнок в семье"),
    "orphanage_graduate": _("выпускник детского дома"),
    "caregiver": _("ухаживает за больным или инвалидом"),
    "large_family": _("многодетная семья"),
    "low_income": _("малоимущий"),
    "reduced_mobility": _("маломобильный"),
    "veteran": _("ветеран"),
    "pregnant": _("беременность"),
    "unemployed": _("безработный"),
}


class Person(Versioned):
    last_name = models.CharField(_("фамилия"), max_length=100, blank=True)
    first_name = models.CharField(_("имя"), max_length=100, blank=True)
    middle_name = models.CharField(_("отчество"), max_length=100, blank=True)
    birth_date = models.DateField(_("дата рождения"), null=True, blank=True)
    # When only the age is known: the age and the day it was said, so it can grow.
    age_stated = models.PositiveSmallIntegerField(_("возраст со слов"), null=True, blank=True)
    age_stated_on = models.DateField(null=True, blank=True)
    region = models.ForeignKey(  # indexed by (region, birth_date), which leads with it
        Region,
        verbose_name=_("регион"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    postal_code = models.CharField(_("индекс"), max_length=6, blank=True)
    locality = models.CharField(_("населённый пункт"), max_length=150, blank=True)
    district = models.CharField(_("район"), max_length=150, blank=True)
    street = models.CharField(_("улица"), max_length=150, blank=True)
    house = models.CharField(_("дом"), max_length=30, blank=True)
    flat = models.CharField(_("квартира"), max_length=30, blank=True)
    language = models.CharField(_("язык общения"), max_length=20, default="ru", blank=True)

    disability_group = models.CharField(
        _("группа инвалидности"), max_length=5, choices=DisabilityGroup.choices, blank=True
    )
    # Situation flags: yes, no, or not asked yet (None) — the navigator asks what is unknown.
    lives_alone = models.BooleanField(SITUATION_FLAGS["lives_alone"], null=True, blank=True)
    self_isolation = models.BooleanField(SITUATION_FLAGS["self_isolation"], null=True, blank=True)
    chronic_illness = models.BooleanField(SITUATION_FLAGS["chronic_illness"], null=True, blank=True)
    seriously_ill_child = models.BooleanField(
        SITUATION_FLAGS["seriously_ill_child"], null=True, blank=True
    )
    orphanage_graduate = models.BooleanField(
        SITUATION_FLAGS["orphanage_graduate"], null=True, blank=True
    )
    caregiver = models.BooleanField(SITUATION_FLAGS["caregiver"], null=True, blank=True)
    large_family = models.BooleanField(SITUATION_FLAGS["large_family"], null=True, blank=True)
    low_income = models.BooleanField(SITUATION_FLAGS["low_income"], null=True, blank=True)
    reduced_mobility = models.BooleanField(
        SITUATION_FLAGS["reduced_mobility"], null=True, blank=True
    )
    veteran = models.BooleanField(SITUATION_FLAGS["veteran"], null=True, blank=True)
    pregnant = models.BooleanField(SITUATION_FLAGS["pregnant"], null=True, blank=True)
    unemployed = models.BooleanField(SITUATION_FLAGS["unemployed"], null=True, blank=True)
    household_size = models.PositiveSmallIntegerField(_("человек в семье"), null=True, blank=True)
    income_per_member = models.DecimalField(
        _("доход на члена семьи, ₽/мес"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    consent = models.CharField(
        _("согласие на обработку ПДн"),
        max_length=10,
        choices=ConsentStatus.choices,
        default=ConsentStatus.UNKNOWN,
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When what identifies the person was erased (retention or withdrawal of consent): the
    # row stays for the figures, its region and merge link only (`people.erasure`).
    anonymised_at = models.DateTimeField(_("обезличен"), null=True, blank=True)

    scope_region = "region"
    scope_line = None

    class Meta:
        verbose_name = _("человек")
        verbose_name_plural = _("люди")
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["region", "birth_date"]),
        ]

    def __str__(self) -> str:
        return self.full_name or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def consent_withdrawn(self) -> bool:
        """Nothing may be done with this person's data but what the law requires."""
        return self.consent == ConsentStatus.WITHDRAWN

    def age_on(self, day: date) -> int | None:
        if self.birth_date:
            years = day.year - self.birth_date.year
            return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
        if self.age_stated is not None and self.age_stated_on:
            return self.age_stated + (day - self.age_stated_on).days // 365
        return None

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def aged_60_plus(self) -> bool:
        age = self.age
        return age is not None and age >= 60

    @property
    def flags(self) -> list[str]:
        """The situations known to apply."""
        return [code for code in SITUATION_FLAGS if getattr(self, code)]

    @property
    def flags_no(self) -> list[str]:
        """The situations asked about and known not to apply."""
        return [code for code in SITUATION_FLAGS if getattr(self, code) is False]


class PersonPhone(models.Model):
    # Indexed by the unique (person, e164), which leads with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="phones", db_index=False
    )
    e164 = models.CharField(_("телефон"), max_length=20, db_index=True)
    kind = models.CharField(_("тип"), max_length=24, default="mobile")
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "e164"], name="person_phone_unique")
        ]


class Consent(models.Model):
    """Each time consent was asked: the answer, how, by whom, through which contact."""

    class Method(models.TextChoices):
        ORAL_CALL = "oral_call", _("устно по телефону (записано оператором)")
        WRITTEN = "written", _("письменно")
        WEB_FORM = "web_form", _("на сайте")
        CHAT = "chat", _("в чате")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    method = models.CharField(max_length=12, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    contact_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at"]


class PersonEvent(TimelineEvent):
    """The person's history: created, updated, consent, merged_in, merged_away, anonymised;
    `data` holds the changed fields' old and new values."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
