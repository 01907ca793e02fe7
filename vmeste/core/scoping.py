"""The one scoping function: what part of a table a user may see.

A model declares where its region and line live (`scope_region`, `scope_line`: field paths,
or None when the model has no such dimension). A user's scope is their regions and lines;
an empty set means all. Everything the UI and the API list or open goes through `scoped()`.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet, Value

from vmeste.core.errors import NotFound

M = TypeVar("M", bound=Model)


def user_scope(user) -> tuple[set[int], set[int]]:
    """Region ids and line ids the user is limited to (empty = unlimited), cached per user."""
    cached = getattr(user, "_vmeste_scope", None)
    if cached is None:
        if user is None or not getattr(user, "is_authenticated", False):
            cached = (set(), set())
        else:
            cached = _read_scope(user)
        if user is not None:
            user._vmeste_scope = cached
    return cached


def remember_scope(user, *, regions: set[int], lines: set[int]) -> None:
    """The user's scope read by whoever loaded the user (token authentication reads it in the
    same statement), so `user_scope` does not read it again."""
    user._vmeste_scope = (regions, lines)


def _read_scope(user) -> tuple[set[int], set[int]]:
    """Both sets in one round trip: it is paid on every request."""
    regions = (
        user.regions.through.objects.filter(user_id=user.pk)
        .annotate(kind=Value("region"))
        .values_list("kind", "region_id")
    )
    lines = (
        user.lines.through.objects.filter(user_id=user.pk)
        .annotate(kind=Value("line"))
        .values_list("kind", "line_id")
    )
    scope: dict[str, set[int]] = {"region": set(), "line": set()}
    for kind, pk in regions.union(lines, all=True):
        scope[kind].add(pk)
    return scope["region"], scope["line"]


def is_unrestricted(user) -> bool:
    regions, lines = user_scope(user)
    return not regions and not lines


def scope_filter(model: type[Model], user) -> Q:
    """The filter that limits `model` to the user's scope."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    regions, lines = user_scope(user)
    condition = Q()
    region_path = getattr(model, "scope_region", None)
    line_path = getattr(model, "scope_line", None)
    if regions and region_path:
        # A line serving the whole country has no regions: it is in every regional scope.
        if region_path.endswith("regions"):
            condition &= Q(**{f"{region_path}__in": regions}) | Q(
                **{f"{region_path}__isnull": True}
            )
        else:
            condition &= Q(**{f"{region_path}__in": regions})
    if lines and line_path:
        condition &= Q(**{f"{line_path}__in": lines})
    return condition


def scoped(queryset: QuerySet[M], user) -> QuerySet[M]:
    condition = scope_filter(queryset.model, user)
    needs_distinct = "regions" in (getattr(queryset.model, "scope_region", "") or "")
    queryset = queryset.filter(condition)
    return queryset.distinct() if needs_distinct and condition else queryset


def in_scope(user, *, region_id: int | None, line_id: int | None) -> bool:
    """Whether a record with this region and line is visible to the user."""
    regions, lines = user_scope(user)
    if regions and region_id not in regions:
        return False
    return not (lines and line_id is not None and line_id not in lines)


def one_or_404(rows: QuerySet[M], pk: int | str, missing: str) -> M:
    """The record of this id among `rows` (what the user may read, already narrowed by the
    caller), or a 404 that says `missing`. A record outside the user's reach answers like one
    that does not exist, so its existence is not told."""
    found = rows.filter(pk=pk).first()
    if found is None:
        raise NotFound(missing)
    return found
