"""Request pages: the list with filters, "my work", the request page and its actions.

Thin: every rule (scope, status table, locking, rights) is in `services`; a refused action
comes back as a ServiceError and is shown next to the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, sees_full
from vmeste.accounts.models import User
from vmeste.accounts.roles import RIGHTS, Right
from vmeste.accounts.ui import require_cases
from vmeste.assistance import listing, services
from vmeste.assistance.models import OutcomeHow, Request, Status, Team
from vmeste.core import services as reference
from vmeste.core.errors import Conflict, Forbidden, NotFound, ServiceError
from vmeste.core.scoping import scoped, user_scope
from vmeste.core.ui import FormErrors, require, values_of
from vmeste.people.phones import mask

PAGE_SIZE = 50
HANDLERS = [role for role, rights in RIGHTS.items() if Right.HANDLE_REQUESTS in rights]


def _filters(get) -> listing.RequestFilters:
    return listing.RequestFilters(
        status=get.get("status", ""),
        region=get.get("region", ""),
        line=get.get("line", ""),
        category=get.get("category", ""),
        assignee=get.get("assignee", ""),
        overdue=get.get("overdue") == "1",
        q=get.get("q", ""),
    )


def _regions(user):
    allowed, _lines = user_scope(user)
    regions = reference.regions()
    return regions.filter(pk__in=allowed) if allowed else regions


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    require_cases(request.user)
    filters = _filters(request.GET)
    errors = FormErrors()
    try:
        qs = listing.search(user=request.user, filters=filters)
        counts = listing.count_by_status(user=request.user, filters=filters)
    except ServiceError as exc:
        errors.add(exc)
        filters.status = ""
        qs = listing.search(user=request.user, filters=filters)
        counts = {}
    total = listing.count(user=request.user, filters=filters, matches=qs)
    rows = listing.Rows(qs, total=total, user=request.user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assistance/request_list.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "query": query.urlencode(),
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "total": page.paginator.count,
            "regions": _regions(request.user),
            "lines": scoped(reference.lines(), request.user),
            "categories": reference.categories().filter(parent__isnull=True),
            "now": timezone.now(),
        },
    )


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    require(request.user, Right.HANDLE_REQUESTS)
    now = timezone.now()
    qs = (
        services.open_requests_of(request.user)
        .annotate(late=Case(When(due_at__lt=now, then=0), default=1, output_field=IntegerField()))
        .order_by("late", "due_at")
        .select_related("person", "assignee")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [services.with_reference(item) for item in page.object_list]
    services.audit_shown(user=request.user, rows=page.object_list, action=audit.Action.LIST)
    overdue = qs.filter(due_at__lt=now).count() if page.paginator.count else 0
    return render(
        request,
        "assistance/my_work.html",
        {"page": page, "total": page.paginator.count, "overdue": overdue, "now": now},
    )


def _get(request: HttpRequest, request_id: int) -> Request:
    try:
        return services.get_request(request_id=request_id, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _assignees(item: Request, coordinator: User) -> list[User]:
    """Who can take this request: staff who handle requests in its region and line, and
    within the coordinator's own scope: a regional coordinator is offered the people of
    their regions (not national staff), and of their centre when they belong to one."""
    qs = (
        User.objects.filter(is_active=True, role__in=HANDLERS)
        .filter(Q(regions=item.region_id) | Q(regions__isnull=True))
        .filter(Q(lines=item.line_id) | Q(lines__isnull=True))
    )
    regions, lines = user_scope(coordinator)
    if regions:
        qs = qs.filter(regions__in=regions)
    if lines:
        qs = qs.filter(lines__in=lines)
    if coordinator.centre_id:
        qs = qs.filter(Q(centre=coordinator.centre_id) | Q(centre__isnull=True))
    return list(qs.distinct().order_by("last_name", "username")[:200])


def _teams(item: Request, coordinator: User) -> list[Team]:
    """Teams of the request's region (or of none), and only those the coordinator sees."""
    return list(services.teams_for(coordinator).filter(Q(region=item.region_id) | Q(region=None)))


def _answers(user: User, item: Request) -> dict:
    """The intake as this user may see it: phone and address masked without the right."""
    see_personal = user.can(Right.SEE_PERSONAL_DATA)
    labels = {str(q.get("code")): str(q.get("label")) for q in item.line.intake_fields or []}
    shown = {"district", "age_60_plus", "self_isolation"}
    return {
        "request_phone": item.phone if see_personal or not item.phone else mask(item.phone),
        "request_address": item.address if see_personal or not item.address else "***",
        "other_answers": [
            (labels.get(code, code).rstrip("?"), answer)
            for code, answer in (item.intake or {}).items()
            if code not in shown
        ],
    }


def _detail(request: HttpRequest, item: Request, **extra) -> dict:
    can_handle = request.user.can(Right.HANDLE_REQUESTS)
    see_personal = sees_full(request.user, Kind.PERSON)
    targets = services.table.allowed_targets(item.status) if can_handle else []
    labels = dict(Status.choices)
    return {
        **_answers(request.user, item),
        "item": item,
        "events": item.events.select_related("actor"),
        "phones": [p.e164 if see_personal else mask(p.e164) for p in item.person.phones.all()],
        "can_handle": can_handle,
        "targets": [(t, labels[t]) for t in targets],
        "can_resolve": Status.RESOLVED in targets,
        "outcome_choices": OutcomeHow.choices,
        "assignees": _assignees(item, request.user) if can_handle else [],
        "teams": _teams(item, request.user) if can_handle else [],
        "status_labels": labels,
        "errors": FormErrors(),
        "values": {},
        "conflict": "",
        **extra,
    }


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    require_cases(request.user)
    try:
        item = services.open_request(request_id=request_id, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "assistance/request_detail.html", _detail(request, item))


def _refused(request: HttpRequest, request_id: int, exc: ServiceError, form: str) -> HttpResponse:
    """Re-render the page with the refusal next to its field and every typed word kept."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, Forbidden):
        # A role without the right has no request page to go back to, in scope or not.
        raise PermissionDenied(exc.message)
    errors = FormErrors()
    errors.add(exc)
    item = _get(request, request_id)  # fresh: after a conflict the page shows the current state
    extra = {"errors": errors, "values": values_of(request.POST), "failed_form": form}
    if isinstance(exc, Conflict):
        extra["conflict"] = exc.message
    context = _detail(request, item, **extra)
    return render(request, "assistance/request_detail.html", context, status=exc.status)


def _number(text: str) -> int | None:
    return int(text) if text.isdecimal() else None


def _version(post) -> int | None:
    return _number(post.get("version", ""))


@login_required
@require_POST
def request_transition(request: HttpRequest, request_id: int) -> HttpResponse:
    post = request.POST
    to = post.get("to", "")
    outcome = None
    if to == Status.RESOLVED:
        helped = {"yes": True, "no": False}.get(post.get("outcome.helped", ""))
        outcome = {
            "helped": helped,
            "how": post.get("outcome.how", ""),
            "note": post.get("outcome.note", ""),
        }
    try:
        services.transition(
            request_id=request_id,
            to=to,
            actor=request.user,
            comment=post.get("comment", ""),
            outcome=outcome,
            expected_version=_version(post),
        )
    except ServiceError as exc:
        return _refused(request, request_id, exc, "transition")
    messages.success(
        request,
        _("Статус изменён: %s.") % dict(Status.choices).get(to, to),
        extra_tags=f"keep:req-{request_id}-transition",
    )
    return redirect("assistance:request_detail", request_id=request_id)


@login_required
@require_POST
def request_assign(request: HttpRequest, request_id: int) -> HttpResponse:
    post = request.POST
    try:
        choice = post.get("assignee", "")
        services.assign(
            request_id=request_id,
            actor=request.user,
            assignee_id=request.user.pk if choice == "me" else _number(choice),
            team_code=post.get("team", ""),
            expected_version=_version(post),
        )
    except ServiceError as exc:
        return _refused(request, request_id, exc, "assign")
    messages.success(request, _("Исполнитель назначен."))
    return redirect("assistance:request_detail", request_id=request_id)


@login_required
@require_POST
def request_comment(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.add_comment(
            request_id=request_id, actor=request.user, text=request.POST.get("text", "")
        )
    except ServiceError as exc:
        return _refused(request, request_id, exc, "comment")
    messages.success(
        request, _("Комментарий добавлен."), extra_tags=f"keep:req-{request_id}-comment"
    )
    return redirect("assistance:request_detail", request_id=request_id)
