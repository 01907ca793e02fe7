"""What a call was, folded from its telephony events in whatever order they arrived.

Pure: no I/O. The events API stores every event once (by ``event_id``), so duplicates
change nothing; the fold sorts the events by (moment, arrival), so an "ended" that
overtook its "answered" on the wire lands in the right place; a call we never saw offered
still becomes a call (its first event stands in for the offer).

``fold`` is ``step`` applied in that order, so a call keeps its summary (``dump``) and the
position of the last event in it, and an event that comes after that position is one
``step`` on top of it: the same summary as folding all the call's events again, without
reading them. Only an event that sorts before the last one needs the whole fold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

EVENT_TYPES = (
    "call_offered",
    "call_answered",
    "call_transferred",
    "call_ended",
    "callback_requested",  # virtual hold: the caller hangs up and keeps their place
    "callback_dialing",  # the agent picked up their callback ring: the caller is dialled
    "callback_answered",  # the caller picked up the callback: they talk
    "callback_failed",  # the caller did not pick up (busy, no answer): try again later
)
# A call that ended in the voice menu on what it came for (an information message, the
# robot's answer, the night message): served, never "abandoned", and never queued.
SERVED_IN_MENU = "served_in_menu"
# The caller hung up in the voice menu, before any queue: abandoned, but never offered.
ABANDONED_IN_MENU = "abandoned_in_menu"
# The longest each field a media node tells of a call may be (the API refuses longer, and
# the call's columns hold no more): a node clips what it tells to these (``within_limits``),
# so that one odd caller (a SIP user of forty characters) never makes an event, or a whole
# heartbeat with every call of the node, refused.
TOLD_LENGTHS = {"line": 60, "centre": 60, "caller_number": 32, "ivr_path": 40}
# A call's id (the SIP Call-ID) is never cut (two could become one): a longer one is refused.
CALL_ID_LENGTH = 100


def within_limits(told: dict) -> dict:
    """``told`` with each text field of ``TOLD_LENGTHS`` cut to its length."""
    return {
        key: value[: TOLD_LENGTHS[key]] if key in TOLD_LENGTHS and isinstance(value, str) else value
        for key, value in told.items()
    }


@dataclass(frozen=True, slots=True)
class CallEvent:
    type: str
    at: datetime
    seq: int  # order of arrival, to break ties between events of the same instant
    data: dict = field(default_factory=dict)


@dataclass(slots=True)
class CallSummary:
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    line: str = ""
    caller_number: str = ""
    ivr_path: str = ""
    centre: str = ""
    queue: str = ""
    flags: tuple[str, ...] = ()
    agent: str = ""  # who has (had) the caller last
    agents: list[str] = field(default_factory=list)  # everyone who talked to them
    transfers: int = 0
    disposition: str = ""
    seen_offer: bool = False
    callback: bool = False
    left_for_callback_at: datetime | None = None
    # A blind transfer to a queue or an agent: the caller waits again since then (for
    # ``wanted_agent`` when one was named); the next answer ends the wait.
    requeued_at: datetime | None = None
    wanted_agent: str = ""
    transferred_to: str = ""  # an outside number: the call left the routing core there
    callback_attempts: int = 0  # callback_dialing events
    callback_failures: int = 0
    callback_failed_at: datetime | None = None  # the latest failure: the retry counts from it
    dialing: bool = False  # the agent is on the line, the caller's phone rings
    menu_seconds: float | None = None  # from the media application's answer to the offer
    # The media node holding the caller's line (``nodewatch``): told with the offer and the
    # answer; none while a caller who left for a callback waits off the line.
    node: str = ""

    @property
    def state(self) -> str:
        if self.ended_at is not None:
            in_menu = self.disposition == SERVED_IN_MENU and not self.seen_offer
            served = self.transferred_to or in_menu
            return "ended" if self.answered_at is not None or served else "abandoned"
        if self.dialing:
            return "dialing"
        if self.requeued_at is not None:
            return "waiting"
        return "answered" if self.answered_at is not None else "waiting"

    @property
    def wait_seconds(self) -> float | None:
        until = self.answered_at or self.ended_at
        if self.offered_at is None or until is None:
            return None
        return max(0.0, (until - self.offered_at).total_seconds())

    @property
    def talk_seconds(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.answered_at).total_seconds())


# ``call_ended`` data: Vmeste ended the call itself, its media node lost (``nodewatch``).
LOST = "lost"


def fold(events: list[CallEvent]) -> CallSummary:
    call = CallSummary()
    verdict = min((e.seq for e in events if e.type == "call_ended" and e.data.get(LOST)),
                  default=None)  # fmt: skip
    for event in sorted(events, key=position):
        if verdict is not None and event.seq > verdict:
            continue  # the node's word after Vmeste ended the call it lost: too late
        step(call, event)
    return call


def position(event: CallEvent) -> tuple[datetime, int]:
    """Where an event sorts in its call: by moment, then by order of arrival."""
    return (event.at, event.seq)


def step(call: CallSummary, event: CallEvent) -> CallSummary:
    """Fold one more event, the latest by ``position``, into the summary (changed in place)."""
    if call.offered_at is None:
        call.offered_at = event.at  # an unknown call starts with its first event
    fold = _FOLDS.get(event.type)
    if fold is None and event.type.startswith("callback_"):
        fold = _callback_step
    if fold is not None:
        fold(call, event)
    return call


def _offered(call: CallSummary, event: CallEvent) -> None:
    """The offer: its moment (even when another event came first), and what it tells of the
    call, each kept from the first event that told it."""
    data = event.data
    if not call.seen_offer:
        call.offered_at, call.seen_offer = event.at, True
    _describe(call, data)
    call.queue = call.queue or data.get("queue", "")
    call.flags = call.flags or tuple(data.get("flags", ()))
    call.node = data.get("node", "") or call.node


def _answered(call: CallSummary, event: CallEvent) -> None:
    """An agent on the line (the call or its callback): the first answer is the call's; a
    word after the end changes nothing."""
    if call.ended_at is not None:
        return
    if call.answered_at is None:
        call.answered_at = event.at
    call.requeued_at, call.wanted_agent, call.dialing = None, "", False
    call.node = event.data.get("node", "") or call.node
    _talk_to(call, event.data.get("agent", "") or call.agent)


def _callback_requested(call: CallSummary, event: CallEvent) -> None:
    if call.ended_at is not None:
        return  # too late: nobody is waiting any more
    call.callback = True
    if call.answered_at is None:
        call.node = ""  # the caller hangs up: no node holds them until a callback is placed


def _ended(call: CallSummary, event: CallEvent) -> None:
    # A call that ends in the voice menu (the caller hung up) is never offered: its one
    # event says what the offer would have.
    _describe(call, event.data)
    if call.callback and call.answered_at is None:
        # The caller hung up to be called back: the call is still waiting (a callback
        # leg hung up before the caller answered is a failed attempt that gave up nothing).
        call.left_for_callback_at = call.left_for_callback_at or event.at
        if call.dialing:
            call.dialing, call.agent = False, ""
    elif call.ended_at is None:
        call.ended_at = event.at
    call.disposition = event.data.get("disposition", "") or call.disposition


_MOMENTS = (
    "offered_at",
    "answered_at",
    "ended_at",
    "left_for_callback_at",
    "requeued_at",
    "callback_failed_at",
)


def dump(call: CallSummary) -> dict:
    """The summary as JSON-ready values (kept on the call's row)."""
    values = asdict(call)
    for name in _MOMENTS:
        moment = values[name]
        values[name] = moment.isoformat() if moment is not None else None
    values["flags"] = list(call.flags)
    return values


def load(values: dict) -> CallSummary:
    """The summary ``dump`` kept."""
    values = dict(values)
    for name in _MOMENTS:
        moment = values.get(name)
        values[name] = datetime.fromisoformat(moment) if moment else None
    values["flags"] = tuple(values.get("flags", ()))
    values["agents"] = list(values.get("agents", ()))
    return CallSummary(**values)


def _describe(call: CallSummary, data: dict) -> None:
    call.line = call.line or data.get("line", "")
    call.caller_number = call.caller_number or data.get("caller_number", "")
    call.ivr_path = call.ivr_path or data.get("ivr_path", "")
    call.centre = call.centre or data.get("centre", "")
    if call.menu_seconds is None and data.get("menu_seconds") is not None:
        call.menu_seconds = float(data["menu_seconds"])


def _transfer(call: CallSummary, event: CallEvent) -> None:
    """Blind transfer: out to a number (the call ends for us, counted once, as
    transferred), or back to waiting — in ``to_queue`` and/or for ``to_agent``. A warm
    one (``warm``) to ``to_agent``: consulted first, they have the caller now."""
    data = event.data
    _describe(call, data)  # put through to an outside number from the menu: never offered
    # The queue told is kept even from a late transfer: it may be all we know of the call.
    call.queue = data.get("to_queue") or call.queue
    if call.ended_at is not None:
        return  # too late: nobody to hand over
    call.transfers += 1
    if number := data.get("to_number", ""):
        call.transferred_to, call.ended_at = number, event.at
        call.disposition, call.dialing = "transferred", False
        return
    if data.get("warm") and data.get("to_agent"):
        call.dialing = False
        return _talk_to(call, data["to_agent"])
    call.requeued_at, call.wanted_agent = event.at, data.get("to_agent", "")
    call.agent, call.dialing = "", False


def _callback_step(call: CallSummary, event: CallEvent) -> None:
    """The callback placed: the agent on the line and the caller dialled, or it failed
    (the caller waits for the next attempt, or — ``give_up``, the last one — is lost)."""
    if call.ended_at is not None or call.answered_at is not None:
        return  # a late word about a callback that is over
    if event.type == "callback_dialing":
        call.callback_attempts += 1
        call.dialing = True
        _talk_to(call, event.data.get("agent", "") or call.agent)
        return
    call.callback_failures += 1
    call.callback_failed_at, call.dialing, call.agent = event.at, False, ""
    if event.data.get("give_up"):
        call.ended_at, call.disposition = event.at, "callback_failed"


def _talk_to(call: CallSummary, agent: str) -> None:
    if agent:
        call.agent = agent
        if agent not in call.agents:
            call.agents.append(agent)


# event type → how it changes the summary; other `callback_*` events are `_callback_step`'s
_FOLDS = {
    "call_offered": _offered,
    "call_answered": _answered,
    "callback_answered": _answered,
    "call_transferred": _transfer,
    "callback_requested": _callback_requested,
    "call_ended": _ended,
}
