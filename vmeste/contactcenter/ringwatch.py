"""Rings no media node ever reported on: taken back, so that no agent rings forever.

The dispatch gives a call to an agent in its answer to one media node (``rung``): a
callback for that node to place, a caller's ring for the node holding the caller. That
node then reports each step — ``callback_dialing`` (or the agent's ``no_answer``) within
the 20 s it rings the agent, ``call_answered`` or ``no_answer`` for a caller's ring,
``callback_answered`` or ``callback_failed`` within the 20 s it rings a callback's
caller. A node that never comes back (its machine gone, its ledger lost) or an answer
lost on the wire leaves the call ringing and its agent held, with nobody to say so.

The telephony's heartbeat (``POST /api/v1/telephony/dispatch``, every 1–5 s from every
live node) asks first for such rings: one query over the calls ringing or dialling (the
index on ``Call.state``), which in the normal case finds none. Each one found is put
back by ``put_back`` — the same path as a node that restarts and tells its ledger
(``telephony.services.callback_stranded``) — as a telephony event whose id is the ring's
step: two server processes finding it at once change it once, and a node that comes
back later and tells the same ring changes nothing more.

When every node is gone nobody beats, and a ring given before stays ringing: ``sweep``,
``vmeste worker``'s job every 30 s, takes such rings back too, once the node watch finds
no node heard for ``MEDIA_NODE_ALL_GONE_SECONDS`` (``nodewatch.swept``). While a node is
heard its heartbeats do it, and give the call again in their answer to a node; the
worker's answer reaches none.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.contactcenter import holding, nodewatch, telephony
from vmeste.contactcenter.dispatch import Dispatched, Rung, dispatch_if_due
from vmeste.contactcenter.models import Call, TelephonyEvent
from vmeste.contactcenter.transitions import AgentState

STRANDED = "stranded:"  # the ids of the put-back events (an event id holds 100 characters)


def heartbeat(
    *,
    now: datetime | None = None,
    node: str = "",
    calls: list[str] | None = None,
    menu: list[dict] | None = None,
) -> Dispatched:
    """The telephony's heartbeat: the calls of media nodes gone ended (``node``,
    the one that asked, listing the ``calls`` it holds and its callers in the voice
    ``menu``: ``nodewatch``), the rings nobody reported taken back, then the dispatch; what
    all decided, for the node that asked."""
    now = now or timezone.now()
    ended = nodewatch.end_lost(now=now, node=node, calls=calls, menu=menu or ())
    taken = _decided(ended + take_back_unreported(now=now))
    # asked first without locks (nothing due: no lock taken); a ring taken back made a
    # call wait, which that check sees
    decided = dispatch_if_due(now=now)
    return Dispatched(taken.rung + decided.rung, taken.callback_offers + decided.callback_offers)


def sweep(*, now: datetime) -> dict[str, int]:
    """``vmeste worker``'s watch, for when no heartbeat comes (``privacy.schedule``): the
    calls of nodes gone ended (waiting or answered), and, when no node is heard at all,
    the rings nobody reported taken back. Answers how many of each this sweep changed (another
    worker's sweep may have changed them first: a copy, changing nothing), for the
    task's result."""
    found = nodewatch.swept(now=now)
    ended = [nodewatch.end(lost, now=now) for lost in found.lost]
    taken = take_back_unreported(now=now) if found.all_gone else []
    return {"ended": _changed(ended), "taken_back": _changed(taken)}


def _changed(answers: list[dict]) -> int:
    return sum(not answer["duplicate"] for answer in answers)


def unreported(now: datetime) -> list[Call]:
    """The calls given to an agent that no media node has reported on in time: ringing
    for ``CALLBACK_PLACE_SECONDS`` (their agent ringing since), or a callback's caller
    dialled for ``CALLBACK_DIAL_SECONDS`` (their agent on the line since)."""
    ringing = now - timedelta(seconds=settings.CALLBACK_PLACE_SECONDS)
    dialling = now - timedelta(seconds=settings.CALLBACK_DIAL_SECONDS)
    late = Q(
        state=Call.State.RINGING, agent__state=AgentState.RINGING, agent__state_since__lte=ringing
    ) | Q(
        state=Call.State.DIALING, agent__state=AgentState.ON_CALL, agent__state_since__lte=dialling
    )
    return list(
        Call.objects.filter(state__in=(Call.State.RINGING, Call.State.DIALING), agent__call=F("pk"))
        .filter(late)
        .select_related("agent__user")
        .order_by("pk")
    )


def take_back_unreported(*, now: datetime) -> list[dict]:
    """Each ring nobody reported put back (``put_back``); a caller's ring taken back
    once already ends the call instead. Answers the events' answers."""
    answers = []
    reason = _("узел медиаприложения не сообщил о вызове")
    for call in unreported(now):
        if not holding.is_callback(call) and _taken_back_before(call):
            answers.append(_end(call, at=now))
        else:
            answers.append(put_back(call, reason=reason, at=now))
    return answers


def _decided(answers: list[dict]) -> Dispatched:
    """What the events' answers decided, as one."""
    rung, offers = [], []
    for answer in answers:
        rung.extend(Rung(**r) for r in answer.get("rung", []))
        offers.extend(answer.get("callback_offers", []))
    return Dispatched(rung, offers)


def put_back(call: Call, *, reason: str, at: datetime) -> dict:
    """A call given to an agent (``call.agent`` loaded), ringing or a callback dialling,
    back in its place. Ringing: the agent's phone never (or no longer) reached by the
    node, so the agent is free again — ``caller_gone``, not ``no_answer``: a ring-out
    makes the agent not ready because they are probably away, and this ring is not theirs
    to answer —, the reason on their timeline, no callback attempt made. A callback's
    caller being dialled: a failed attempt (``callback_failed``), retried after the
    interval like any other; the agent, who was on the line, goes to wrap-up. Answers the
    event's answer (what the dispatch decided next). Idempotent: the event's id is the
    ring's step."""
    step = STRANDED + _step(call)
    if call.state == Call.State.RINGING:
        data = {"agent": call.agent.user.username, "event": "caller_gone", "reason": reason,
                "call": call.call_id}  # fmt: skip
        kind, about = telephony.AGENT_STATE, ""
    else:
        data, kind, about = {"reason": reason}, "callback_failed", call.call_id
    return telephony.record_event(event_id=step, type=kind, call_id=about, at=at, data=data, now=at)


def _step(call: Call) -> str:
    """This ring or this dialling, and no other: a later one of the same call is new."""
    since = call.agent.state_since.isoformat()
    moment = f"{call.call_id}:{call.state}:{since}:{call.callback_failures}"
    return hashlib.sha256(moment.encode()).hexdigest()[:40]


def _taken_back_before(call: Call) -> bool:
    """Whether a ring of this caller went unreported before: their node is most likely
    gone with them (asked only of a ring found unreported: no cost otherwise)."""
    return TelephonyEvent.objects.filter(
        type=telephony.AGENT_STATE, event_id__startswith=STRANDED, data__call=call.call_id
    ).exists()


def _end(call: Call, *, at: datetime) -> dict:
    """A caller's second ring nobody reported: the node holding them is gone, and them
    with it (a caller's line ends at their node); ended unanswered, like a caller who hung
    up while it rang — else it would take an agent for a minute, again and again."""
    return telephony.record_event(
        event_id=f"{STRANDED}end:{_step(call)}", type="call_ended", call_id=call.call_id,
        at=at, data={"reason": "ring unreported twice"}, now=at,
    )  # fmt: skip
