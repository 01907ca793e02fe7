"""A supervisor staffing a centre in bulk from the site: volunteers brought over from another
centre (a new line's centre is staffed from the people a region already has), and many
people put on many shifts at once. All or nothing: one refusal and nothing is written, each
refusal named with its person and shift."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.core.errors import ServiceError, ValidationFailed
from vmeste.core.models import Centre
from vmeste.core.timeline import record_event
from vmeste.volunteers import shifts
from vmeste.volunteers.models import Assignment, Shift, Volunteer
from vmeste.volunteers.services import centre_by_code, require_manager

# A refusal lists at most this many people and shifts: past that the page would be a wall.
SHOWN = 20


def _reason(exc: ServiceError) -> str:
    """The refusal's own words: its field's message when it has one (a ValidationFailed
    says only «check the fields» in its message)."""
    return next((m for messages in exc.fields.values() for m in messages), exc.message)


def _refuse(problems: list[str], message: str) -> None:
    shown = problems[:SHOWN]
    if len(problems) > SHOWN:
        shown.append(_("… и ещё %d.") % (len(problems) - SHOWN))
    raise ValidationFailed({"people": shown}, message % len(problems), code="refused")


def transfer(*, volunteers: list[Volunteer], centre: Centre, actor) -> int:
    """Move volunteers to ``centre`` (one within the actor's regions); how many moved.
    Their places on shifts of their old centre not over yet (and not checked in to) are
    given up: a volunteer is on one centre's calendar. One checked in to a shift right now
    is refused, like a phone the new centre already has."""
    require_manager(actor)
    centre = centre_by_code(centre.code, user=actor)
    now = timezone.now()
    moving = [v for v in volunteers if v.centre_id != centre.pk]
    problems = []
    for v in moving:
        if Assignment.objects.filter(
            volunteer=v,
            checked_in_at__isnull=False,
            shift__starts_at__lte=now,
            shift__ends_at__gt=now,
        ).exists():
            problems.append(_("%s сейчас на смене.") % v.full_name)
        if Volunteer.objects.filter(centre=centre, phone=v.phone).exists():
            problems.append(_("%s: этот телефон уже есть в центре.") % v.full_name)
    if problems:
        _refuse(problems, _("Никто не переведён: отказов %d."))
    with transaction.atomic():
        for v in moving:
            old = v.centre
            released, _kinds = Assignment.objects.filter(
                volunteer=v, shift__centre=old, shift__ends_at__gt=now, checked_in_at__isnull=True
            ).delete()
            Volunteer.objects.filter(pk=v.pk).update(centre=centre, version=F("version") + 1)
            if v.user_id and v.user.centre_id in (None, old.pk):
                type(v.user).objects.filter(pk=v.user_id).update(centre=centre)
            record_event(
                v,
                "centre",
                actor=actor,
                text=_("Переведён(а): %(old)s → %(new)s; снято с будущих смен: %(n)d.")
                % {"old": old.code, "new": centre.code, "n": released},
            )
    return len(moving)


def sign_up_many(
    *, shifts_chosen: list[Shift], volunteers: list[Volunteer], role: str, actor
) -> int:
    """Put every volunteer on every shift in ``role``; how many places were taken. A place
    the person already holds is kept as it is (the same form sent twice adds nothing)."""
    require_manager(actor)
    if not shifts_chosen or not volunteers:
        raise ValidationFailed({"people": _("Отметьте хотя бы одну смену и одного человека.")})
    problems, made = [], 0
    with transaction.atomic():
        for shift in sorted(shifts_chosen, key=lambda s: s.starts_at):
            held = set(
                Assignment.objects.filter(shift=shift).values_list("volunteer_id", flat=True)
            )
            for v in sorted(volunteers, key=lambda v: v.pk):  # the same order on any database
                if v.pk in held:
                    continue
                try:
                    with transaction.atomic():
                        shifts.sign_up(shift=shift, volunteer=v, role=role, actor=actor)
                    made += 1
                except ServiceError as exc:
                    zone = ZoneInfo(shifts.centre_zone(shift.centre))
                    when = timezone.localtime(shift.starts_at, zone)
                    problems.append(
                        f"{v.full_name}, {shift.name} {when:%d.%m %H:%M}: {_reason(exc)}"
                    )
        if problems:
            _refuse(problems, _("Никто не назначен: отказов %d."))
    return made
