"""Contact centre API: the supervisors' wallboard, the telephony's events, an agent's
transfer asked from the site."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from vmeste.accounts.roles import Right
from vmeste.contactcenter import ivrapi, ringwatch, services, telephony, transferorders
from vmeste.contactcenter.calllog import CALL_ID_LENGTH, TOLD_LENGTHS
from vmeste.core.dates import CalendarMoment
from vmeste.core.errors import Forbidden

router = Router(tags=["contactcenter"])
router.add_router("", ivrapi.router)


class LineBoard(Schema):
    line: str
    line_name: str = Field(description="in the interface language (see the language cookie)")
    waiting: int
    longest_wait_seconds: float
    offered_today: int
    answered_today: int
    answered_within_target_today: int
    abandoned_today: int = Field(description="hung up while waiting in a queue")
    abandoned_in_menu_today: int = Field(
        description="hung up in the voice menu, before any queue: not offered"
    )
    served_in_menu_today: int = Field(
        description="ended in the voice menu on a message or the robot's answer: not offered"
    )
    service_level_today: float | None
    target_share: float | None = Field(description="the line's strictest queue's target share")
    target_seconds: int | None = Field(description="… answered within this many seconds")
    service_level_status: str | None = Field(
        description="good (at or above target), warning (within 10 points below), bad"
    )


class CentreBoard(Schema):
    centre: str
    centre_name: str
    time_zone: str = Field(description="the centre's IANA zone: its lines' figures of today "
                           "count from midnight there")  # fmt: skip
    local_time: str = Field(description="HH:MM where the centre is")
    agents: dict[str, int]
    lines: list[LineBoard]


class Wallboard(Schema):
    at: str
    service_level_definition: str
    centres: list[CentreBoard]


@router.get("/contactcenter/wallboard", response=Wallboard)
def wallboard(request: HttpRequest):
    """Live figures per centre and line; refreshed at most once a second for everyone."""
    return services.wallboard(user=request.user)


class TelephonyEventIn(Schema):
    event_id: str = Field(min_length=1, max_length=100)
    type: str = Field(
        description="call_offered | call_answered | call_transferred | call_ended | "
        "callback_requested | callback_dialing | callback_answered | callback_failed | "
        "agent_state | consult"
    )
    call_id: str = Field("", max_length=CALL_ID_LENGTH)
    at: CalendarMoment
    line: str = Field("", max_length=TOLD_LENGTHS["line"])
    caller_number: str = Field("", max_length=TOLD_LENGTHS["caller_number"])
    ivr_path: str = Field("", max_length=TOLD_LENGTHS["ivr_path"])
    menu_seconds: float | None = Field(
        None, ge=0, le=86400, description="time in the voice menu (call_offered, or call_ended "
        "of a call that ended in the menu: disposition abandoned_in_menu or served_in_menu)"
    )  # fmt: skip
    centre: str = Field("", max_length=TOLD_LENGTHS["centre"])
    queue: str = Field("", max_length=60)
    flags: list[str] = Field(default_factory=list, description="age_60_plus, critical, ...")
    agent: str = Field("", max_length=150, description="the agent's username")
    to_agent: str = Field("", max_length=150)
    to_queue: str = Field("", max_length=60)
    to_number: str = Field(
        "", max_length=32, description="call_transferred out to a specialist's number"
    )
    warm: bool | None = Field(
        None, description="call_transferred to_agent after consulting them: theirs at once"
    )
    outcome: str = Field(
        "", max_length=10, description="consult (the colleague of a warm transfer, agent): "
        "answered | failed (busy, no answer) | over (given back to the caller, hung up)"
    )  # fmt: skip
    disposition: str = Field("", max_length=40)
    node: str = Field(
        "", max_length=100, description="call_offered, call_answered, callback_answered: the "
        "media node (its SIP host:port@machine) holding the call, which its heartbeat lists "
        "(``calls``)"
    )  # fmt: skip
    event: str = Field("", max_length=20, description="agent_state: sign_in, ready, ...")
    reason: str = Field("", max_length=100)


class CallStateOut(Schema):
    call_id: str
    state: str
    queue: str | None
    agent: str | None
    wait_seconds: float | None
    talk_seconds: float | None
    callback: bool = False  # true: the caller is waiting for us to dial them back
    callback_offered: bool = False  # true: the caller has been offered a callback (max wait)


class RungOut(Schema):
    call_id: str
    agent: str = Field(description="ring this agent's phone (their username)")
    callback: bool = Field(description="true: dial the caller back, then bridge the agent")


class TelephonyEventOut(Schema):
    event_id: str
    duplicate: bool
    outcome: str
    call: CallStateOut | None = None
    rung: list[RungOut] = Field(
        default_factory=list, description="calls the router gave to agents just now"
    )
    callback_offers: list[str] = Field(
        default_factory=list,
        description="call ids whose callers waited the queue's maximum: the IVR offers "
        "them a callback now (each call is listed once)",
    )


class MenuCallerIn(Schema):
    call_id: str = Field(min_length=1, max_length=CALL_ID_LENGTH)
    line: str = Field("", max_length=TOLD_LENGTHS["line"])
    centre: str = Field("", max_length=TOLD_LENGTHS["centre"])
    caller_number: str = Field("", max_length=TOLD_LENGTHS["caller_number"])
    ivr_path: str = Field(
        "", max_length=TOLD_LENGTHS["ivr_path"], description="the branch chosen so far"
    )
    menu_seconds: float = Field(0, ge=0, le=86400, description="in the menu until now")
    served: bool = Field(False, description="a message or the robot's answer under way")


class HeartbeatIn(Schema):
    node: str = Field(
        "", max_length=100, description="the media node's SIP host:port@machine; none: its calls "
        "are not watched"
    )  # fmt: skip
    calls: list[str] = Field(
        default_factory=list, max_length=10000, description="every call the node holds now: "
        "a call of this node (waiting or answered) missing from its heartbeats is ended"
    )  # fmt: skip
    menu: list[MenuCallerIn] = Field(
        default_factory=list, max_length=10000, description="the node's callers in the voice "
        "menu, not yet offered to a queue: when the node is found gone, Vmeste ends them as "
        "the node would have (abandoned_in_menu, or served_in_menu when served)"
    )  # fmt: skip


class DispatchOut(Schema):
    rung: list[RungOut]
    callback_offers: list[str]


@router.post("/telephony/events", response=TelephonyEventOut)
def telephony_event(request: HttpRequest, payload: TelephonyEventIn):
    """One event from the telephony. The same event twice changes nothing; events may
    arrive out of order; events of calls never offered are kept and folded all the same."""
    if not request.user.can(Right.TELEPHONY_EVENTS):
        raise Forbidden()
    fields = payload.dict()
    at = fields.pop("at")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return telephony.record_event(
        event_id=fields.pop("event_id"),
        type=fields.pop("type"),
        call_id=fields.pop("call_id"),
        at=at,
        data=fields,
    )


class CallbackDueOut(Schema):
    call_id: str
    intent: str = Field(description="place_callback: ring the agent, then dial the caller")
    agent: str
    caller_number: str
    line: str
    attempt: int = Field(description="1 for the first attempt")
    offered_at: str
    given_at: str = Field(
        description="when the dispatch gave it to the agent: told back with …/stranded, so "
        "that a node's word on a ring taken back and given again since changes nothing"
    )


@router.get("/telephony/callbacks/due", response=list[CallbackDueOut])
def telephony_callbacks_due(request: HttpRequest):
    """Callbacks to place now (given to an agent, within the caller's daytime, retry
    due). Then: callback_dialing (the agent is on the line), callback_answered or
    callback_failed."""
    if not request.user.can(Right.TELEPHONY_EVENTS):
        raise Forbidden()
    return telephony.callbacks_due(now=timezone.now())


@router.post("/telephony/dispatch", response=DispatchOut)
def telephony_dispatch(request: HttpRequest, payload: HeartbeatIn | None = None):
    """The telephony's heartbeat (every second while callers wait): routes what time made
    due (wrap-ups over, waits long enough to widen who may answer) and names the callers
    who reached the queue's maximum wait since; events route only what they change. A
    ring no media node reported on in time (``VMESTE_CALLBACK_PLACE_SECONDS``) is taken
    back first, and given again here; a call (waiting or answered) whose node is gone
    (``VMESTE_MEDIA_NODE_LOST_SECONDS``) or no longer lists it is ended, and so is a caller
    the gone node's last heartbeat had in its voice menu (``menu``)."""
    if not request.user.can(Right.TELEPHONY_EVENTS):
        raise Forbidden()
    beat = payload or HeartbeatIn()
    menu = [caller.dict() for caller in beat.menu]
    return ringwatch.heartbeat(node=beat.node, calls=beat.calls, menu=menu).as_dict()


class TransferIn(Schema):
    to_queue: str = Field("", max_length=60, description="a queue's code")
    to_agent: str = Field("", max_length=150, description="an agent's username")
    to_number: str = Field("", max_length=32, description="an outside specialist's number")
    consult: bool = Field(
        False, description="warm: talk to the target first (a number, an agent, or the next "
        "free agent of the queue, reserved meanwhile; 409 when nobody is free)"
    )  # fmt: skip


class ConsultEndIn(Schema):
    complete: bool = Field(description="true: put the caller through; false: back to them")


class TransferAskedOut(Schema):
    call_id: str
    asked_at: datetime
    state: str = Field(description="asked: the media node holding the call carries it out")


@router.post("/contactcenter/calls/{call_id}/transfer", response={202: TransferAskedOut})
def transfer_call(request: HttpRequest, call_id: str, payload: TransferIn):
    """The agent talking to the caller transfers them, blind or after consulting the
    target (``consult``): to a queue, another agent or an outside number — one of them.
    409: not their call now, a transfer already asked, nobody free to consult."""
    order = transferorders.ask(user=request.user, call_id=call_id, **payload.dict())
    return Status(202, {"call_id": call_id, "asked_at": order.asked_at, "state": "asked"})


@router.post("/contactcenter/calls/{call_id}/consultation/end", response={202: TransferAskedOut})
def end_consultation(request: HttpRequest, call_id: str, payload: ConsultEndIn):
    """A warm transfer's end: the caller put through to the number consulted, or the agent
    back with the caller. 409: no consultation going on for this call."""
    order = transferorders.finish_consult(
        user=request.user, call_id=call_id, complete=payload.complete
    )
    return Status(202, {"call_id": call_id, "asked_at": order.asked_at, "state": "asked"})
