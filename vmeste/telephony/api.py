"""The SIP edge's questions to Vmeste (Kamailio's http_client and the media application),
answered to the ``telephony`` service account only."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from vmeste.accounts.roles import Right
from vmeste.contactcenter import transferorders
from vmeste.core.errors import Forbidden
from vmeste.telephony import services

router = Router(tags=["telephony"])


def _edge(request: HttpRequest) -> None:
    if not request.user.can(Right.TELEPHONY_EVENTS):
        raise Forbidden()


class RouteOut(Schema):
    action: str  # "menu": to the media application with the line; "reject": answer `status`
    status: int
    line: str


class CredentialsOut(Schema):
    username: str
    realm: str
    ha1: str


@router.get("/telephony/edge/route", response=RouteOut)
def edge_route(request: HttpRequest, number: str):
    """Where a call to ``number`` (the INVITE's R-URI user) goes."""
    _edge(request)
    return services.route_invite(number=number)


@router.get("/telephony/edge/credentials/{username}", response=CredentialsOut)
def edge_credentials(request: HttpRequest, username: str):
    """A phone's digest HA1 for the registrar (404: no such account)."""
    _edge(request)
    return services.credentials(username=username)


class QueueStatusOut(Schema):
    call_id: str
    state: str
    position: int | None  # 1: the next one answered; null: not waiting in a queue
    expected_wait_seconds: int | None


@router.get("/telephony/edge/calls/{call_id}/queue", response=QueueStatusOut)
def edge_queue_status(request: HttpRequest, call_id: str):
    """A waiting caller's place and expected wait, for the queue's announcements."""
    _edge(request)
    return services.queue_status(call_id=call_id)


class RegistrationLostOut(Schema):
    agent: str
    state: str  # the agent's state now: "offline", or what kept them (on a call)
    outcome: str  # "" when they went offline, else why not


@router.post("/telephony/edge/registrations/{username}/lost", response=RegistrationLostOut)
def edge_registration_lost(request: HttpRequest, username: str):
    """The registrar lost the agent's phone (unregistered, expired): the agent goes offline."""
    _edge(request)
    return services.registration_lost(username=username)


@router.get("/telephony/edge/menu/{line}")
def edge_menu(request: HttpRequest, line: str):
    """The line's voice menu as the media application walks it: ``ivr.for_media``'s nodes
    (the line's hours chose ``entry``), the home ``centre``, the robot nodes' ``text``."""
    _edge(request)
    return services.menu_for_line(code=line)


class StrandedOut(Schema):
    call_id: str
    state: str  # the call's state now: waiting (re-queued), ringing (given again), …
    outcome: str  # "not being placed" when there was nothing to put back
    rung: list[dict] = []  # what the dispatch decided next, as in an event's answer
    callback_offers: list[str] = []


class StrandedIn(Schema):
    given_at: datetime | None = Field(
        None, description="the ring's moment from callbacks/due: a later ring is not put back"
    )


@router.post("/telephony/edge/callbacks/{call_id}/stranded", response=StrandedOut)
def edge_callback_stranded(request: HttpRequest, call_id: str, payload: StrandedIn):
    """A callback the media node was placing when it stopped: back in its place."""
    _edge(request)
    given_at = payload.given_at
    if given_at is not None and timezone.is_naive(given_at):
        given_at = timezone.make_aware(given_at)
    return services.callback_stranded(call_id=call_id, given_at=given_at)


class ClaimIn(Schema):
    call_ids: list[str] = Field(default_factory=list, max_length=1000)


class TransferOrderOut(Schema):
    call_id: str
    step: str  # blind | consult | complete | return (the steps of a warm transfer)
    to_queue: str  # one of the three is given
    to_agent: str
    to_number: str
    asked_by: str  # the agent who asked, from the call card


@router.post("/telephony/edge/transfers/claim", response=list[TransferOrderOut])
def edge_claim_transfers(request: HttpRequest, payload: ClaimIn):
    """The transfers agents asked for from the site, for the calls this media node holds
    (``call_ids``): each given once, to the node that claims it; the node carries it out."""
    _edge(request)
    return transferorders.claim(call_ids=payload.call_ids)
