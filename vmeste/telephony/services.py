"""The SIP edge's rules: who may register a phone, where a dialled number goes.

The only code that writes the telephony's tables; permissions are checked here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.roles import Right
from vmeste.contactcenter import ivr, ivrmenu, ringwatch
from vmeste.contactcenter import telephony as contactcenter_telephony
from vmeste.contactcenter.models import Agent, Call, IvrMenu
from vmeste.contactcenter.transitions import AgentState
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Centre, Line
from vmeste.knowledge.models import Article
from vmeste.telephony.models import SipAccount


def realm() -> str:
    return getattr(settings, "VMESTE_SIP_REALM", "vmeste")


def ha1(username: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()


def set_sip_password(*, by, username: str, password: str | None = None) -> tuple[SipAccount, str]:
    """Give an agent's phone a password (a random one when none is given); answers the
    account and the password, which is shown once and never kept."""
    agent = Agent.objects.select_related("user").filter(user__username=username).first()
    if agent is None:
        raise NotFound(_("Нет оператора линии с таким логином."))
    if by is not None and by.pk != agent.user_id and not by.can(Right.MANAGE_USERS):
        raise Forbidden()
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise ValidationFailed({"password": _("Не короче 8 символов.")})
    with transaction.atomic():
        account, _created = SipAccount.objects.update_or_create(
            agent=agent,
            defaults={
                "realm": realm(),
                "ha1": ha1(username, realm(), password),
                "changed_at": timezone.now(),
            },
        )
    return account, password


def credentials(*, username: str) -> dict:
    """What the registrar needs to check a phone's digest: HA1, never a password."""
    account = (
        SipAccount.objects.select_related("agent__user")
        .filter(agent__user__username=username, agent__user__is_active=True)
        .first()
    )
    if account is None:
        raise NotFound(_("Нет SIP-учётной записи."))
    return {"username": username, "realm": account.realm, "ha1": account.ha1}


def _digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    # Russian numbers dialled with the trunk prefix 8 are the same as +7.
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


def line_for_number(number: str, *, opening: Line | None = None) -> Line | None:
    """The open line a number reaches; ``opening``: a closed line counted as if it were
    open (its launch checklist asks where its numbers would go once it opens)."""
    wanted = _digits(number)
    if not wanted:
        return None
    candidates = Line.objects.filter(Q(is_active=True) | Q(pk=getattr(opening, "pk", None)))
    lines = [
        line
        for line in candidates.prefetch_related("regions")
        if any(_digits(str(phone)) == wanted for phone in line.phones or [])
    ]
    # A number shared by several lines (the seeds' national number is also Moscow's):
    # the line for the whole country takes it, then the first by code.
    lines.sort(key=lambda line: (len(line.regions.all()) > 0, line.code))
    return lines[0] if lines else None


def route_invite(*, number: str, opening: Line | None = None) -> dict:
    """Where the edge sends a call to ``number``: the line's voice menu, or nowhere."""
    line = line_for_number(number, opening=opening)
    if line is None:
        return {"action": "reject", "status": 404, "line": ""}
    return {"action": "menu", "status": 200, "line": line.code}


def menu_for_line(*, code: str, at: datetime | None = None) -> dict:
    """The line's voice menu as the media application walks it (``ivr.for_media``), with
    the calls' home centre and, for the robot's answers, the text the caller hears."""
    line = Line.objects.filter(code=code, is_active=True).first()
    if line is None:
        raise NotFound(_("Нет такой линии."))
    menu = ivr.for_media(line, at=at or timezone.now())
    slugs = {n["article"] for n in menu["nodes"].values() if n["kind"] == "robot"}
    said = dict(Article.objects.filter(slug__in=slugs).values_list("slug", "body"))
    for node in menu["nodes"].values():
        if node["kind"] == "robot":
            node["text"] = _spoken(said.get(node["article"], ""))
    return {**menu, "centre": home_centre(line)}


def _spoken(markdown: str) -> str:
    """An article's text as it is said: no Markdown marks, no links' addresses, the first
    1,000 characters (a caller listens to an answer, not to a page)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"[#*_`>|]+", " ", text)
    return " ".join(text.split())[:1000]


def home_centre(line: Line) -> str:
    """The centre a call of this line belongs to first: for a line of the whole country its
    national centre, for a regional line a regional one; "" when no centre serves it."""
    centres = list(Centre.objects.filter(lines=line).order_by("code"))
    national = not line.regions.exists()
    centres.sort(key=lambda c: (c.kind == Centre.Kind.NATIONAL) != national)
    return centres[0].code if centres else ""


DEFAULT_HANDLE_SECONDS = 180.0  # a queue with no answered call yet: three minutes a caller


def queue_status(*, call_id: str) -> dict:
    """A waiting caller's place in their queue (1 = next) and the expected wait: the callers
    before them and they, times the queue's mean talk time over its last 50 answered calls,
    shared by the agents of its skill signed in (at least one)."""
    call = Call.objects.select_related("queue").filter(call_id=call_id).first()
    if call is None:
        raise NotFound(_("Нет такого звонка."))
    if call.state != Call.State.WAITING or call.queue is None:
        return {"call_id": call_id, "state": call.state, "position": None,
                "expected_wait_seconds": None}  # fmt: skip
    rank = call.offered_at.timestamp() - call.priority
    waiting = Call.objects.filter(queue=call.queue, state=Call.State.WAITING).exclude(pk=call.pk)
    ahead = sum(
        1
        for offered, priority in waiting.values_list("offered_at", "priority")
        if offered.timestamp() - priority <= rank
    )
    talks = list(
        Call.objects.filter(queue=call.queue, talk_seconds__isnull=False)
        .order_by("-ended_at")
        .values_list("talk_seconds", flat=True)[:50]
    )
    handle = sum(talks) / len(talks) if talks else DEFAULT_HANDLE_SECONDS
    agents = (
        Agent.objects.exclude(state=AgentState.OFFLINE)
        .filter(skills__has_key=call.queue.skill)
        .count()
    )
    position = ahead + 1
    return {"call_id": call_id, "state": call.state, "position": position,
            "expected_wait_seconds": round(position * handle / max(1, agents))}  # fmt: skip


def registration_lost(*, username: str, at: datetime | None = None) -> dict:
    """The agent's phone left the registrar (unregistered, or its registration expired):
    the agent goes offline, as a telephony event (stored once a moment, routed after); an
    agent on a call or ringing stays (the call's own end moves them)."""
    agent = Agent.objects.select_related("user").filter(user__username=username).first()
    if agent is None:
        raise NotFound(_("Нет оператора линии с таким логином."))
    at = at or timezone.now()
    if agent.state == AgentState.OFFLINE:
        return {"agent": username, "state": agent.state, "outcome": "already offline"}
    answer = contactcenter_telephony.record_event(
        event_id=f"registration-lost:{username}:{at.isoformat()}",
        type=contactcenter_telephony.AGENT_STATE,
        at=at,
        data={"agent": username, "event": "sign_out", "reason": _("телефон не зарегистрирован")},
    )
    agent.refresh_from_db(fields=["state"])
    return {"agent": username, "state": agent.state, "outcome": answer["outcome"]}


def callback_stranded(
    *, call_id: str, at: datetime | None = None, given_at: datetime | None = None
) -> dict:
    """A callback the media node was placing when it stopped (it lists them on its disk
    and tells them on start): put back in its place (``ringwatch.put_back``, the same as a
    ring no node reported in time). Its agent's phone rung, the caller not dialled yet:
    the agent is free again and no attempt was made; the caller being dialled: a failed
    attempt, retried after the interval like any other. Answers what the dispatch decided
    next (the node places what it is given). Idempotent: the event's id is the callback's
    step. ``given_at``: the moment of the ring the node was given (``callbacks/due``); a
    ring or a dialling that began a place limit or more after it is another node's, given
    since the heartbeat took this one back, and is left alone."""
    call = Call.objects.select_related("agent__user").filter(call_id=call_id).first()
    if call is None:
        raise NotFound(_("Нет такого звонка."))
    placing = call.callback_requested and call.answered_at is None and call.agent_id
    if placing and given_at is not None:
        later = call.agent.state_since - given_at
        placing = later < timedelta(seconds=settings.CALLBACK_PLACE_SECONDS)
    if not placing or call.state not in (Call.State.RINGING, Call.State.DIALING):
        return {"call_id": call_id, "state": call.state, "outcome": "not being placed",
                "rung": [], "callback_offers": []}  # fmt: skip
    reason = _("узел медиаприложения перезапущен")
    answer = ringwatch.put_back(call, reason=reason, at=at or timezone.now())
    call.refresh_from_db(fields=["state"])
    return {**answer, "call_id": call_id, "state": call.state}


def queues_reached(line: Line) -> set[str] | None:
    """The codes of the queues a caller can reach through the voice menu the media
    application plays for ``line`` by day (any path of keys, «0» included); None when the
    line has no voice menu of its own."""
    if not IvrMenu.objects.filter(line=line).exists():
        return None
    menu = ivr.export_menu(line)
    by_id = {node["id"]: node for node in menu["nodes"]}
    reached = ivrmenu.reachable([menu["start"]], by_id)
    found = {by_id[code]["queue"] for code in reached if by_id[code]["kind"] == "queue"}
    return found | ({menu["operator_queue"]} if menu["operator_queue"] else set())
