"""Recruitment rules and the volunteer's statuses (defined here once; the model takes its
choices from them). Pure: no database (messages go through gettext).

applied → screening → training → active ⇄ paused → left
applied | screening | training → rejected; anyone not gone may leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class VolunteerStatus(TextChoices):
    APPLIED = "applied", gettext_lazy("заявка подана")
    SCREENING = "screening", gettext_lazy("проверка")
    TRAINING = "training", gettext_lazy("обучение")
    ACTIVE = "active", gettext_lazy("активен")
    PAUSED = "paused", gettext_lazy("пауза")
    LEFT = "left", gettext_lazy("выбыл")
    REJECTED = "rejected", gettext_lazy("отказ")


APPLIED, SCREENING, TRAINING, ACTIVE, PAUSED, LEFT, REJECTED = VolunteerStatus

TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (APPLIED, SCREENING),
        (APPLIED, REJECTED),
        (SCREENING, TRAINING),
        (SCREENING, REJECTED),
        (TRAINING, ACTIVE),
        (TRAINING, REJECTED),
        (ACTIVE, PAUSED),
        (PAUSED, ACTIVE),
        (APPLIED, LEFT),
        (SCREENING, LEFT),
        (TRAINING, LEFT),
        (ACTIVE, LEFT),
        (PAUSED, LEFT),
    }
)

# Moves that need the volunteer to meet the centre's requirements at that moment.
CHECKED_ON_ENTRY = frozenset({SCREENING, TRAINING, ACTIVE})


def allowed_targets(status: str) -> list[str]:
    return sorted(to for (frm, to) in TRANSITIONS if frm == status)


def can_move(frm: str, to: str) -> bool:
    return (frm, to) in TRANSITIONS


@dataclass(frozen=True)
class Rules:
    min_age: int = 18
    max_age: int | None = None
    health_document_required: bool = False
    health_document_label: str = "QR-код"
    warn_days: int = 14


@dataclass(frozen=True)
class Reason:
    field: str
    code: str
    message: str


def age_on(birth_date: date, day: date) -> int:
    years = day.year - birth_date.year
    return years - ((day.month, day.day) < (birth_date.month, birth_date.day))


def document_valid_until(valid_untils: list[date]) -> date | None:
    return max(valid_untils) if valid_untils else None


def check_eligibility(
    *, rules: Rules, birth_date: date, document_valid_until: date | None, today: date
) -> list[Reason]:
    """Why this person cannot volunteer now; an empty list means they can."""
    reasons = []
    age = age_on(birth_date, today)
    if age < rules.min_age:
        reasons.append(
            Reason(
                "birth_date",
                "under_age",
                _("Волонтёром можно стать с %(min)d лет; заявителю %(age)d.")
                % {"min": rules.min_age, "age": age},
            )
        )
    if rules.max_age is not None and age > rules.max_age:
        reasons.append(
            Reason(
                "birth_date",
                "over_age",
                _("Этот центр принимает волонтёров до %(max)d лет; заявителю %(age)d.")
                % {"max": rules.max_age, "age": age},
            )
        )
    if rules.health_document_required:
        label = rules.health_document_label or _("медицинский документ")
        if document_valid_until is None:
            reasons.append(
                Reason("health_document", "missing_document", _("Нужен документ: %s.") % label)
            )
        elif document_valid_until < today:
            reasons.append(
                Reason(
                    "health_document",
                    "expired_document",
                    _("Срок действия документа «%(label)s» истёк %(date)s.")
                    % {"label": label, "date": f"{document_valid_until:%d.%m.%Y}"},
                )
            )
    return reasons


def expires_soon(valid_until: date, *, today: date, warn_days: int) -> bool:
    """Still valid, but the end is within the warning period."""
    return today <= valid_until and (valid_until - today).days <= warn_days


def missing_trainings(required: set[str], done: set[str]) -> list[str]:
    return sorted(required - done)
