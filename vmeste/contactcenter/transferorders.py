"""Transfers asked from the site: an agent on a call sends the caller to a queue, to
another agent or to an outside number from the call card's toolbar.

Vmeste does not move the caller itself (the media is the edge's): the order is kept until
the media node holding the call takes it (``claim``, asked every second while it has
callers put through to agents), which then does exactly what it does for a phone's REFER
and posts the ``call_transferred`` event. An order nobody takes within ``ORDER_SECONDS``
(the call ended meanwhile, or no node of ours holds it) is dropped, never carried out late.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.contactcenter.models import Agent, Call, TransferOrder
from vmeste.contactcenter.telephony import check_transfer
from vmeste.contactcenter.transitions import AgentState
from vmeste.core.errors import Conflict, Forbidden, ValidationFailed

ORDER_SECONDS = 30
NUMBER = re.compile(r"^\+?[0-9]{3,15}$")  # what the edge's gateway dials


def ask(
    *, user, call_id: str, to_queue: str = "", to_agent: str = "", to_number: str = ""
) -> TransferOrder:
    """The agent who is talking to the caller of ``call_id`` asks to transfer them (one
    target). Refused, changing nothing: not their call now, a target that does not exist,
    a transfer already asked and not yet done."""
    to_queue, to_agent, to_number = to_queue.strip(), to_agent.strip(), to_number.strip()
    agent = Agent.objects.select_related("user").filter(user=user).first()
    if agent is None:
        raise Forbidden(_("Вы не подключены к колл-центру как оператор линии."))
    if sum(bool(t) for t in (to_queue, to_agent, to_number)) != 1:
        raise ValidationFailed({"to_queue": _("Укажите одно: очередь, оператора или номер.")})
    if to_number and not NUMBER.match(re.sub(r"[\s()-]", "", to_number)):
        raise ValidationFailed({"to_number": _("Номер: от 3 до 15 цифр, можно с «+».")})
    to_number = re.sub(r"[\s()-]", "", to_number)
    if to_agent == agent.user.username:
        raise ValidationFailed({"to_agent": _("Нельзя перевести звонок на себя.")})
    check_transfer({"to_queue": to_queue, "to_agent": to_agent, "to_number": to_number})
    with transaction.atomic():
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
        return TransferOrder.objects.create(
            call=call, asked_by=agent, to_queue=to_queue, to_agent=to_agent, to_number=to_number
        )


def _open(now: datetime):
    since = now - timedelta(seconds=ORDER_SECONDS)
    return TransferOrder.objects.filter(taken_at__isnull=True, asked_at__gte=since)


def claim(*, call_ids: list[str], now: datetime | None = None) -> list[dict]:
    """The orders for the calls a media node holds, taken by it (each once: a second
    claim of the same order finds it taken)."""
    now = now or timezone.now()
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
                    "to_queue": order.to_queue,
                    "to_agent": order.to_agent,
                    "to_number": order.to_number,
                    "asked_by": order.asked_by.user.username,
                }
            )
    return taken
