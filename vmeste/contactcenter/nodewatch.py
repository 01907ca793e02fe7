"""Calls whose media node is gone: ended by Vmeste, so that no agent stays "on call" (or
is rung for a caller nobody holds) forever and the figures close the call.

A caller's line ends at the media node that holds it, from the voice menu to the end of
the conversation; its name (the node's SIP host:port@machine) comes with ``call_offered``
and with ``call_answered`` / ``callback_answered``: ``Call.media_node``. That node says
``call_ended`` when either side hangs up; a node whose machine dies (or whose process
restarts and forgets its callers) never will. The calls watched (``HELD``) are those the
node holds for us: answered, and waiting or ringing an agent (a caller who left for a
callback waits off the line, with no node: ``calllog``). Each node's heartbeat
(``POST /api/v1/telephony/dispatch``, every 1–5 s) names the node and lists every call it
holds (``record_beat``: one row a node, ``MediaNode``, one UPDATE a heartbeat whatever
the number of calls), and the heartbeat ends (``end_lost``), as one ``call_ended`` each
with the reason, whose id is the call's (two server processes end it once):

- the calls of a node not heard from for ``MEDIA_NODE_LOST_SECONDS`` while another node
  has been beating without a break all that time — so a Vmeste that was down itself
  (nobody heard) takes no node for lost when it comes back;
- the calls of a live node that its heartbeats have not listed for
  ``MEDIA_NODE_MISSING_SECONDS``: the list just received is compared with that node's
  calls, and a call missing is kept on the node's row with the moment first found so; a
  call offered or answered a moment after the node made its list is missing from that
  list only, listed by the next heartbeat, and never ended.

An answered call ends answered (its agent to wrap-up); a waiting one ends unanswered,
abandoned (an agent being rung for it is free again, ``caller_gone``).

When every node is gone nobody beats: ``vmeste worker`` sweeps every 30 s instead
(``swept``, run by ``ringwatch.sweep``), with its own row (``WATCHER``: the start of its
unbroken run of sweeps). It runs the silent-node rule above, and ends the calls of a node
not heard from for ``MEDIA_NODE_ALL_GONE_SECONDS`` while the worker swept all that time,
whether another node is heard or not — the case that matters being none.

A caller still in the voice menu is unknown to Vmeste (no call before the offer), so
each heartbeat also lists the node's menu callers with what their end would tell (line,
centre, number, branch so far; ``in_menu`` on the node's row, with since when the node
has had each). When the node is found gone, those of its last beat that Vmeste still has
no call of are ended as the node would have ended them, hung up in the menu (or served
there, when a message was under way), their time in the menu counted to the node's last
beat. A caller who spent less than one heartbeat (up to 5 s) in the menu of a node that
died is not known. A live node's menu callers are not watched: their end or their offer
is the node's own word, which its outbox retries.

A node that tells no name (an older one) is not watched, nor are its calls. The fold
keeps Vmeste's end: what the node says later changes nothing (``calllog``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from vmeste.contactcenter import telephony
from vmeste.contactcenter.calllog import ABANDONED_IN_MENU, LOST, SERVED_IN_MENU, TOLD_LENGTHS
from vmeste.contactcenter.models import Call, MediaNode

# A node beats at least every 5 s: a longer gap breaks its run (``beating_since``).
GAP_SECONDS = 10.0
EVENT_PREFIX = "node-lost:"
# The worker's sweep keeps a row like a node's, under a name no node's host:port@machine
# has. It sweeps every 30 s (``privacy.schedule``): a sweep more than three periods after
# the last (the worker stopped, or its queue held up that long) begins a new run.
WATCHER = "vmeste worker"
SWEEP_GAP_SECONDS = 90.0
# The states of a call a node holds (the index on the call's state): a caller waiting in
# its queue or ringing an agent, or talking to one.
HELD = (Call.State.WAITING, Call.State.RINGING, Call.State.ANSWERED)
# What a heartbeat tells of a caller in the voice menu, kept for their end (``in_menu``):
# the fields a node tells of any call that never reached its queue.
TOLD = tuple(TOLD_LENGTHS)


def record_beat(
    row: MediaNode | None,
    *,
    node: str,
    calls: list[str],
    now: datetime,
    menu: Iterable[dict] = (),
) -> MediaNode:
    """The heartbeat of ``node`` (its row as read, or None) listing the ``calls`` it holds
    and its callers in the voice ``menu``: its row written, with the calls of this node
    (``HELD``) that the list lacks (``missing``)."""
    listed = set(calls)
    # Only this node's calls (the index on the call's state), one column each.
    held = Call.objects.filter(state__in=HELD, media_node=node)
    absent = [c for c in held.values_list("call_id", flat=True) if c not in listed]
    before = row.missing if row is not None else {}
    missing = {c: before.get(c, now.isoformat()) for c in absent}
    in_menu = _in_menu(row.in_menu if row is not None else {}, menu, now)
    return _beat(
        row, name=node, now=now, gap=GAP_SECONDS, holding=len(listed), missing=missing,
        in_menu=in_menu,
    )  # fmt: skip


def _in_menu(before: dict, menu: Iterable[dict], now: datetime) -> dict:
    """The menu callers as this beat lists them: what their end would tell, whether a
    message was under way (``served``), and since when the node has had them (kept from
    the beat that first listed them, else worked out from the time it says they spent)."""
    callers = {}
    for caller in menu:
        first = before.get(caller["call_id"], {}).get("since")
        since = first or (now - timedelta(seconds=caller.get("menu_seconds") or 0)).isoformat()
        told = {key: caller.get(key) or "" for key in TOLD}
        callers[caller["call_id"]] = {**told, "served": bool(caller.get("served")), "since": since}
    return callers


def _beat(row: MediaNode | None, *, name: str, now: datetime, gap: float, **fields) -> MediaNode:
    """A beat of ``name`` written on its row (as read, or None: made), one statement; a
    beat more than ``gap`` seconds after the last begins a new run (``beating_since``)."""
    fields["seen_at"] = now
    if row is None:
        row = MediaNode(name=name, beating_since=now, **fields)
        MediaNode.objects.bulk_create([row], ignore_conflicts=True)
        return row
    if (now - row.seen_at).total_seconds() > gap:
        fields["beating_since"] = now  # back after a gap: a new run
    MediaNode.objects.filter(pk=row.pk).update(**fields)
    for field, value in fields.items():
        setattr(row, field, value)
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


def end_lost(
    *, now: datetime, node: str = "", calls: list[str] | None = None, menu: Iterable[dict] = ()
) -> list[dict]:
    """The heartbeat's watch: ``node``'s beat recorded (when it told its name), then each
    call ``lost`` finds ended (``end``). Answers the end events' answers (what the
    dispatches after them decided)."""
    return [end(found, now=now) for found in lost(now=now, node=node, calls=calls, menu=menu)]


class Lost(NamedTuple):
    call_id: str
    node: str
    reason: str  # for the call's events and the agent's timeline, in the site's language
    told: dict | None = None  # a caller in the voice menu: what the node would have told


def lost(
    *, now: datetime, node: str = "", calls: list[str] | None = None, menu: Iterable[dict] = ()
) -> list[Lost]:
    """``node``'s beat recorded (its row; ``calls``: what it holds, ``menu``: its callers
    in the voice menu), then the calls it no longer lists and those of a silent node."""
    nodes = {n.name: n for n in MediaNode.objects.all()}  # a row a node: a few
    nodes.pop(WATCHER, None)  # the worker's sweep, not a node
    found = []
    if node:
        row = nodes[node] = record_beat(
            nodes.get(node), node=node, calls=calls or [], now=now, menu=menu
        )
        reason = _("узел медиаприложения больше не ведёт звонок")
        found = [Lost(c, node, reason) for c in missing_too_long(row, now)]
    return found + _calls_of([nodes[n] for n in silent(list(nodes.values()), now)], now)


def _calls_of(rows: list[MediaNode], now: datetime) -> list[Lost]:
    """The calls of the nodes of these ``rows``, gone, and their callers in the voice menu;
    none: their rows are forgotten."""
    if not rows:
        return []
    names = [row.name for row in rows]
    gone = Call.objects.filter(state__in=HELD, media_node__in=names)
    reason = _("узел медиаприложения не отвечает")
    held = gone.order_by("pk").values_list("call_id", "media_node")
    ended = [Lost(call_id, name, reason) for call_id, name in held] + _menu_callers(rows, reason)
    if not ended:  # all their calls ended: their rows go, not asked about forever
        _forget(names, now)
    return ended


def _menu_callers(rows: list[MediaNode], reason: str) -> list[Lost]:
    """The callers the nodes' last beats had in the voice menu of whom Vmeste has no call:
    none reached a queue since, and the node never told their end."""
    callers = {call_id: (row, told) for row in rows for call_id, told in row.in_menu.items()}
    if not callers:
        return []
    known = set(Call.objects.filter(call_id__in=list(callers)).values_list("call_id", flat=True))
    return [
        Lost(call_id, row.name, reason, _their_end(row, told))
        for call_id, (row, told) in sorted(callers.items())
        if call_id not in known
    ]


def _their_end(row: MediaNode, told: dict) -> dict:
    """A menu caller's end as the node would have told it, their time in the menu counted
    to the node's last beat (the last moment anyone knew them there)."""
    seconds = (row.seen_at - datetime.fromisoformat(told["since"])).total_seconds()
    return {
        **{key: told.get(key, "") for key in TOLD},
        "menu_seconds": round(max(0.0, seconds), 3),
        "disposition": SERVED_IN_MENU if told.get("served") else ABANDONED_IN_MENU,
    }


def gone_long(nodes: list[MediaNode], watcher: MediaNode, now: datetime) -> list[str] | None:
    """The nodes not heard from for ``MEDIA_NODE_ALL_GONE_SECONDS`` while the worker swept
    without a break all that time (``watcher``: its row): Vmeste was there, they were not.

    The longer limit because the worker proves the database and itself up, not the web
    server: nodes alive but unable to reach it (it is down, restarting, cut off) are heard
    by nobody either, and their calls, still talking, would be ended. Minutes cover a
    restart or a deploy; an outage longer than that ends them (their late word changes
    nothing, and their agents go to wrap-up while still on the line). None: the worker has
    not swept that long, so Vmeste itself may have been away."""
    window = now - timedelta(seconds=settings.MEDIA_NODE_ALL_GONE_SECONDS)
    if watcher.beating_since > window:
        return None
    return [n.name for n in nodes if n.seen_at < window]


class Swept(NamedTuple):
    lost: list[Lost]
    all_gone: bool  # no node heard (``gone_long``: every node, or none known)


def swept(*, now: datetime) -> Swept:
    """The worker's watch, with no heartbeat: its own sweep recorded (``WATCHER``), then
    the calls of the nodes ``silent`` finds (another node heard) or ``gone_long``
    (none need be heard). One read of the node rows, one write of its own row; the calls
    asked for only when some node is found gone."""
    nodes = {n.name: n for n in MediaNode.objects.all()}  # a row a node: a few
    watcher = _beat(nodes.pop(WATCHER, None), name=WATCHER, now=now, gap=SWEEP_GAP_SECONDS)
    rows = list(nodes.values())
    long = gone_long(rows, watcher, now)
    names = sorted(set(silent(rows, now)).union(long or []))
    gone = _calls_of([nodes[name] for name in names], now)
    return Swept(gone, all_gone=long is not None and len(long) == len(rows))


def _forget(names: list[str], now: datetime) -> None:
    """Silent nodes none of whose calls is still held; one that has beaten since (it
    came back) keeps its row, and one that comes back later writes it anew."""
    window = now - timedelta(seconds=settings.MEDIA_NODE_LOST_SECONDS)
    MediaNode.objects.filter(name__in=names, seen_at__lt=window).delete()


def end(found: Lost, *, now: datetime) -> dict:
    """A lost call ended, as a ``call_ended`` whose id is the call's: a second process
    ending it too, or a second heartbeat, stores nothing and changes nothing. The agent
    goes to wrap-up as after any hang-up (one rung for a waiting call is free again), the
    reason on their timeline."""
    digest = hashlib.sha256(found.call_id.encode()).hexdigest()[:40]
    data = {"reason": found.reason[:100], LOST: found.node, **(found.told or {})}
    return telephony.record_event(
        event_id=EVENT_PREFIX + digest, type="call_ended", call_id=found.call_id, at=now,
        data=data, now=now,
    )  # fmt: skip
