"""Reference data held in each server process: regions, lines and categories.

They change a few times a year and are read on every request (codes in the API, names on
every list row). Joining them into each query made PostgreSQL spend more time planning an
eight-table join than running it, so each process keeps a snapshot: loaded in four queries,
dropped at once when this process saves a reference row, and re-read when another process
did: the snapshot keeps the change stamp it was read under (``core.stamps``; database
triggers renew it on every change of a region, line, category, centre or queue) and asks
for the current one at most every `CHECK_SECONDS`. A code an administrator has just added
or switched off is therefore seen by every process within that second, and an unchanged
snapshot is never read again (re-read every five seconds whatever happened, those loads
were the slowest telephony events).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from vmeste.core import stamps
from vmeste.core.models import Category, Line, Region

CHECK_SECONDS = 1.0
T = TypeVar("T")


@dataclass
class Snapshot:
    regions: dict[int, Region] = field(default_factory=dict)
    lines: dict[int, Line] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    region_codes: dict[str, Region] = field(default_factory=dict)
    line_codes: dict[str, Line] = field(default_factory=dict)
    category_codes: dict[str, Category] = field(default_factory=dict)
    checked_at: float = 0.0  # when last known current (read, or its stamp unchanged)
    stamp: int | None = None  # the change stamp it was read under


_lock = threading.Lock()
_current: Snapshot | None = None


def _load() -> Snapshot:
    stamp = stamps.read(stamps.REFERENCE)  # first: a change made while reading is seen next
    regions = {r.pk: r for r in Region.objects.all()}
    categories = {c.pk: c for c in Category.objects.all()}
    for category in categories.values():
        if category.parent_id:
            category.parent = categories[category.parent_id]
    lines = {line.pk: line for line in Line.objects.prefetch_related("regions", "categories")}
    return Snapshot(
        regions=regions,
        lines=lines,
        categories=categories,
        region_codes={r.code: r for r in regions.values()},
        line_codes={line.code: line for line in lines.values()},
        category_codes={c.code: c for c in categories.values()},
        checked_at=time.monotonic(),
        stamp=stamp,
    )


def snapshot() -> Snapshot:
    """The current snapshot; the objects in it are shared and must not be modified."""
    global _current
    private = provisional("reference", _load)
    if private is not None:
        return private
    current = _current
    if current is None or time.monotonic() - current.checked_at > CHECK_SECONDS:
        with _lock:
            current = _current
            if current is None or time.monotonic() - current.checked_at > CHECK_SECONDS:
                current = _current = _checked(current)
    return current


def _checked(current: Snapshot | None) -> Snapshot:
    """The snapshot if its stamp is still the database's, else a new one."""
    if current is not None and stamps.read(stamps.REFERENCE) == current.stamp:
        current.checked_at = time.monotonic()
        return current
    return _load()


def clear() -> None:
    global _current
    _current = None
    drop_private("reference")


def _find(kind: str, pk: int | None):
    if pk is None:
        return None
    found = getattr(snapshot(), kind).get(pk)
    if found is None:
        # Added by another process since this snapshot was read: read again, once.
        clear()
        found = getattr(snapshot(), kind).get(pk)
    return found


def region(pk: int | None) -> Region | None:
    return _find("regions", pk)


def line(pk: int | None) -> Line | None:
    return _find("lines", pk)


def category(pk: int | None) -> Category | None:
    return _find("categories", pk)


def clear_on_change(clear: Callable[[], None], *senders: type, uid: str) -> None:
    """Call ``clear`` when a row of a sender (a model or an m2m through model) is saved or
    deleted: at once, for this process's next read, and again after commit. Until then the
    saving thread reads its own snapshots (see `provisional`), so that what a rolled-back
    transaction saw is never shared nor kept."""

    def changed(**kwargs) -> None:
        clear()
        if connection.in_atomic_block:
            _mark_changed(True)
            transaction.on_commit(lambda: _committed(clear))

    for sender in senders:
        name = f"{uid}-{sender._meta.label}"
        if sender._meta.auto_created:  # an m2m's through model
            m2m_changed.connect(changed, sender=sender, weak=False, dispatch_uid=f"{name}-m2m")
        else:
            post_save.connect(changed, sender=sender, weak=False, dispatch_uid=f"{name}-save")
            post_delete.connect(changed, sender=sender, weak=False, dispatch_uid=f"{name}-del")


def _mark_changed(changed: bool) -> None:
    """Whether this thread's open transaction changed cached rows; its own snapshots go."""
    connection.vmeste_reference_changed = changed
    connection.vmeste_private_snapshots = {}


def _committed(clear: Callable[[], None]) -> None:
    clear()
    _mark_changed(False)


def drop_private(key: str) -> None:
    getattr(connection, "vmeste_private_snapshots", {}).pop(key, None)


def provisional(key: str, load: Callable[[], T]) -> T | None:
    """In a transaction of this thread that changed cached rows and is still open: this
    thread's own snapshot, loaded once and never shared. None otherwise."""
    if not getattr(connection, "vmeste_reference_changed", False):
        return None
    if not connection.in_atomic_block:  # rolled back (a commit would have reset the flag)
        _mark_changed(False)
        return None
    private = connection.vmeste_private_snapshots
    if key not in private:
        private[key] = load()
    return private[key]


clear_on_change(
    clear,
    Region,
    Line,
    Category,
    Line.regions.through,
    Line.categories.through,
    uid="reference",
)
