"""Answered calls whose media node is gone: ended by Vmeste, so that no agent stays "on
call" forever and the figures close the call.

A caller's line ends at the media node that put them through to the agent (its name, the
node's SIP host:port@machine, comes with ``call_answered`` / ``callback_answered``:
``Call.media_node``). That node says ``call_ended`` when either side hangs up; a node whose
machine dies (or whose process restarts and forgets its callers) never will. Each node's
heartbeat (``POST /api/v1/telephony/dispatch``, every 1–5 s) names the node and lists every
call it holds (``record_beat``: one row a node, ``MediaNode``, one UPDATE a heartbeat
whatever the number of calls), and the heartbeat ends (``end_lost``), as one
``call_ended`` each with the reason, whose id is the call's (two server processes end it
once):

- the answered calls of a node not heard from for ``MEDIA_NODE_LOST_SECONDS`` while
  another node has been beating without a break all that time — so a Vmeste that was down
  itself (nobody heard) takes no node for lost when it comes back;
- the answered calls of a live node that its heartbeats have not listed for
  ``MEDIA_NODE_MISSING_SECONDS``: the list just received is compared with that node's
  answered calls, and a call missing is kept on the node's row with the moment first
  found so; a call answered a moment after the node made its list is missing from that
  list only, listed by the next heartbeat, and never ended.

A node that tells no name (an older one) is not watched, nor are its calls. The fold
keeps Vmeste's end: a ``call_ended`` the node sends later changes nothing (``calllog``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from vmeste.contactcenter import telephony
from vmeste.contactcenter.calllog import LOST
from vmeste.contactcenter.models import Call, MediaNode

# A node beats at least every 5 s: a longer gap breaks its run (``beating_since``).
GAP_SECONDS = 10.0
EVENT_PREFIX = "node-lost:"


def record_beat(row: MediaNode | None, *, node: str, calls: list[str], now: datetime) -> MediaNode:
    """The heartbeat of ``node`` (its row as read, or None) listing the ``calls`` it holds:
    its row written, with the answered calls of this node that the list lacks (``missing``)."""
    listed = set(calls)
    # Only this node's answered calls (the index on the call's state), one column each.
    held = Call.objects.filter(state=Call.State.ANSWERED, media_node=node)
    absent = [c for c in held.values_list("call_id", flat=True) if c not in listed]
    before = row.missing if row is not None else {}
    fields = {"seen_at": now, "holding": len(listed),
              "missing": {c: before.get(c, now.isoformat()) for c in absent}}  # fmt: skip
    if row is None:
        row = MediaNode(name=node, beating_since=now, **fields)
        MediaNode.objects.bulk_create([row], ignore_conflicts=True)
        return row
    if (now - row.seen_at).total_seconds() > GAP_SECONDS:
        fields["beating_since"] = now  # back after a gap: a new run
    MediaNode.objects.filter(pk=row.pk).update(**fields)
    for name, value in fields.items():
        setattr(row, name, value)
    return row


def missing_too_long(row: MediaNode, now: datetime) -> list[str]:
    """The calls the node's heartbeats have not listed for ``MEDIA_NODE_MISSING_SECONDS``."""
    limit = now - timedelta(seconds=settings.MEDIA_NODE_MISSING_SECONDS)
    return sorted(c for c, since in row.missing.items() if datetime.fromisoformat(since) <= limit)


def silent(nodes: list[MediaNode], now: datetime) -> list[str]:
    """The nodes not heard from for ``MEDIA_NODE_LOST_SECONDS``, when some other node was
    heard all that time (it beat lately, and without a break since before then)."""
    window = now - timedelta(seconds=settings.MEDIA_NODE_LOST_SECONDS)
    recent = now - timedelta(seconds=GAP_SECONDS)
    if not any(n.beating_since <= window and n.seen_at >= recent for n in nodes):
        return []  # nobody heard all along: Vmeste itself may have been away
    return [n.name for n in nodes if n.seen_at < window]


def end_lost(*, now: datetime, node: str = "", calls: list[str] | None = None) -> list[dict]:
    """The heartbeat's watch: ``node``'s beat recorded (when it told its name), then each
    call ``lost`` finds ended (``end``). Answers the end events' answers (what the
    dispatches after them decided)."""
    return [end(found, now=now) for found in lost(now=now, node=node, calls=calls)]


class Lost(NamedTuple):
    call_id: str
    node: str
    reason: str  # for the call's events and the agent's timeline, in the site's language


def lost(*, now: datetime, node: str = "", calls: list[str] | None = None) -> list[Lost]:
    """``node``'s beat recorded (its row; ``calls``: what it holds), then the answered
    calls it no longer lists and those of a silent node."""
    nodes = {n.name: n for n in MediaNode.objects.all()}  # a row a node: a few
    found = []
    if node:
        row = nodes[node] = record_beat(nodes.get(node), node=node, calls=calls or [], now=now)
        reason = _("узел медиаприложения больше не ведёт звонок")
        found = [Lost(c, node, reason) for c in missing_too_long(row, now)]
    names = silent(list(nodes.values()), now)
    if names:
        gone = Call.objects.filter(state=Call.State.ANSWERED, media_node__in=names)
        reason = _("узел медиаприложения не отвечает")
        rows = gone.order_by("pk").values_list("call_id", "media_node")
        ended = [Lost(call_id, name, reason) for call_id, name in rows]
        if not ended:  # all their calls ended: their rows go, not asked about forever
            _forget(names, now)
        found.extend(ended)
    return found


def _forget(names: list[str], now: datetime) -> None:
    """Silent nodes none of whose calls is still answered; one that has beaten since (it
    came back) keeps its row, and one that comes back later writes it anew."""
    window = now - timedelta(seconds=settings.MEDIA_NODE_LOST_SECONDS)
    MediaNode.objects.filter(name__in=names, seen_at__lt=window).delete()


def end(found: Lost, *, now: datetime) -> dict:
    """A lost call ended, as a ``call_ended`` whose id is the call's: a second process
    ending it too, or a second heartbeat, stores nothing and changes nothing. The agent
    goes to wrap-up as after any hang-up, the reason on their timeline."""
    digest = hashlib.sha256(found.call_id.encode()).hexdigest()[:40]
    return telephony.record_event(
        event_id=EVENT_PREFIX + digest, type="call_ended", call_id=found.call_id, at=now,
        data={"reason": found.reason[:100], LOST: found.node}, now=now,
    )  # fmt: skip
