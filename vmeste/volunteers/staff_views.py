"""Staff pages: the volunteers of a centre, one volunteer's card with the workflow, training
and roles, and a shift calendar where a supervisor assigns and swaps people."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.accounts import audit
from vmeste.core.dates import parse_date
from vmeste.core.errors import ServiceError, ValidationFailed
from vmeste.core.models import Centre
from vmeste.volunteers import rota, rules, services, shifts, staffing
from vmeste.volunteers.models import (
    Assignment,
    TrainingModule,
    VolunteerRole,
    VolunteerStatus,
)


def _manager(request: HttpRequest) -> None:
    if not services.can_manage(request.user):
        raise Http404


def _centre(request: HttpRequest) -> Centre:
    try:
        return services.centre_shown(request.user, request.GET.get("centre", ""))
    except ServiceError:
        raise Http404 from None


@login_required
def volunteer_list(request: HttpRequest) -> HttpResponse:
    _manager(request)
    centre = _centre(request)
    status = request.GET.get("status", "")
    qs = services.volunteers_for(request.user).filter(centre=centre).prefetch_related("roles")
    if status:
        qs = qs.filter(status=status)
    shown = list(qs[:300])
    services.audit_shown(user=request.user, volunteers=shown, action=audit.Action.LIST)
    return render(
        request,
        "volunteers/staff_list.html",
        {
            "centre": centre,
            "centres": Centre.objects.all(),
            "status": status,
            "statuses": VolunteerStatus.choices,
            "volunteers": shown,
            "count": qs.count(),
            "role_names": dict(VolunteerRole.choices),
        },
    )


@login_required
@require_POST
def transfer(request: HttpRequest) -> HttpResponse:
    """The ticked volunteers of the list moved to another centre at once."""
    _manager(request)
    picked = [int(pk) for pk in request.POST.getlist("volunteer") if pk.isdecimal()]
    chosen = list(services.volunteers_for(request.user).filter(pk__in=picked))
    try:
        if not chosen:
            raise ValidationFailed({"volunteer": _("Отметьте волонтёров.")})
        to = services.centre_by_code(request.POST.get("to", ""), user=request.user, field="to")
        moved = staffing.transfer(volunteers=chosen, centre=to, actor=request.user)
        messages.success(request, _("Переведено в центр «%(centre)s»: %(n)d.") % {
            "centre": to.name, "n": moved,
        })  # fmt: skip
    except ServiceError as exc:
        _say(request, exc)
    return _back(request, "volunteers:staff_list")


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on: a path of this site only (never another host)."""
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return redirect(wanted)
    return redirect(default)


def _say(request: HttpRequest, exc: ServiceError) -> None:
    """The refusal and each of its reasons, one message a line."""
    messages.error(request, exc.message)
    for reasons in exc.fields.values():
        for reason in reasons:
            messages.error(request, reason)


@login_required
def volunteer_card(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    volunteer = services.open_volunteer(user=request.user, pk=pk)
    done = set(volunteer.trainings.values_list("module_id", flat=True))
    return render(
        request,
        "volunteers/staff_card.html",
        {
            "v": volunteer,
            "reasons": services.eligibility(volunteer=volunteer),
            "moves": [
                (s, VolunteerStatus(s).label) for s in rules.allowed_targets(volunteer.status)
            ],
            "modules": [(m, m.pk in done) for m in services.modules_for(volunteer.centre)],
            "roles": services.roles_of(volunteer),
            "all_roles": VolunteerRole.choices,
            "documents": volunteer.documents.all(),
            "events": volunteer.events.select_related("actor")[:50],
            "shifts": shifts.my_shifts(volunteer=volunteer)[:30],
        },
    )


@login_required
@require_POST
def volunteer_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _manager(request)
    volunteer = services.get_volunteer(user=request.user, pk=pk)
    post = request.POST
    try:
        if action == "move":
            services.move(
                volunteer=volunteer, to=post.get("to", ""), actor=request.user,
                comment=post.get("comment", ""), expected_version=int(post.get("version") or 0)
                or None,
            )  # fmt: skip
        elif action == "document":
            valid_until = parse_date(post.get("valid_until", ""), field="valid_until")
            if valid_until is None:
                raise ValidationFailed({"valid_until": _("Обязательное поле.")})
            services.add_document(
                volunteer=volunteer, valid_until=valid_until, actor=request.user,
                kind=post.get("kind", ""), number=post.get("number", ""),
            )  # fmt: skip
        elif action == "training":
            module = TrainingModule.objects.filter(
                pk=post.get("module") or 0, centre=volunteer.centre
            ).first()
            if module is None:
                raise Http404
            services.record_training(volunteer=volunteer, module=module, actor=request.user)
        elif action == "grant":
            services.grant_role(volunteer=volunteer, role=post.get("role", ""), actor=request.user)
        elif action == "revoke":
            services.revoke_role(volunteer=volunteer, role=post.get("role", ""), actor=request.user)
        else:
            raise Http404
        messages.success(request, _("Сохранено."))
    except ServiceError as exc:
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, _("Неверная дата."))
    return redirect("volunteers:staff_card", pk=volunteer.pk)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    _manager(request)
    centre = _centre(request)
    try:
        first = parse_date(request.GET.get("from", ""), field="from") or timezone.localdate()
    except ValidationFailed:
        first = timezone.localdate()
    last = first + timedelta(days=6)
    views = rota.calendar(centre=centre, first=first, last=last)
    people = (
        services.volunteers_for(request.user)
        .filter(centre=centre, status=VolunteerStatus.ACTIVE)
        .values_list("pk", "last_name", "first_name")
    )
    now = timezone.now()
    return render(
        request,
        "volunteers/staff_calendar.html",
        {
            "centre": centre,
            "centres": Centre.objects.all(),
            "views": views,
            "first": first,
            "prev": first - timedelta(days=7),
            "next": first + timedelta(days=7),
            "people": people,
            "to_come": [v for v in views if v.shift.ends_at > now],
            "roles": VolunteerRole.choices,
            "role_names": dict(VolunteerRole.choices),
            "zone": shifts.centre_zone(centre),
        },
    )


@login_required
@require_POST
def calendar_action(request: HttpRequest, action: str) -> HttpResponse:
    _manager(request)
    post, done = request.POST, _("Сохранено.")
    try:
        if action == "assign":
            shift = shifts.shifts_for(request.user).filter(pk=post.get("shift") or 0).first()
            if shift is None:
                raise Http404
            # "123 · Иванов Пётр" from the list, or just the number.
            number = post.get("volunteer", "").split("·")[0].strip()
            if not number.isdecimal():
                raise ServiceError(_("Выберите волонтёра из списка."))
            volunteer = services.get_volunteer(user=request.user, pk=int(number))
            shifts.sign_up(
                shift=shift, volunteer=volunteer, role=post.get("role", ""), actor=request.user
            )
        elif action == "generate":
            done = _generate(request)
        elif action == "assign_many":
            done = _assign_many(request)
        elif action == "swap":
            pair = [
                Assignment.objects.select_related("shift", "volunteer").filter(pk=pk).first()
                for pk in (post.get("first") or 0, post.get("second") or 0)
            ]
            if None in pair:
                raise ServiceError(_("Укажите номера двух записей."))
            shifts.swap(first=pair[0], second=pair[1], actor=request.user)
        elif action == "cancel":
            a = (
                Assignment.objects.select_related("volunteer")
                .filter(pk=post.get("assignment") or 0)
                .first()
            )
            if a is None:
                raise Http404
            shifts.cancel(assignment=a, actor=request.user)
        else:
            raise Http404
        messages.success(request, done)
    except ServiceError as exc:
        _say(request, exc)
    return _back(request, "volunteers:staff_calendar")


def _generate(request: HttpRequest) -> str:
    """The centre's shift templates laid on the week shown."""
    centre = services.centre_by_code(request.POST.get("centre", ""), user=request.user)
    first = parse_date(request.POST.get("from", ""), field="from") or timezone.localdate()
    made = shifts.generate(centre=centre, first=first, last=first + timedelta(days=6),
                           actor=request.user)  # fmt: skip
    return _("Смен добавлено: %d.") % made


def _assign_many(request: HttpRequest) -> str:
    """The ticked people on every ticked shift, in one role."""
    post = request.POST
    picked = [int(pk) for pk in post.getlist("shift") if pk.isdecimal()]
    chosen = list(shifts.shifts_for(request.user).filter(pk__in=picked))
    people = [int(pk) for pk in post.getlist("person") if pk.isdecimal()]
    volunteers = list(services.volunteers_for(request.user).filter(pk__in=people))
    made = staffing.sign_up_many(
        shifts_chosen=chosen, volunteers=volunteers, role=post.get("role", ""), actor=request.user
    )
    return _("Назначено мест: %d.") % made
