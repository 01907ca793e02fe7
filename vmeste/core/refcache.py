"""Reference data held in each server process: regions, lines and categories.

They change a few times a year and are read on every request (codes in the API, names on
every list row). Joining them into each query made PostgreSQL spend more time planning an
eight-table join than running it, so each process keeps a snapshot: loaded in four queries,
dropped at once when this process saves a reference row, and re-read at most
`MAX_AGE_SECONDS` after another process did. A code an administrator has just added or
switched off is therefore seen by every process within that many seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from vmeste.core.models import Category, Line, Region

MAX_AGE_SECONDS = 5.0


@dataclass
class Snapshot:
    regions: dict[int, Region] = field(default_factory=dict)
    lines: dict[int, Line] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    region_codes: dict[str, Region] = field(default_factory=dict)
    line_codes: dict[str, Line] = field(default_factory=dict)
    category_codes: dict[str, Category] = field(default_factory=dict)
    loaded_at: float = 0.0


_lock = threading.Lock()
_current: Snapshot | None = None


def _load() -> Snapshot:
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
        loaded_at=time.monotonic(),
    )


def snapshot() -> Snapshot:
    """The current snapshot; the objects in it are shared and must not be modified."""
    global _current
    current = _current
    if current is None or time.monotonic() - current.loaded_at > MAX_AGE_SECONDS:
        with _lock:
            current = _current
            if current is None or time.monotonic() - current.loaded_at > MAX_AGE_SECONDS:
                current = _current = _load()
    return current


def clear() -> None:
    global _current
    _current = None


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


def _changed(**kwargs) -> None:
    # Now for this process's next read, and again after commit so that a snapshot read
    # inside the saving transaction does not outlive a rollback of it.
    clear()
    transaction.on_commit(clear)


for _model in (Region, Line, Category):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"reference-save-{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"reference-del-{_model.__name__}")
for _through in (Line.regions.through, Line.categories.through):
    m2m_changed.connect(_changed, sender=_through, dispatch_uid=f"reference-m2m-{_through}")
