"""The contact centre's configuration held in each server process: queues and centres.

Every telephony event names its line, queue or IVR branch and centre by code, and every
dispatch builds the router from the active queues and the overflow topology. They change
when an administrator edits them, a few times a day at most, so each process keeps a
snapshot (two queries), dropped at once when this process saves a queue or a centre and
read again with the reference snapshot (``core.refcache``): the change stamp that one
checks every second is renewed by any change of a queue or a centre too, in whichever
process (``core.stamps``). A code that the snapshot does not know makes it re-read once (at
most every ``MISS_RELOAD_SECONDS``): a queue added a moment ago in another process is
found by the first call that names it, while a telephony that keeps naming a code nobody
configured does not cost a reload per event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vmeste.contactcenter.models import Queue
from vmeste.contactcenter.routingrules import QueueRule
from vmeste.core import refcache
from vmeste.core.models import Centre, Line, Region

MISS_RELOAD_SECONDS = 1.0


@dataclass
class Snapshot:
    queues: dict[int, Queue] = field(default_factory=dict)
    queue_codes: dict[str, Queue] = field(default_factory=dict)
    branches: dict[tuple[int, str], Queue] = field(default_factory=dict)  # (line, IVR path)
    centres: dict[int, Centre] = field(default_factory=dict)
    centre_codes: dict[str, Centre] = field(default_factory=dict)
    rules: list[QueueRule] = field(default_factory=list)  # the active queues'
    topology: dict[str, tuple[str, ...]] = field(default_factory=dict)
    loaded_at: float = 0.0
    reference: refcache.Snapshot | None = None  # the lines' snapshot read with this one


_lock = threading.Lock()
_current: Snapshot | None = None


def _load(reference: refcache.Snapshot) -> Snapshot:
    from vmeste.contactcenter.services import overflow_topology

    queues = list(Queue.objects.select_related("overflow_to").order_by(*Queue._meta.ordering))
    centres = list(Centre.objects.select_related("region"))
    branches: dict[tuple[int, str], Queue] = {}
    for queue in queues:  # the first by the model's ordering, as ``.first()`` would
        if queue.ivr_path:
            branches.setdefault((queue.line_id, queue.ivr_path), queue)
    return Snapshot(
        queues={q.pk: q for q in queues},
        queue_codes={q.code: q for q in queues},
        branches=branches,
        centres={c.pk: c for c in centres},
        centre_codes={c.code: c for c in centres},
        rules=[q.rule() for q in queues if q.is_active],
        topology=overflow_topology((c.code, c.kind) for c in centres),
        loaded_at=time.monotonic(),
        reference=reference,
    )


def _stale(current: Snapshot | None, reference: refcache.Snapshot) -> bool:
    # Read again with the reference snapshot: whatever renews it (a change of a queue or
    # a centre in another process, of a region or a line, a test's fresh database) may
    # have changed the queues and centres, or the rows they point at.
    return current is None or current.reference is not reference


def snapshot() -> Snapshot:
    """The current snapshot; the objects in it are shared and must not be modified."""
    global _current
    private = refcache.provisional("cc-config", lambda: _load(refcache.snapshot()))
    if private is not None:
        return private
    reference = refcache.snapshot()
    current = _current
    if _stale(current, reference):
        with _lock:
            current = _current
            if _stale(current, reference):
                current = _current = _load(reference)
    return current


def clear() -> None:
    global _current
    _current = None
    refcache.drop_private("cc-config")


def _missed(loaded_at: float) -> bool:
    """Re-read once for an unknown code, unless the snapshot is very fresh already."""
    if time.monotonic() - loaded_at <= MISS_RELOAD_SECONDS:
        return False
    clear()
    refcache.clear()
    return True


def _find(index: Callable[[Snapshot], dict], key):
    """`key` in one of the snapshot's indexes, re-reading once for a key it does not know."""
    current = snapshot()
    found = index(current).get(key)
    if found is None and _missed(current.loaded_at):
        found = index(snapshot()).get(key)
    return found


def queue(code: str) -> Queue | None:
    return _find(lambda s: s.queue_codes, code) if code else None


def branch(line_id: int, ivr_path: str) -> Queue | None:
    return _find(lambda s: s.branches, (line_id, ivr_path)) if ivr_path else None


def centre(code: str) -> Centre | None:
    return _find(lambda s: s.centre_codes, code) if code else None


def _by_pk(index: Callable[[Snapshot], dict], pk: int):
    """A row by the id another row refers to: an id the snapshot lacks was added in another
    process since the snapshot was read, so re-read at once, however fresh it is."""
    found = index(snapshot()).get(pk)
    if found is None:
        clear()
        found = index(snapshot()).get(pk)
    return found


def centre_by_pk(pk: int | None) -> Centre | None:
    return _by_pk(lambda s: s.centres, pk) if pk is not None else None


def queue_by_pk(pk: int) -> Queue | None:
    return _by_pk(lambda s: s.queues, pk)


def line(code: str) -> Line | None:
    return _find(lambda s: s.reference.line_codes, code) if code else None


def line_target(code: str) -> tuple[float, int] | None:
    """The service-level target of a line: its strictest queue's (the highest share, the
    shortest time); None for a line with no queue."""
    found = line(code)
    if found is None:
        return None
    queues = [q for q in snapshot().queues.values() if q.line_id == found.pk]
    if not queues:
        return None
    return max(float(q.target_share) for q in queues), min(q.target_seconds for q in queues)


def line_by_pk(pk: int | None) -> Line | None:
    return refcache.line(pk)


refcache.clear_on_change(clear, Queue, Centre, Region, uid="cc-config")
