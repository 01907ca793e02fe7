"""The agent toolbar (state and its buttons) and the supervisors' wallboard page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from vmeste.accounts.roles import Right
from vmeste.contactcenter import screenpop, services, transferorders
from vmeste.contactcenter.models import Agent, Call, Queue
from vmeste.contactcenter.transitions import (
    MANUAL_EVENTS,
    AgentEvent,
    AgentState,
    events_from,
)
from vmeste.core.errors import Forbidden, ServiceError

# The agents' states on the wall, in the order a supervisor reads them.
WALL_STATES = [
    ("available", pgettext_lazy("wall", "свободны")),
    ("ringing", pgettext_lazy("wall", "вызов")),
    ("on_call", pgettext_lazy("wall", "разговор")),
    ("wrap_up", pgettext_lazy("wall", "обработка")),
    ("on_break", pgettext_lazy("wall", "перерыв")),
    ("not_ready", pgettext_lazy("wall", "не готовы")),
]


# The warm kinds of the transfer form, by the target they name.
WARM = {"consult": "to_number", "consult_agent": "to_agent", "consult_queue": "to_queue"}
FREE_AGENTS_SHOWN = 30


def _toolbar(request: HttpRequest, *, error: str = "", notice: str = "") -> HttpResponse:
    agent = Agent.objects.filter(user=request.user).select_related("centre").first()
    if agent is None and request.GET.get("on") == "card":
        return HttpResponse("")  # the call card of someone who is no agent shows no toolbar
    context = {"agent": agent, "error": error, "buttons": [], "notice": notice}
    if agent is not None:
        context["buttons"] = events_from(AgentState(agent.state), manual_only=True)
    if agent is not None and agent.state == AgentState.ON_CALL and agent.call_id:
        # The call the agent talks on, and where it may go: the transfer form.
        call = Call.objects.filter(pk=agent.call_id, state=Call.State.ANSWERED).first()
        if call is not None and call.agent_id != agent.pk:  # a colleague consults them
            context["consulted_on"] = call
            return render(request, "contactcenter/_toolbar.html", context)
        context["call"] = call
        context["consulting"] = call is not None and transferorders.consulting(call)
        context["queues"] = Queue.objects.filter(is_active=True).order_by("code")
        # Whom a warm transfer may consult now, offered as the target is typed.
        context["free_agents"] = (
            Agent.objects.filter(state=AgentState.AVAILABLE)
            .select_related("user")
            .order_by("user__username")[:FREE_AGENTS_SHOWN]
        )
    return render(request, "contactcenter/_toolbar.html", context)


@login_required
@require_GET
def toolbar(request: HttpRequest) -> HttpResponse:
    return _toolbar(request)


@login_required
@require_POST
def toolbar_event(request: HttpRequest) -> HttpResponse:
    agent = Agent.objects.filter(user=request.user).first()
    try:
        event = AgentEvent(request.POST.get("event", ""))
    except ValueError:
        return _toolbar(request, error="unknown")
    if agent is None or event not in MANUAL_EVENTS:
        return _toolbar(request, error="unknown")
    try:
        services.change_agent_state(
            agent=agent,
            event=event,
            reason=request.POST.get("reason", "").strip()[:100],
            actor=request.user,
        )
    except ServiceError as refused:
        return _toolbar(request, error=refused.message)
    return _toolbar(request)


@login_required
@require_POST
def toolbar_transfer(request: HttpRequest) -> HttpResponse:
    """The agent transfers the caller they talk to (the same service as the API's)."""
    kind, target = request.POST.get("kind", ""), request.POST.get("target", "")[:150]
    call_id = request.POST.get("call", "")[:100]
    if kind not in ("to_queue", "to_agent", "to_number") and kind not in WARM:
        return _toolbar(request, error="unknown")
    consult = kind in WARM
    target_of = {WARM.get(kind, kind): target}
    try:
        order = transferorders.ask(user=request.user, call_id=call_id, consult=consult, **target_of)
    except ServiceError as refused:
        return _refused(request, refused)
    if consult and order.to_agent:
        notice = _("Консультация: абонент ждёт, вызываем оператора %s.") % order.to_agent
        return _toolbar(request, notice=notice)
    if consult:
        return _toolbar(request, notice=_("Консультация: абонент ждёт, набираем номер."))
    return _toolbar(request, notice=_("Перевод запрошен: звонок уходит."))


@login_required
@require_POST
def toolbar_consultation(request: HttpRequest) -> HttpResponse:
    """A warm transfer's end: «Соединить» (complete=1) or «Вернуться к абоненту»."""
    complete = request.POST.get("complete") == "1"
    try:
        order = transferorders.finish_consult(
            user=request.user, call_id=request.POST.get("call", "")[:100], complete=complete
        )
    except ServiceError as refused:
        return _refused(request, refused)
    if complete and order.to_agent:
        return _toolbar(request, notice=_("Соединяем абонента с оператором %s.") % order.to_agent)
    if complete:
        return _toolbar(request, notice=_("Соединяем абонента со специалистом."))
    return _toolbar(request, notice=_("Возвращаемся к абоненту."))


def _refused(request: HttpRequest, refused: ServiceError) -> HttpResponse:
    return _toolbar(request, error=next(iter(refused.fields.values()), [refused.message])[0])


@login_required
@require_GET
def workplace(request: HttpRequest) -> HttpResponse:
    sees_wallboard = request.user.can(Right.SEE_FIGURES)
    # A supervisor who is not an agent comes for the wallboard: no toolbar telling them so.
    toolbar = not sees_wallboard or Agent.objects.filter(user=request.user).exists()
    return render(
        request,
        "contactcenter/workplace.html",
        {
            "sees_wallboard": sees_wallboard,
            "toolbar": toolbar,
            "edits_voice_menu": request.user.can(Right.EDIT_VOICE_MENU),
        },
    )


@login_required
@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """The wallboard for a wall screen: the page itself; its figures come every 2 s."""
    if not request.user.can(Right.SEE_FIGURES):
        raise PermissionDenied  # the site's 403 page, with a way back
    return render(request, "contactcenter/wall.html", {"agent_states": WALL_STATES})


def _board(request: HttpRequest, template: str) -> HttpResponse:
    """The live figures in a fragment: the workplace's table or the wall's tiles."""
    try:
        board = services.wallboard(user=request.user)
    except Forbidden:
        return HttpResponseForbidden()
    return render(request, template, {"board": board, "agent_states": WALL_STATES})


@login_required
@require_GET
def wall_board(request: HttpRequest) -> HttpResponse:
    return _board(request, "contactcenter/_wall.html")


@login_required
@require_GET
def wallboard(request: HttpRequest) -> HttpResponse:
    return _board(request, "contactcenter/_wallboard.html")


@login_required
@require_GET
def screen_pop(request: HttpRequest) -> StreamingHttpResponse:
    """Server-sent events for the agent's browser (served by the ASGI server)."""
    if isinstance(request, ASGIRequest):
        events = screenpop.stream(request.user.pk)
    else:
        events = screenpop.snapshot(request.user.pk)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
