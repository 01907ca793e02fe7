"""Pages: the public application form, a volunteer's own pages, and the coverage view."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.core.dates import read_date
from vmeste.core.errors import ServiceError
from vmeste.core.models import Centre
from vmeste.core.params import int_param
from vmeste.volunteers import application, public_form, rota, services, shifts
from vmeste.volunteers.models import Assignment, Shift, Volunteer, VolunteerRole


def apply(request: HttpRequest) -> HttpResponse:
    """The public form: no login; consent, a hidden field and a minimum time keep bots out."""
    values = request.POST if request.method == "POST" else {}
    errors: dict[str, list[str]] = {}
    error_message = ""
    if request.method == "POST":
        client = public_form.client_of(request)
        try:
            public_form.guard_public_form(
                token=values.get("form_token", ""),
                honeypot=values.get("website", ""),
                client=client,
            )
            services.apply_public(
                application=application.read(
                    values,
                    wanted_roles=values.getlist("wanted_roles"),
                    consent=values.get("consent") == "on",
                ),
                client=client,
            )
            return render(request, "volunteers/applied.html")
        except ServiceError as exc:
            errors, error_message = exc.fields, exc.message
    return render(
        request,
        "volunteers/apply.html",
        {
            "token": public_form.form_token(),
            "centres": Centre.objects.all(),
            "roles": VolunteerRole.choices,
            "values": values,
            "wanted": values.getlist("wanted_roles") if values else [],
            "errors": errors,
            "error_message": error_message,
            "limits": application.LIMITS,
        },
        status=422 if errors or error_message else 200,
    )


def _date(text: str | None) -> date | None:
    """A typed date, or None when it is missing, malformed or out of the sane range."""
    return read_date(text or "")[0]


def _me(request: HttpRequest) -> Volunteer:
    volunteer = getattr(request.user, "volunteer", None)
    if volunteer is None:
        raise Http404(_("Вы не зарегистрированы как волонтёр."))
    return volunteer


@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    volunteer = _me(request)
    today = timezone.localdate()
    mine = list(shifts.my_shifts(volunteer=volunteer, upcoming=True))
    taken = {a.shift_id for a in mine}
    roles = services.roles_of(volunteer)
    open_views = [
        v
        for v in rota.calendar(
            centre=volunteer.centre, first=today, last=today + timedelta(days=14), with_people=False
        )
        if v.shift.pk not in taken
        and v.shift.ends_at > timezone.now()
        and any(r in roles for r in v.gaps)
    ]
    tz = shifts._tz(volunteer.centre)
    return render(
        request,
        "volunteers/my_shifts.html",
        {
            "volunteer": volunteer,
            "mine": [
                (
                    a,
                    timezone.localtime(a.shift.starts_at, tz),
                    timezone.localtime(a.shift.ends_at, tz),
                )
                for a in mine
            ],
            "open_shifts": [(v, [r for r in v.gaps if r in roles]) for v in open_views],
            "now": timezone.now(),
            "feed": request.build_absolute_uri(
                f"/api/v1/shifts/feed/{volunteer.calendar_token}.ics"
            ),
            "role_names": dict(VolunteerRole.choices),
            "zone": shifts.centre_zone(volunteer.centre),
            "warning": services.document_warning(volunteer=volunteer),
            "reasons": services.eligibility(volunteer=volunteer),
        },
    )


@login_required
@require_POST
def shift_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    volunteer = _me(request)
    try:
        if action == "sign_up":
            shift = Shift.objects.filter(pk=pk, centre=volunteer.centre).first()
            if shift is None:
                raise Http404
            shifts.sign_up(
                shift=shift,
                volunteer=volunteer,
                role=request.POST.get("role", ""),
                actor=request.user,
            )
            messages.success(request, _("Вы записаны на смену."))
        else:
            assignment = (
                Assignment.objects.select_related("shift", "volunteer")
                .filter(pk=pk, volunteer=volunteer)
                .first()
            )
            if assignment is None:
                raise Http404
            if action == "check_in":
                shifts.check_in(assignment=assignment, actor=request.user)
                messages.success(request, _("Начало смены отмечено."))
            elif action == "check_out":
                shifts.check_out(assignment=assignment, actor=request.user)
                messages.success(request, _("Конец смены отмечен."))
            elif action == "cancel":
                shifts.cancel(assignment=assignment, actor=request.user)
                messages.success(request, _("Запись на смену отменена."))
            else:
                raise Http404
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:my_shifts")


@login_required
def my_hours(request: HttpRequest) -> HttpResponse:
    """A printable certificate of hours: the page prints cleanly on A4 from any browser."""
    volunteer = _me(request)
    first = _date(request.GET.get("from"))
    last = _date(request.GET.get("to"))
    done = shifts.my_shifts(volunteer=volunteer).filter(hours__isnull=False)
    if first:
        done = done.filter(shift__local_date__gte=first)
    if last:
        done = done.filter(shift__local_date__lte=last)
    return render(
        request,
        "volunteers/my_hours.html",
        {
            "volunteer": volunteer,
            "done": done,
            "total": shifts.hours_total(volunteer=volunteer, first=first, last=last),
            "first": first,
            "last": last,
            "today": timezone.localdate(),
            "role_names": dict(VolunteerRole.choices),
        },
    )


@login_required
def my_trainings(request: HttpRequest) -> HttpResponse:
    volunteer = _me(request)
    done = {t.module_id: t for t in volunteer.trainings.all()}
    modules = [(m, done.get(m.pk)) for m in services.modules_for(volunteer.centre)]
    return render(
        request,
        "volunteers/my_trainings.html",
        {
            "volunteer": volunteer,
            "modules": modules,
            "roles": sorted(services.roles_of(volunteer)),
            "role_names": dict(VolunteerRole.choices),
            "documents": volunteer.documents.all(),
            "reasons": services.eligibility(volunteer=volunteer),
            "warning": services.document_warning(volunteer=volunteer),
        },
    )


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    if not services.can_manage(request.user):
        raise Http404
    centre = services.centre_shown(request.user, request.GET.get("centre", ""))
    centres = list(Centre.objects.all())
    days = int_param(request.GET, "days", default=7, lowest=1, highest=31)
    return render(
        request,
        "volunteers/coverage.html",
        {
            "centre": centre,
            "centres": centres,
            "days": days,
            "gaps": rota.coverage(centre=centre, days=days),
            "expiring": services.expiring_documents(user=request.user)[:50],
            "role_names": dict(VolunteerRole.choices),
        },
    )
