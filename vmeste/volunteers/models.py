"""Volunteers: recruitment and its requirements, roles and training, shifts and hours."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Centre, Versioned, optional_link
from vmeste.core.timeline import StatusEvent
from vmeste.volunteers.rules import VolunteerStatus  # one definition, in the rules


class VolunteerRole(models.TextChoices):
    OPERATOR = "operator", _("оператор")
    COURIER = "courier", _("курьер")
    PSYCHOLOGIST = "psychologist", _("психолог")
    DRIVER = "driver", _("водитель")
    COORDINATOR = "coordinator", _("координатор")


class Requirements(models.Model):
    """What a centre asks of its volunteers. A centre without a row uses the defaults."""

    centre = models.OneToOneField(Centre, on_delete=models.CASCADE, related_name="+")
    min_age = models.PositiveSmallIntegerField(_("возраст от"), default=18)
    max_age = models.PositiveSmallIntegerField(_("возраст до"), null=True, blank=True)
    health_document_required = models.BooleanField(_("нужен медицинский документ"), default=False)
    health_document_label = models.CharField(
        _("что за документ"), max_length=100, default="QR-код", blank=True
    )
    warn_days = models.PositiveSmallIntegerField(
        _("предупреждать об истечении за, дней"), default=14
    )
    # Whether the centre's people (volunteers and employees) may take calls only during a shift
    # they hold: a volunteer centre that plans its lines by the shift calendar says yes.
    agents_on_shift_only = models.BooleanField(
        _("принимать звонки только в свою смену"), default=False
    )

    class Meta:
        verbose_name = _("требования к волонтёрам")
        verbose_name_plural = _("требования к волонтёрам")


class TrainingModule(models.Model):
    class Format(models.TextChoices):
        REMOTE = "remote", _("дистанционно")
        IN_PERSON = "in_person", _("очно")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("код"), max_length=60)
    name = models.CharField(_("название"), max_length=200)
    format = models.CharField(_("формат"), max_length=10, choices=Format.choices)
    hours = models.DecimalField(_("часов"), max_digits=5, decimal_places=1, default=2)
    # The roles this module is a prerequisite for (VolunteerRole values).
    required_for = models.JSONField(_("обязателен для ролей"), default=list, blank=True)

    class Meta:
        ordering = ["centre", "code"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "code"], name="training_module_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Volunteer(Versioned):
    centre = models.ForeignKey(
        Centre, verbose_name=_("колл-центр"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    last_name = models.CharField(_("фамилия"), max_length=100)
    first_name = models.CharField(_("имя"), max_length=100)
    middle_name = models.CharField(_("отчество"), max_length=100, blank=True)
    birth_date = models.DateField(_("дата рождения"))
    phone = models.CharField(_("телефон"), max_length=20, db_index=True)
    email = models.EmailField(_("эл. почта"), blank=True)
    district = models.CharField(_("район"), max_length=150, blank=True)
    wanted_roles = models.JSONField(_("хочет помогать как"), default=list, blank=True)
    status = models.CharField(
        _("статус"),
        max_length=10,
        choices=VolunteerStatus.choices,
        default=VolunteerStatus.APPLIED,
        db_index=True,
    )
    consent_at = models.DateTimeField(_("согласие на обработку ПДн"))
    consent_text = models.CharField(max_length=40, default="volunteer-v1")
    source = models.CharField(max_length=10, default="web")  # web | import | staff
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    calendar_token = models.CharField(max_length=40, default=_calendar_token, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    scope_region = "centre__region"
    scope_line = None

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("волонтёр")
        verbose_name_plural = _("волонтёры")
        constraints = [
            models.UniqueConstraint(fields=["centre", "phone"], name="volunteer_phone_unique")
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class HealthDocument(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("документ"), max_length=100, default="QR-код")
    number = models.CharField(_("номер"), max_length=100, blank=True)
    valid_until = models.DateField(_("действует до"), db_index=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_until"]


class TrainingCompletion(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="trainings")
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="+")
    completed_on = models.DateField(_("пройдено"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "module"], name="training_done_once")
        ]


class RoleGrant(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=15, choices=VolunteerRole.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "role"], name="role_granted_once")
        ]


class VolunteerEvent(StatusEvent):
    """The volunteer's timeline: applied, status changes, trainings, roles, documents."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="events")


class ShiftTemplate(models.Model):
    """A recurring shift in the centre's local time; an end at or before the start is the
    next day (the Volgograd night shift 22:00–08:00)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("название"), max_length=100)
    starts = models.TimeField(_("начало"))
    ends = models.TimeField(_("конец"))
    weekdays = models.JSONField(_("дни недели (0 — понедельник)"), default=list, blank=True)
    headcount = models.JSONField(_("сколько нужно по ролям"), default=dict)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["centre", "starts"]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    template = optional_link(ShiftTemplate, related_name="shifts")
    name = models.CharField(_("название"), max_length=100)
    local_date = models.DateField(_("дата"))
    starts_at = models.DateTimeField(_("начало"), db_index=True)
    ends_at = models.DateTimeField(_("конец"))
    headcount = models.JSONField(_("сколько нужно по ролям"), default=dict)

    scope_region = "centre__region"
    scope_line = None

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["centre", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "local_date"], name="shift_once_per_template_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.local_date}"

    @property
    def needed(self) -> int:
        return sum(self.headcount.values())


class Assignment(models.Model):
    """A person on a shift in a role, with the attendance that gives their hours: a volunteer,
    or an employee of the centre (the Volgograd night shift is staffed by state employees), so
    that one calendar and one coverage count both."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    volunteer = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shift_assignments",
    )
    role = models.CharField(max_length=15, choices=VolunteerRole.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["shift__starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "volunteer"], name="one_place_per_shift"),
            models.UniqueConstraint(
                fields=["shift", "employee"], name="one_place_per_shift_employee"
            ),
            models.CheckConstraint(
                condition=models.Q(volunteer__isnull=False, employee__isnull=True)
                | models.Q(volunteer__isnull=True, employee__isnull=False),
                name="assignment_volunteer_or_employee",
            ),
        ]

    @property
    def person_name(self) -> str:
        """Who holds the place: the volunteer's name, or the employee's."""
        if self.volunteer_id:
            return self.volunteer.full_name
        return self.employee.get_full_name() or self.employee.username
