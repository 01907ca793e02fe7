"""The request list: filters, search by number, name or phone, the page and its counts.

Millions of requests: a page must not join the reference tables (the planner then spends
more time choosing among join orders than running the query; the rows come from the
process's reference snapshot instead), and "of N" must not count every row. Counts over
status, region, line and the user's scope are read from `RequestCount`, which triggers keep
exact; other filters count the matching rows through their own indexes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.models import User
from vmeste.assistance import transitions as table
from vmeste.assistance.models import Request, RequestCount, Status
from vmeste.assistance.services import audit_shown, requests_for, with_reference
from vmeste.core import refcache
from vmeste.core.errors import ValidationFailed
from vmeste.core.scoping import scoped
from vmeste.people.phones import mask, try_normalise

# In the order the partial index `request_open_due` names them, so the planner matches it.
CLOSED = sorted(table.CLOSED)


@dataclass
class RequestFilters:
    status: str = ""
    region: str = ""
    line: str = ""
    category: str = ""
    assignee: str = ""  # a user id, or "me", or "none"
    overdue: bool = False
    q: str = ""

    @property
    def statuses(self) -> list[str]:
        statuses = [s for s in self.status.split(",") if s]
        unknown = set(statuses) - set(Status.values)
        if unknown:
            raise ValidationFailed(
                {"status": _("Неизвестный статус: %s.") % ", ".join(sorted(unknown))}
            )
        return statuses

    @property
    def counted_by_tally(self) -> bool:
        return not (self.category or self.assignee or self.overdue or self.q.strip())


def _reference_ids(filters: RequestFilters) -> tuple[int | None, int | None, bool]:
    """Region and line ids of the filter; the flag is False when a code names nothing."""
    snapshot = refcache.snapshot()
    region_id = line_id = None
    if filters.region:
        region = snapshot.region_codes.get(filters.region.strip().upper())
        if region is None:
            return None, None, False
        region_id = region.pk
    if filters.line:
        line = snapshot.line_codes.get(filters.line.strip())
        if line is None:
            return None, None, False
        line_id = line.pk
    return region_id, line_id, True


def _by_region_and_line(rows: QuerySet, filters: RequestFilters) -> QuerySet:
    """The region and line filters, by id, on requests or on their tally alike."""
    region_id, line_id, known = _reference_ids(filters)
    if not known:
        return rows.none()
    if region_id:
        rows = rows.filter(region_id=region_id)
    if line_id:
        rows = rows.filter(line_id=line_id)
    return rows


def search(*, user: User, filters: RequestFilters) -> QuerySet[Request]:
    """The request list: scoped, filtered, searched by number, name or phone."""
    qs = requests_for(user)
    statuses = filters.statuses
    if statuses:
        qs = qs.filter(status__in=statuses)
    qs = _by_region_and_line(qs, filters)
    if filters.category:
        category = refcache.snapshot().category_codes.get(filters.category.strip())
        if category is None:
            return qs.none()
        qs = qs.filter(Q(category_id=category.pk) | Q(subcategory_id=category.pk))
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee.isdecimal():
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.overdue:
        qs = qs.exclude(status__in=CLOSED).filter(due_at__lt=timezone.now())
    q = filters.q.strip()[:200]
    if q:
        qs = qs.filter(_text_condition(q))
    return qs.order_by("-created_at", "-pk")


def _text_condition(q: str) -> Q:
    phone = try_normalise(q) if sum(ch.isdigit() for ch in q) >= 10 else None
    if phone:
        return Q(person__phones__e164=phone.e164)
    if any(ch.isdigit() for ch in q) and "-" in q:
        # A request number: exact, through the unique index (numbers are stored upper-case).
        return Q(number=q.upper())
    words = q.split()
    condition = Q()
    for word in words[:3]:
        # SQLite folds case only for ASCII: also try the word as names are written.
        title = word[:1].upper() + word[1:].lower()
        word_condition = Q()
        for name in ("last_name", "first_name", "middle_name"):
            word_condition |= Q(**{f"person__{name}__istartswith": word}) | Q(
                **{f"person__{name}__startswith": title}
            )
        condition &= word_condition
    return condition | Q(number__iexact=q)


def _tally(user: User, filters: RequestFilters) -> QuerySet[RequestCount]:
    return _by_region_and_line(scoped(RequestCount.objects.all(), user), filters)


def count(*, user: User, filters: RequestFilters, matches: QuerySet[Request]) -> int:
    """All requests matching the filters (not the page), exact."""
    if not filters.counted_by_tally:
        return matches.count()
    rows = _tally(user, filters)
    statuses = filters.statuses
    if statuses:
        rows = rows.filter(status__in=statuses)
    return rows.aggregate(total=Sum("n"))["total"] or 0


def count_by_status(*, user: User, filters: RequestFilters) -> dict[str, int]:
    """How many match each status under the other filters."""
    others = RequestFilters(**{**filters.__dict__, "status": ""})
    if others.counted_by_tally:
        rows = _tally(user, others).values("status").annotate(total=Sum("n"))
        return {row["status"]: row["total"] for row in rows if row["total"]}
    rows = search(user=user, filters=others).order_by().values("status")
    return {row["status"]: row["n"] for row in rows.annotate(n=Count("*"))}


def page(
    matches: QuerySet[Request], *, offset: int, limit: int, user: User, filters: RequestFilters
) -> list[Request]:
    """One page of the list with what its rows show: the person, the assignee and team.
    What it shows is audited, and so is a search, also one that found nothing."""
    rows = matches.select_related("person", "assignee", "team").prefetch_related("person__phones")
    shown = [with_reference(request) for request in rows[offset : offset + limit]]
    q = filters.q.strip()[:200]
    audit_shown(
        user=user,
        rows=shown,
        action=audit.Action.SEARCH if q else audit.Action.LIST,
        detail=_searched(q),
    )
    return shown


def _searched(q: str) -> str:
    """The search as the audit log keeps it: a phone number masked, like a lookup's."""
    phone = try_normalise(q) if sum(ch.isdigit() for ch in q) >= 10 else None
    return mask(phone.e164) if phone else q


class Rows:
    """The list for Django's Paginator: the count given (from `count`), pages from `page`."""

    def __init__(
        self, matches: QuerySet[Request], *, total: int, user: User, filters: RequestFilters
    ) -> None:
        self.matches, self.total = matches, total
        self.user, self.filters = user, filters

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list[Request]:
        start = window.start or 0
        limit = max(0, (window.stop or start) - start)
        return page(self.matches, offset=start, limit=limit, user=self.user, filters=self.filters)
