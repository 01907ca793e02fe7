"""Pages for supervisors and administrators: the lines, a line made from a template, one
line's checklist, centres, queues, agents (skills edited in bulk) and history. Every change
goes through the same import as the console and the API, so the history shows its diff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.contactcenter.models import Agent, Queue
from vmeste.core.errors import Forbidden, ServiceError
from vmeste.core.models import Centre, Line, Region
from vmeste.core.scoping import scoped, user_scope
from vmeste.launch import checklist, checks, services, testcall
from vmeste.launch import document as doc
from vmeste.launch.models import LATEST_FIRST, LineChange


def _launcher(request: HttpRequest) -> None:
    try:
        services.require_launcher(request.user)
    except Forbidden:
        raise PermissionDenied from None


def _line(request: HttpRequest, code: str) -> Line:
    _launcher(request)
    try:
        return services.line_for(code=code, user=request.user)
    except ServiceError:
        raise Http404 from None


@login_required
def lines(request: HttpRequest) -> HttpResponse:
    _launcher(request)
    form, errors = {}, {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("template", "code", "region")}
        try:
            outcome = services.create_from_template(**form, user=request.user)
            messages.success(request, _("Линия создана. Она закрыта, пока чек-лист не пройден."))
            return redirect("launch:line", code=outcome.line)
        except ServiceError as exc:
            errors = {"message": exc.message, "fields": exc.fields}
    allowed, _lines = user_scope(request.user)
    regions = Region.objects.filter(pk__in=allowed) if allowed else Region.objects.all()
    return render(request, "launch/lines.html", {
        "lines": scoped(Line.objects.all(), request.user).order_by("code"),
        "templates": services.templates(),
        "regions": regions.order_by("name_ru"),
        "form": form,
        "errors": errors,
    })  # fmt: skip


@login_required
def line(request: HttpRequest, code: str) -> HttpResponse:
    line = _line(request, code)
    centres = list(Centre.objects.filter(lines=line).select_related("region"))
    items = checklist.compute(line=line)
    return render(request, "launch/line.html", {
        "line": line,
        "items": items,
        "can_open": not checklist.blocking(items),
        "centres": centres,
        "queues": Queue.objects.filter(line=line, is_active=True).select_related("topic"),
        "agents": Agent.objects.filter(centre__in=centres).select_related("user", "centre")
        .order_by("centre__code", "user__username"),
        "changes": LineChange.objects.filter(line=line).select_related("actor")
        .order_by(*LATEST_FIRST)[:50],
        "report": request.session.pop("launch_report", None),
    })  # fmt: skip


@login_required
def configuration(request: HttpRequest, code: str) -> HttpResponse:
    _line(request, code)
    response = HttpResponse(services.export_line(code=code, user=request.user),
                            content_type="application/yaml; charset=utf-8")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{code}.yaml"'
    return response


@login_required
@require_POST
def action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    _line(request, code)
    handlers = {
        "open": _open, "close": _close, "import": _import, "skills": _skills, "queue": _queue,
        "test_call": _test_call,
    }  # fmt: skip
    if action not in handlers:
        raise Http404
    try:
        handlers[action](request, code)
    except services.ImportRefused as exc:
        request.session["launch_report"] = {
            "message": exc.message,
            "problems": [str(p) for p in exc.problems],
        }
    except ServiceError as exc:
        request.session["launch_report"] = {
            "message": exc.message,
            "problems": [f"{k}: {' '.join(v)}" for k, v in exc.fields.items()],
            "refused": True,  # a refusal with no field (a Conflict) is an error all the same
        }
    return redirect("launch:line", code=code)


def _open(request: HttpRequest, code: str) -> None:
    checklist.open_line(code=code, user=request.user)
    messages.success(request, _("Линия открыта."))


def _test_call(request: HttpRequest, code: str) -> None:
    call_id, agent = testcall.place(code=code, user=request.user)
    messages.success(
        request,
        _("Пробный звонок %(call)s дошёл до оператора %(agent)s.")
        % {"call": call_id, "agent": agent},
    )


def _close(request: HttpRequest, code: str) -> None:
    checklist.close_line(code=code, user=request.user)
    messages.success(request, _("Линия закрыта."))


def _import(request: HttpRequest, code: str) -> None:
    dry_run = request.POST.get("dry_run") == "1"
    outcome = services.import_line(text=request.POST.get("configuration", ""),
                                   user=request.user, dry_run=dry_run)  # fmt: skip
    _report(request, outcome, dry_run)


def _skills(request: HttpRequest, code: str) -> None:
    """One skill given (or taken away: level 0) to every agent ticked and every login typed
    in — a shift of 500 at once; a login typed in becomes an agent of the chosen centre.
    Staffing a line goes step by step, so a queue nobody has the skill for yet is the
    checklist's business here, not a refusal."""
    logins = request.POST.get("logins", "").replace(",", " ").split()
    chosen = set(request.POST.getlist("agent")) | set(logins)
    skill = request.POST.get("skill", "").strip()
    level = request.POST.get("level", "")
    if not chosen or not skill or level not in {"0", "1", "2", "3", "4", "5"}:
        raise services.ImportRefused(
            [
                checks.Problem(
                    "skills", _("Отметьте операторов, укажите навык и уровень от 0 (убрать) до 5.")
                )
            ]
        )
    document = doc.load(services.export_line(code=code, user=request.user))
    present = {a["user"] for a in document["agents"]}
    centre = request.POST.get("centre") or (document["centres"] or [{}])[0].get("code")
    document["agents"] += [
        {"user": name, "centre": centre, "skills": {}}
        for name in dict.fromkeys(logins)
        if name not in present
    ]
    for agent in document["agents"]:
        if agent["user"] in chosen:
            agent["skills"].pop(skill, None)
            if int(level):
                agent["skills"][skill] = int(level)
    outcome = services.import_line(text=doc.dump(document), user=request.user, staffed=False)
    _report(request, outcome, False)


QUEUE_FIELDS = (
    "name",
    "topic",
    "ivr_path",
    "skill",
    "target_seconds",
    "callback_after_seconds",
    "overflow_after_seconds",
    "overflow_to",
)
NUMBERS = ("target_seconds", "callback_after_seconds", "overflow_after_seconds")


def _queue(request: HttpRequest, code: str) -> None:
    """Add a queue, change one (the fields of the form; the rest as they are) or remove one
    ("remove"): the whole line is checked again, as an import would be."""
    post = request.POST
    document = doc.load(services.export_line(code=code, user=request.user))
    queues = {q["code"]: q for q in document["queues"]}
    name = post.get("code", "").strip()
    if post.get("remove"):
        document["queues"] = [q for q in document["queues"] if q["code"] != name]
    else:
        queue = queues.get(name) or {"code": name}
        if name not in queues:
            document["queues"].append(queue)
        for field in QUEUE_FIELDS:
            value = post.get(field, "").strip()
            if field in NUMBERS and value.isdigit():
                value = int(value)  # anything else reaches the checks, which name it
            queue[field] = value if value != "" else None
        queue["ivr_path"] = queue["ivr_path"] or ""
    outcome = services.import_line(text=doc.dump(document), user=request.user, staffed=False)
    _report(request, outcome, False)


def _report(request: HttpRequest, outcome: services.Outcome, dry_run: bool) -> None:
    if dry_run:
        title = _("Проверка: изменений %d, ничего не записано.") % len(outcome.changes)
    elif outcome.changes:
        title = _("Сохранено: изменений %d.") % len(outcome.changes)
    else:
        title = _("Изменений нет.")
    request.session["launch_report"] = {"message": title, "changes": outcome.changes}
