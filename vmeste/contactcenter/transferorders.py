"""Transfers asked from the site: an agent on a call sends the caller to a queue, to
another agent or to an outside number from the call card's toolbar.

A warm transfer is three orders: ``consult`` (the caller held, the target rung and put
through to the agent), then ``complete`` or ``return``. The target is an outside number,
a colleague by name, or the next free agent of a queue: a colleague is reserved for the
call while they are consulted (``consults``), refused when nobody is free.

Vmeste does not move the caller itself (the media is the edge's): the order is kept until
the media node holding the call takes it (``claim``, asked every second while it has
callers put through to agents — a callback whose caller answered among them), which then
does exactly what it does for a phone's REFER and posts the ``call_transferred`` event. An
order nobody takes within ``ORDER_SECONDS`` (the call ended meanwhile, or no node of ours
holds it) is dropped, never carried out late.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.contactcenter import consults
from vmeste.contactcenter.models import Agent, Call, TransferOrder
from vmeste.contactcenter.telephony import check_transfer
from vmeste.contactcenter.transitions import AgentState
from vmeste.core.errors import Conflict, Forbidden, ValidationFailed

ORDER_SECONDS = 30
NUMBER = re.compile(r"^\+?[0-9]{3,15}$")  # what the edge's gateway dials


def ask(
    *,
    user,
    call_id: str,
    to_queue: str = "",
    to_agent: str = "",
    to_number: str = "",
    consult: bool = False,
) -> TransferOrder:
    """The agent who is talking to the caller of ``call_id`` asks to transfer them (one
    target), blind or — ``consult`` — after talking to it first (a colleague consulted, or
    the queue's next free agent, is reserved: ``consults.reserve``). Refused, changing
    nothing: not their call now, a target that does not exist, a transfer already asked
    and not yet done, a consultation going on, nobody free to consult."""
    to_queue, to_agent, to_number = to_queue.strip(), to_agent.strip(), to_number.strip()
    agent = _agent(user)
    if sum(bool(t) for t in (to_queue, to_agent, to_number)) != 1:
        raise ValidationFailed({"to_queue": _("Укажите одно: очередь, оператора или номер.")})
    if to_number and not NUMBER.match(re.sub(r"[\s()-]", "", to_number)):
        raise ValidationFailed({"to_number": _("Номер: от 3 до 15 цифр, можно с «+».")})
    to_number = re.sub(r"[\s()-]", "", to_number)
    if to_agent == agent.user.username:
        raise ValidationFailed({"to_agent": _("Нельзя перевести звонок на себя.")})
    check_transfer({"to_queue": to_queue, "to_agent": to_agent, "to_number": to_number})
    with transaction.atomic():
        call = _held(agent, call_id)
        if consulting(call) is not None:
            raise Conflict(_("Идёт консультация: соедините абонента или вернитесь к нему."))
        step = TransferOrder.Step.CONSULT if consult else TransferOrder.Step.BLIND
        now = timezone.now()
        if consult and not to_number:
            colleague = consults.reserve(
                call=call, asker=agent, to_agent=to_agent, to_queue=to_queue, now=now
            )
            to_agent = colleague.user.username
        return TransferOrder.objects.create(
            call=call, asked_by=agent, step=step, asked_at=now,
            to_queue=to_queue, to_agent=to_agent, to_number=to_number,
        )  # fmt: skip


def finish_consult(*, user, call_id: str, complete: bool) -> TransferOrder:
    """The consultation over: the caller put through to whom they consulted
    (``complete``), or the agent back with the caller."""
    agent = _agent(user)
    with transaction.atomic():
        call = _held(agent, call_id)
        consult = consulting(call)
        if consult is None:
            raise Conflict(_("По этому звонку нет консультации."))
        step = TransferOrder.Step.COMPLETE if complete else TransferOrder.Step.RETURN
        return TransferOrder.objects.create(
            call=call, asked_by=agent, step=step, to_number=consult.to_number,
            to_agent=consult.to_agent, to_queue=consult.to_queue,
        )  # fmt: skip


def consulting(call: Call) -> TransferOrder | None:
    """The consultation of this call going on (asked or taken, not finished), if any."""
    last = (
        TransferOrder.objects.filter(call=call)
        .exclude(step=TransferOrder.Step.BLIND)
        .order_by("-pk")
        .first()
    )
    if last is None or last.step != TransferOrder.Step.CONSULT:
        return None
    fresh = last.asked_at >= timezone.now() - timedelta(seconds=ORDER_SECONDS)
    return last if last.taken_at is not None or fresh else None


def _agent(user) -> Agent:
    agent = Agent.objects.select_related("user").filter(user=user).first()
    if agent is None:
        raise Forbidden(_("Вы не подключены к колл-центру как оператор линии."))
    return agent


def _held(agent: Agent, call_id: str) -> Call:
    """The call, locked, when the agent is talking on it and no order of it is pending."""
    call = Call.objects.select_for_update().filter(call_id=call_id).first()
    held = (
        call is not None
        and call.state == Call.State.ANSWERED
        and call.agent_id == agent.pk
        and Agent.objects.filter(pk=agent.pk, state=AgentState.ON_CALL, call=call).exists()
    )
    if not held:
        raise Conflict(_("Перевести можно только звонок, который вы сейчас ведёте."))
    if _open(timezone.now()).filter(call=call).exists():
        raise Conflict(_("Перевод этого звонка уже запрошен."))
    return call


def _open(now: datetime):
    since = now - timedelta(seconds=ORDER_SECONDS)
    return TransferOrder.objects.filter(taken_at__isnull=True, asked_at__gte=since)


def claim(*, call_ids: list[str], now: datetime | None = None) -> list[dict]:
    """The orders for the calls a media node holds, taken by it (each once: a second
    claim of the same order finds it taken)."""
    now = now or timezone.now()
    consults.release_stale(now)  # asked every second while calls talk: the sweep rides it
    orders = list(
        _open(now)
        .filter(call__call_id__in=call_ids[:1000])
        .select_related("call", "asked_by__user")
    )
    taken = []
    for order in orders:
        if TransferOrder.objects.filter(pk=order.pk, taken_at__isnull=True).update(taken_at=now):
            taken.append(
                {
                    "call_id": order.call.call_id,
                    "step": order.step,
                    "to_queue": order.to_queue,
                    "to_agent": order.to_agent,
                    "to_number": order.to_number,
                    "asked_by": order.asked_by.user.username,
                }
            )
    return taken
