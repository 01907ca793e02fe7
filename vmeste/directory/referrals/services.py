"""Referrals from a request to a measure or a service: create, move along the status table,
and (when help was provided) resolve the request as helped. Every change lands on the
request's timeline."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.access import Kind, readable, require
from vmeste.accounts.roles import Right
from vmeste.assistance.models import CLOSED_STATUSES, OutcomeHow, Request, RequestEvent, Status
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.scoping import one_or_404, scoped
from vmeste.core.timeline import record_event
from vmeste.directory.models import Measure, Referral, Service
from vmeste.directory.referrals import transitions as table

FEEDBACK_MAX = 5000
REFUSALS = {
    "unknown_status": lambda: _("Неизвестный статус направления."),
    "not_allowed": lambda: _("Из этого статуса так перейти нельзя."),
    "feedback_required": lambda: _("Укажите причину отказа."),
}


def _request_in_scope(request_id: int, user, *, lock: bool = False) -> Request:
    if not user.can(Right.HANDLE_REQUESTS):
        raise Forbidden()
    qs = scoped(Request.objects.all(), user)
    if lock:
        qs = qs.select_for_update()
    return one_or_404(qs, request_id, _("Заявка не найдена."))


def suggestions(*, request_id: int, user) -> dict:
    """What the navigator suggests for the request's need: measures the person is (or may
    be) entitled to, and services that cover the need in the region. With the right to see
    personal data the person's facts are read (an audited card read); without it only the
    region and the need are known, so measures come as "may be"."""
    from vmeste.directory import navigator  # the navigator reads people: only when asked

    request = _request_in_scope(request_id, user)
    need = (request.subcategory or request.category).code
    if user.can(Right.SEE_PERSONAL_DATA):
        answer = navigator.eligibility_for(
            person_id=request.person_id, user=user, channel="web", needs=[need]
        )
    else:
        answer = navigator.navigate_profile(
            {"region": request.region.code}, needs=navigator.needs_from_codes([need])
        )
    return {
        "eligible": answer["eligible"][:15],
        "maybe": answer["maybe"][:15],
        "services": answer["services"],
    }


def referrals_of(*, request_id: int, user) -> list[Referral]:
    """A request's referrals, for whom the access policy lets read them (a 403 otherwise)."""
    require(user, Kind.REFERRAL)
    rows = readable(Request.objects.all(), user, Kind.REQUEST)
    request = one_or_404(rows, request_id, _("Заявка не найдена."))
    return list(request.referrals.select_related("measure", "service__organization"))


@transaction.atomic
def refer(
    *,
    request_id: int,
    actor,
    measure_id: int | None = None,
    service_id: str | None = None,
    note: str = "",
) -> Referral:
    request = _request_in_scope(request_id, actor, lock=True)
    if request.status in CLOSED_STATUSES:
        raise Conflict(_("Заявка закрыта: направление не создать."))
    if (measure_id is None) == (service_id is None):
        raise ValidationFailed({"target": _("Укажите меру или услугу (одно из двух).")})
    measure = service = None
    if measure_id is not None:
        measure = Measure.objects.filter(pk=measure_id, is_active=True).first()
        if measure is None:
            raise ValidationFailed({"measure": _("Мера не найдена.")})
    else:
        service = Service.objects.select_related("organization").filter(pk=service_id).first()
        if service is None:
            raise ValidationFailed({"service": _("Услуга не найдена.")})
    referral = Referral.objects.create(
        request=request,
        measure=measure,
        service=service,
        feedback=note[:FEEDBACK_MAX],
        created_by=actor,
    )
    target = measure.name if measure else f"{service.name} ({service.organization or '—'})"
    record_event(
        request,
        RequestEvent.Kind.LINKED,
        actor=actor,
        text=_("Направление: %s") % target,
        data={
            "referral": referral.pk,
            "measure": measure.pk if measure else None,
            "service": service.pk if service else None,
            "status": referral.status,
        },
    )
    return referral


@transaction.atomic
def advance(
    *,
    referral_id: int,
    to: str,
    actor,
    feedback: str = "",
    resolve_request: bool = False,
) -> Referral:
    """Move a referral; `resolve_request` with `provided` closes the request as helped."""
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(_("Направление не найдено."))
    request = _request_in_scope(referral.request_id, actor)
    if len(feedback) > FEEDBACK_MAX:
        raise ValidationFailed({"feedback": _("Не длиннее %d символов.") % FEEDBACK_MAX})
    refusal = table.check(referral.status, to, feedback=feedback)
    if refusal:
        raise ValidationFailed(
            {"to": REFUSALS[refusal]()},
            _("Переход направления «%(from)s» → «%(to)s» невозможен.")
            % {
                "from": referral.get_status_display(),
                "to": dict(Referral.Status.choices).get(to, to),
            },
            code="invalid_transition",
        )
    if resolve_request and to != table.PROVIDED:
        raise ValidationFailed(
            {"resolve_request": _("Закрыть заявку можно, только когда помощь получена.")}
        )
    previous, now = referral.status, timezone.now()
    referral.status = to
    setattr(referral, table.TRANSITIONS[(previous, to)][0], now)
    if feedback.strip():
        referral.feedback = feedback.strip()
    referral.save()
    labels = dict(Referral.Status.choices)
    record_event(
        request,
        RequestEvent.Kind.LINKED,
        actor=actor,
        at=now,
        text=_("Направление «%(target)s»: %(from)s → %(to)s")
        % {"target": _target(referral), "from": labels[previous], "to": labels[to]},
        data={"referral": referral.pk, "from": previous, "to": to, "feedback": feedback.strip()},
    )
    if resolve_request:
        _resolve(request, referral, actor)
    return referral


def _target(referral: Referral) -> str:
    return referral.measure.name if referral.measure_id else referral.service.name


def _resolve(request: Request, referral: Referral, actor) -> None:
    """Through the requests' own workflow: a new request is taken into work first."""
    from vmeste.assistance.services import transition

    how = OutcomeHow.MEASURE if referral.measure_id else OutcomeHow.ORGANIZATION
    if request.status in (Status.NEW,):
        request = transition(request_id=request.pk, to=Status.IN_PROGRESS, actor=actor)
    transition(
        request_id=request.pk,
        to=Status.RESOLVED,
        actor=actor,
        outcome={"helped": True, "how": how, "note": _("Помощь получена: %s") % _target(referral)},
    )
