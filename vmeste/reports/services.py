"""The figures hotlines publish: contacts, requests registered, people helped.

Definitions (the README repeats them):
- contacts: contacts that started in the period;
- requests: requests registered in the period;
- people helped: distinct persons with at least one request resolved as helped in the period
  (by resolution time), counting a merged person once (as the person they were merged into);
- calls: the telephony's calls of those contacts, counted as the wallboard counts them
  (``contactcenter.callfigures``: offered to a queue, answered, abandoned in the queue, and
  apart the calls that ended in the voice menu; service level over the calls offered).
Periods are whole days in the hotline's time zone (settings.TIME_ZONE), both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.models import User
from vmeste.accounts.roles import Right
from vmeste.assistance.models import Request, Status
from vmeste.contactcenter.callfigures import count_calls
from vmeste.contactcenter.models import Call
from vmeste.contacts.models import Contact
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.scoping import scoped
from vmeste.reports import export

MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        return datetime.combine(
            self.date_to + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
        )

    @property
    def days(self) -> list[date]:
        return [
            self.date_from + timedelta(days=i)
            for i in range((self.date_to - self.date_from).days + 1)
        ]


def period(date_from: date | None = None, date_to: date | None = None) -> Period:
    """The last 30 days up to today unless given; refuses reversed or absurd periods."""
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or (date_to - timedelta(days=29))
    if date_from > date_to:
        raise ValidationFailed({"date_from": _("Начало периода позже конца.")})
    if (date_to - date_from).days > MAX_DAYS:
        raise ValidationFailed({"date_from": _("Период не длиннее 10 лет.")})
    return Period(date_from, date_to)


@dataclass
class FigureFilters:
    region: str = ""
    line: str = ""
    category: str = ""


def _querysets(user: User, p: Period, f: FigureFilters) -> tuple[QuerySet, QuerySet, QuerySet]:
    contacts = scoped(Contact.objects.all(), user).filter(
        started_at__gte=p.start, started_at__lt=p.end
    )
    requests = scoped(Request.objects.all(), user).filter(
        created_at__gte=p.start, created_at__lt=p.end
    )
    helped = scoped(Request.objects.all(), user).filter(
        status=Status.RESOLVED, outcome_helped=True, resolved_at__gte=p.start, resolved_at__lt=p.end
    )
    if f.region:
        code = f.region.upper()
        contacts, requests, helped = (
            qs.filter(region__code=code) for qs in (contacts, requests, helped)
        )
    if f.line:
        contacts, requests, helped = (
            qs.filter(line__code=f.line) for qs in (contacts, requests, helped)
        )
    if f.category:
        contacts = contacts.filter(categories__code=f.category).distinct()
        requests, helped = (
            qs.filter(category__code=f.category) | qs.filter(subcategory__code=f.category)
            for qs in (requests, helped)
        )
    return contacts, requests, helped


def _calls(user: User, p: Period, contacts: QuerySet) -> QuerySet:
    """The period's calls of the contacts counted: the same scope and filters (a call's
    contact carries its region, line and topics)."""
    return scoped(Call.objects.all(), user).filter(
        offered_at__gte=p.start, offered_at__lt=p.end, call_id__in=contacts.values("call_id")
    )


def _person_key():
    # A merged person counts as the one they were merged into.
    return Coalesce("person__merged_into_id", "person_id")


def figures(*, user: User, p: Period, filters: FigureFilters) -> dict:
    if not user.can(Right.SEE_FIGURES):
        raise Forbidden()
    contacts, requests, helped = _querysets(user, p, filters)
    tz = timezone.get_current_timezone()
    by_day = {
        d: {"date": d.isoformat(), "contacts": 0, "requests": 0, "people_helped": 0} for d in p.days
    }
    for row in (
        contacts.annotate(day=TruncDate("started_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
    ):
        by_day[row["day"]]["contacts"] = row["n"]
    for row in (
        requests.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
    ):
        by_day[row["day"]]["requests"] = row["n"]
    for row in (
        helped.annotate(day=TruncDate("resolved_at", tzinfo=tz), who=_person_key())
        .values("day")
        .annotate(n=Count("who", distinct=True))
    ):
        by_day[row["day"]]["people_helped"] = row["n"]
    return {
        "date_from": p.date_from.isoformat(),
        "date_to": p.date_to.isoformat(),
        "time_zone": settings.TIME_ZONE,
        "contacts": contacts.count(),
        "requests": requests.count(),
        "people_helped": helped.annotate(who=_person_key()).values("who").distinct().count(),
        "calls": count_calls(_calls(user, p, contacts)),
        "by_day": list(by_day.values()),
        "by_region": _breakdown(contacts, requests, helped, "region__code", "region__name_ru"),
        "by_line": _breakdown(contacts, requests, helped, "line__code", "line__name_ru"),
        "by_category": _breakdown(None, requests, helped, "category__code", "category__name_ru"),
    }


def _breakdown(contacts, requests, helped, key: str, label: str) -> list[dict]:
    rows: dict = {}

    def add(qs, name: str, distinct_people: bool = False) -> None:
        if qs is None:
            return
        values = qs.values(key, label)
        if distinct_people:
            values = values.annotate(n=Count(_person_key(), distinct=True))
        else:
            values = values.annotate(n=Count("id"))
        for row in values:
            code = row[key] or "—"
            entry = rows.setdefault(
                code,
                {
                    "code": code,
                    "name": row[label] or "—",
                    "contacts": 0,
                    "requests": 0,
                    "people_helped": 0,
                },
            )
            entry[name] = row["n"]

    add(contacts, "contacts")
    add(requests, "requests")
    add(helped, "people_helped", distinct_people=True)
    return sorted(rows.values(), key=lambda r: (-r["requests"], -r["contacts"], r["code"]))


@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str
    content_type: str


def export_figures(*, user: User, p: Period, filters: FigureFilters, fmt: str) -> Export:
    """The figures as the page shows them, as a file; every export is written to the audit
    log (who took which figures, when): a file leaves the system's scoping behind it."""
    if fmt not in export.FORMATS:
        raise NotFound(_("Выгрузка бывает в CSV или XLSX."))
    data = figures(user=user, p=p, filters=filters)
    shown = {"region": filters.region, "line": filters.line, "category": filters.category}
    content = export.render(data, shown, fmt)
    chosen = " ".join(f"{k}={v}" for k, v in shown.items() if v)
    audit.record(
        user=user,
        action=audit.Action.EXPORT,
        purpose=audit.Purpose.EXPORT,
        shown={"figures": [f"{p.date_from:%Y%m%d}-{p.date_to:%Y%m%d}"]},
        channel=audit.Channel.EXPORT,
        detail=f"{fmt} {p.date_from.isoformat()}..{p.date_to.isoformat()} {chosen}".strip(),
    )
    return Export(content, export.filename(data, shown, fmt), export.CONTENT_TYPES[fmt])
