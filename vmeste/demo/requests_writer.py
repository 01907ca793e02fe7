"""The demo's requests: numbered in registration order, with their timelines and outcomes.

Numbers follow the rule of registration (the line's prefix, else the region's short code;
the year; a six-digit sequence per prefix and year) and the counter of `assistance.numbering`
is left at the last number given, so requests registered after the demo continue the series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.assistance import numbering
from vmeste.assistance.models import Request, RequestEvent, Team
from vmeste.assistance.services import due_at
from vmeste.contacts.models import Contact
from vmeste.core.models import Category, Line, Region
from vmeste.demo import mix, timeline

if TYPE_CHECKING:
    from vmeste.demo.month import Month, Planned

BATCH = 1000
URGENT_TOPICS = {"doctor-at-home", "loneliness", "medicines-delivery"}


def write(
    *,
    month: Month,
    users: dict[str, User],
    teams: dict[str, Team],
    contacts: list[tuple[Planned, Contact]],
    person_ids: list[int],
) -> dict[str, int]:
    rng, now = month.rng, month.now
    categories = {c.code: c for c in Category.objects.select_related("parent")}
    regions = {r.pk: r for r in Region.objects.all()}
    lines: dict[int, Line] = {line.pk: line for line in month.lines.values()}
    team_by_region = {team.region_id: team for team in teams.values()}
    sequences: dict[tuple[str, int], int] = {}
    rows: list[Request] = []
    lives: list[timeline.Life] = []
    registered = [
        (planned, contact)
        for planned, contact in contacts
        if planned.disposition == "request_registered" and contact.person_id is not None
    ]
    # Numbers grow with registration time, as they would have in real life.
    registered.sort(key=lambda pair: pair[1].ended_at or pair[1].started_at)
    for planned, contact in registered:
        topics = mix.REQUEST_TOPICS.get(planned.line) or mix.REQUEST_TOPICS["we-are-together"]
        top_code, sub_code, _ = rng.choices(topics, [t[2] for t in topics])[0]
        top, sub = categories[top_code], categories.get(sub_code)
        planned.categories = [top_code, sub_code]
        urgency = _urgency(rng, sub_code)
        created = min(contact.ended_at or contact.started_at, now)
        due = due_at(category=top, subcategory=sub, urgency=urgency, start=created)
        life = timeline.live(rng, created=created, due=due, now=now, top_category=top_code)
        region = regions[contact.region_id]
        line = lines[contact.line_id]
        prefix = line.number_prefix or region.short_code
        year = timezone.localtime(created).year
        if (prefix, year) not in sequences:
            sequences[prefix, year] = numbering.last_given(prefix, year)
        sequences[prefix, year] += 1
        assignee = team = None
        if life.assigned:
            staff = month.staff(line=planned.line, region=region.code, registers=True)
            assignee = users[rng.choice(staff)] if staff else None
            if region.pk in team_by_region and rng.random() < 0.5:
                team = team_by_region[region.pk]
        creator = contact.operator
        rows.append(
            Request(
                number=f"{prefix}-{year}-{sequences[prefix, year]:06d}",
                person_id=contact.person_id,
                line=line,
                region=region,
                category=top,
                subcategory=sub,
                description=rng.choice(mix.DESCRIPTIONS.get(top_code, mix.DEFAULT_DESCRIPTION)),
                urgency=urgency,
                status=life.status,
                assignee=assignee,
                team=team,
                due_at=due,
                contact=contact,
                outcome_helped=life.helped,
                outcome_how=life.how,
                outcome_note=life.note,
                resolved_at=life.resolved_at,
                created_by=creator,
                created_at=created,
                version=1 + sum(step.kind != "comment" for step in life.steps),
            )
        )
        lives.append(life)
    created_rows = Request.objects.bulk_create(rows, batch_size=BATCH)
    events = _events(rows=created_rows, lives=lives, users=users)
    RequestEvent.objects.bulk_create(events, batch_size=BATCH)
    for (prefix, year), last in sequences.items():
        numbering.continue_after(prefix, year, last)
    categories_written = _contact_categories(contacts, categories)
    return {
        "requests": len(created_rows),
        "request_events": len(events),
        "contact_categories": categories_written,
    }


def _urgency(rng, sub_code: str) -> str:
    if sub_code == "crisis":
        return "critical"
    if sub_code in URGENT_TOPICS:
        return rng.choices(["normal", "urgent", "critical"], [60, 35, 5])[0]
    return rng.choices(["normal", "urgent", "critical"], [86, 12, 2])[0]


def _supervisor(users: dict[str, User], request: Request) -> User:
    """The regional supervisor when the request is theirs, else the national one."""
    regional = users.get("supervisor.vgg")
    if regional and request.region.code == "RU-VGG":
        return regional
    return users["supervisor"]


def _events(
    *, rows: list[Request], lives: list[timeline.Life], users: dict[str, User]
) -> list[RequestEvent]:
    events = []
    for request, life in zip(rows, lives, strict=True):
        code = (request.subcategory or request.category).code
        events.append(
            RequestEvent(
                request=request,
                at=request.created_at,
                actor=request.created_by,
                kind=RequestEvent.Kind.CREATED,
                to_status="new",
                data={"urgency": request.urgency, "category": code, "source": "demo"},
            )
        )
        for step in life.steps:
            actor = {
                "supervisor": _supervisor(users, request),
                "assignee": request.assignee or request.created_by,
            }.get(step.actor, request.created_by)
            event = RequestEvent(
                request=request,
                at=step.at,
                actor=actor,
                kind=step.kind,
                from_status=step.from_status,
                to_status=step.to_status,
                text=step.text,
                data=step.data,
            )
            if step.kind == "assigned":
                event.text = request.assignee.display_name if request.assignee else ""
                event.data = {
                    "before": {"assignee": None, "team": None},
                    "assignee": request.assignee_id,
                    "team": request.team_id,
                }
            events.append(event)
    return events


def _contact_categories(
    contacts: list[tuple[Planned, Contact]], categories: dict[str, Category]
) -> int:
    through = Contact.categories.through
    links = []
    for planned, contact in contacts:
        codes: set[str] = set()
        for code in planned.categories:
            category = categories.get(code)
            if category is None:
                continue
            codes.add(code)
            if category.parent_id:
                codes.add(category.parent.code)
        links += [through(contact_id=contact.pk, category_id=categories[c].pk) for c in codes]
    through.objects.bulk_create(links, batch_size=BATCH)
    return len(links)
