"""Requests: registration, the status workflow, assignment, comments. The only code that writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, readable
from vmeste.accounts.models import User
from vmeste.accounts.roles import Right
from vmeste.assistance import numbering
from vmeste.assistance import transitions as table
from vmeste.assistance.answers import with_person_answers
from vmeste.assistance.models import (
    Request,
    RequestEvent,
    Status,
    Team,
    Urgency,
)
from vmeste.contacts.models import Contact
from vmeste.core import refcache
from vmeste.core.errors import Conflict, Forbidden, ValidationFailed
from vmeste.core.models import Category, Line, Region
from vmeste.core.scoping import in_scope, one_or_404, user_scope
from vmeste.core.timeline import record_event
from vmeste.people import services as people
from vmeste.people.models import Person

DESCRIPTION_MAX = 5000
COMMENT_MAX = 5000

# Urgent and critical requests get a share of the category's deadline.
URGENCY_FACTOR = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.5, Urgency.CRITICAL: 0.25}

REFUSAL_TEXT = {
    "unknown_status": lambda: _("Неизвестный статус."),
    "not_allowed": lambda: _("Из этого статуса так перейти нельзя."),
    "reason_required": lambda: _("Укажите причину."),
    "outcome_required": lambda: _("Укажите итог: помогли или нет и как."),
    "helped_required": lambda: _("Укажите, оказана ли помощь."),
    "unknown_how": lambda: _(
        "Способ помощи: доставка, мера, организация, консультация или другое."
    ),
    "outcome_not_expected": lambda: _("Итог указывается только при решении заявки."),
}


@dataclass
class RequestInput:
    line: Line
    region: Region
    category: Category
    description: str
    urgency: str = Urgency.NORMAL
    subcategory: Category | None = None
    # The intake answers: blank ones are filled from the person when registered with one.
    address: str = ""
    phone: str = ""
    district: str = ""
    age_60_plus: bool | None = None
    self_isolation: bool | None = None
    intake: dict[str, str] = field(default_factory=dict)


def _require(user: User, right: str) -> None:
    if not user.can(right):
        raise Forbidden()


def _check_scope(user: User, *, region: Region, line: Line) -> None:
    """Registering outside one's scope is refused the same way as a wrong code."""
    if not in_scope(user, region_id=region.pk, line_id=line.pk):
        raise ValidationFailed({"region": _("Регион или линия вне вашей зоны работы.")})


def split_category(category: Category) -> tuple[Category, Category | None]:
    """A subcategory code stands for its parent plus itself."""
    if category.parent_id:
        return category.parent, category
    return category, None


def validate(data: RequestInput) -> None:
    errors = {}
    description = data.description.strip()
    if not description:
        errors["description"] = _("Опишите, что нужно.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Описание не длиннее %d символов.") % DESCRIPTION_MAX
    if len(data.address) > 500:
        errors["address"] = _("Адрес не длиннее 500 символов.")
    if len(data.district) > 150:
        errors["district"] = _("Район не длиннее 150 символов.")
    if data.urgency not in Urgency.values:
        errors["urgency"] = _("Срочность: обычная, срочная или критическая.")
    if not data.line.serves_region(data.region):
        errors["region"] = _("Линия «%(line)s» не обслуживает регион «%(region)s».") % {
            "line": data.line.name,
            "region": data.region.name,
        }
    offered = {c.pk for c in data.line.categories.all()}
    if offered and data.category.pk not in offered:
        errors["category"] = _("Линия не принимает заявки этой категории.")
    if errors:
        raise ValidationFailed(errors)


def due_at(*, category: Category, subcategory: Category | None, urgency: str, start) -> object:
    hours = (subcategory or category).deadline_hours * URGENCY_FACTOR[urgency]
    return start + timedelta(hours=hours)


def _may_register(actor: User, data: RequestInput) -> None:
    _require(actor, Right.REGISTER)
    _check_scope(actor, region=data.region, line=data.line)
    validate(data)


@transaction.atomic
def register_request(
    *, data: RequestInput, person: Person, actor: User, contact: Contact | None = None
) -> Request:
    _may_register(actor, data)
    return _create(data=data, person=person, actor=actor, contact=contact)


def _create(*, data: RequestInput, person: Person, actor: User, contact: Contact | None) -> Request:
    """The request and the first line of its timeline; the caller has checked the input."""
    now = timezone.now()
    prefix = data.line.number_prefix or data.region.short_code
    request = Request.objects.create(
        number=numbering.take(prefix, timezone.localdate().year),
        person=person,
        line=data.line,
        region=data.region,
        category=data.category,
        subcategory=data.subcategory,
        description=data.description.strip(),
        urgency=data.urgency,
        due_at=due_at(
            category=data.category,
            subcategory=data.subcategory,
            urgency=data.urgency,
            start=now,
        ),
        contact=contact,
        created_by=actor,
        created_at=now,
        address=data.address.strip(),
        phone=data.phone,
        district=data.district.strip(),
        age_60_plus=data.age_60_plus,
        self_isolation=data.self_isolation,
        intake={k: str(v)[:300] for k, v in list(data.intake.items())[:30]},
    )
    record_event(
        request,
        RequestEvent.Kind.CREATED,
        actor=actor,
        to_status=Status.NEW,
        at=now,
        data={"urgency": data.urgency, "category": (data.subcategory or data.category).code},
    )
    return request


def teams_for(user: User) -> QuerySet[Team]:
    """Teams within the user's regions; a team of no region serves everyone."""
    regions, _lines = user_scope(user)
    teams = Team.objects.all()
    return teams.filter(Q(region__in=regions) | Q(region=None)) if regions else teams


def requests_for(user: User) -> QuerySet[Request]:
    """Requests the access policy lets the user read (a 403 for roles that only count)."""
    return readable(Request.objects.all(), user, Kind.REQUEST)


def open_requests_of(user: User) -> QuerySet[Request]:
    """The user's own open requests (assigned to them, not closed): their work."""
    return requests_for(user).filter(assignee=user).exclude(status__in=table.CLOSED)


# Write that the user was shown these requests and their persons: `audit_shown(user=, rows=,
# action=, detail="")`, one INSERT.
audit_shown = audit.rows_writer(Kind.REQUEST, audit.Purpose.CASEWORK)


def open_request(*, request_id: int, user: User) -> Request:
    """A request shown to the user (its page, its API read): `get_request`, audited."""
    request = get_request(request_id=request_id, user=user)
    audit_shown(user=user, rows=[request], action=audit.Action.VIEW)
    return request


def get_request(*, request_id: int, user: User) -> Request:
    # Reference rows come from the process's snapshot: joining them too made PostgreSQL plan
    # an eight-table join on every read (see `assistance.listing`).
    rows = requests_for(user).select_related("person", "assignee", "team", "contact")
    return with_reference(one_or_404(rows, request_id, _("Заявка не найдена.")))


def with_reference(request: Request) -> Request:
    """Line, region and categories from the process's reference snapshot: no join, no query."""
    request.line = refcache.line(request.line_id)
    request.region = refcache.region(request.region_id)
    request.category = refcache.category(request.category_id)
    request.subcategory = refcache.category(request.subcategory_id)
    return request


def _locked(request_id: int, user: User, expected_version: int | None) -> Request:
    rows = requests_for(user).select_for_update()
    request = one_or_404(rows, request_id, _("Заявка не найдена."))
    request.check_version(
        expected_version,
        _(
            "Заявку уже изменил другой пользователь (версия %(current)d, у вас %(yours)d)."
            " Обновите страницу: ваши изменения не сохранены."
        )
        % {"current": request.version, "yours": expected_version or 0},
    )
    return request


@transaction.atomic
def transition(
    *,
    request_id: int,
    to: str,
    actor: User,
    comment: str = "",
    outcome: dict | None = None,
    expected_version: int | None = None,
    authorised_by: User | None = None,
) -> Request:
    """Move a request along the status table; an outcome is required to resolve.

    `authorised_by`: someone without the right to handle requests (a courier closing a
    delivery) acts under the authority of the one who gave them the task; the rights and
    scope checked are that person's, the timeline names the one who acted."""
    authority = authorised_by or actor
    _require(authority, Right.HANDLE_REQUESTS)
    request = _locked(request_id, authority, expected_version)
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed({"comment": _("Комментарий не длиннее %d символов.") % COMMENT_MAX})
    refusals = table.check(request.status, to, comment=comment, outcome=outcome)
    if table.is_reopen(request.status, to) and request.person.consent_withdrawn:
        # Withdrawn consent stops the work: only a recorded renewal lets it resume.
        raise Conflict(
            _("Человек отозвал согласие на обработку данных: заявку нельзя вернуть в работу."),
            code="consent_withdrawn",
        )
    if refusals:
        raise ValidationFailed(
            {r.field: REFUSAL_TEXT[r.code]() for r in refusals},
            _("Переход «%(from)s» → «%(to)s» невозможен.")
            % {"from": request.get_status_display(), "to": dict(Status.choices).get(to, to)},
            code="invalid_transition",
        )
    now = timezone.now()
    previous = request.status
    request.status = to
    if to == Status.RESOLVED:
        request.outcome_helped = outcome["helped"]
        request.outcome_how = outcome["how"]
        request.outcome_note = (outcome.get("note") or "")[:COMMENT_MAX]
        request.resolved_at = now
    elif to in table.CLOSED:
        request.resolved_at = now
    if table.is_reopen(previous, to):
        request.outcome_helped = None
        request.outcome_how = ""
        request.outcome_note = ""
        request.resolved_at = None
    _save_change(
        request,
        RequestEvent.Kind.TRANSITION,
        actor=actor,
        from_status=previous,
        to_status=to,
        text=comment.strip(),
        data={
            **({"outcome": outcome} if outcome else {}),
            **({"authorised_by": authorised_by.pk} if authorised_by else {}),
        },
        at=now,
    )
    return request


def _save_change(request: Request, kind: str, *, actor: User, **event) -> None:
    """A change of the request: its next version (what a stale edit is checked against),
    and the change on its timeline."""
    request.version += 1
    request.save()
    record_event(request, kind, actor=actor, **event)


def _chosen(
    actor: User, assignee_id: int | None, team_code: str
) -> tuple[User | None, Team | None]:
    """The assignee and the team as the page and the API name them (a user's id, a team's
    code): an unknown or inactive user, or a team outside the actor's regions, is refused."""
    assignee = team = None
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise ValidationFailed({"assignee": _("Пользователь не найден.")})
    if team_code:
        team = teams_for(actor).filter(code=team_code).first()
        if team is None:
            raise ValidationFailed({"team": _("Команда не найдена или вне вашей зоны.")})
    return assignee, team


@transaction.atomic
def assign(
    *,
    request_id: int,
    actor: User,
    assignee_id: int | None = None,
    team_code: str = "",
    expected_version: int | None = None,
) -> Request:
    """Give the request to a person who handles requests in its region and line, and/or to
    a team (none of either: unassigned)."""
    assignee, team = _chosen(actor, assignee_id, team_code)
    _require(actor, Right.HANDLE_REQUESTS)
    request = _locked(request_id, actor, expected_version)
    if assignee is not None and not in_scope(
        assignee, region_id=request.region_id, line_id=request.line_id
    ):
        raise ValidationFailed(
            {"assignee": _("Исполнитель не работает с этим регионом или линией.")}
        )
    if assignee is not None and not assignee.can(Right.HANDLE_REQUESTS):
        raise ValidationFailed({"assignee": _("У этого пользователя нет права вести заявки.")})
    before = {"assignee": request.assignee_id, "team": request.team_id}
    request.assignee = assignee
    request.team = team
    _save_change(
        request,
        RequestEvent.Kind.ASSIGNED,
        actor=actor,
        text=(assignee.display_name if assignee else "") or (team.name if team else ""),
        data={
            "before": before,
            "assignee": assignee.pk if assignee else None,
            "team": team.pk if team else None,
        },
    )
    return request


@transaction.atomic
def add_comment(
    *, request_id: int, actor: User, text: str, authorised_by: User | None = None
) -> RequestEvent:
    """A comment on the timeline; `authorised_by` as in `transition`."""
    authority = authorised_by or actor
    _require(authority, Right.HANDLE_REQUESTS)
    text = text.strip()
    if not text:
        raise ValidationFailed({"text": _("Пустой комментарий.")})
    if len(text) > COMMENT_MAX:
        raise ValidationFailed({"text": _("Комментарий не длиннее %d символов.") % COMMENT_MAX})
    request = get_request(request_id=request_id, user=authority)
    return record_event(
        request,
        RequestEvent.Kind.COMMENT,
        actor=actor,
        text=text,
        data={"authorised_by": authorised_by.pk} if authorised_by else {},
    )


class Registered(NamedTuple):
    request: Request
    matched: bool  # the person's card was there already: an answer showing it is a read


def register_with_person(
    *,
    data: RequestInput,
    person_data: people.PersonInput,
    actor: User,
    consent: bool,
    contact: Contact | None = None,
    consent_method: str = "oral_call",
) -> Registered:
    """Register the request and find or create its person, in one transaction: either both
    are stored or neither. `consent` has no default: every caller says whether the person
    agreed, and a request (it names a person) is refused without it.

    Every refusal is raised before the first write, so inside a caller's transaction (the
    Idempotency-Key's, the call card's) no savepoint is needed: a failure past that point
    is the database's, and undoes the caller's work too."""
    _may_register(actor, data)
    if consent is not True:
        raise ValidationFailed(
            {"consent": _("Нужно согласие заявителя на обработку персональных данных.")},
            code="consent_required",
        )
    e164 = people.validate(person_data)
    data = with_person_answers(data, person_data, e164, today=timezone.localdate())
    with transaction.atomic(savepoint=False):
        person, matched = people.find_or_register(
            data=person_data,
            consent=consent,
            actor=actor,
            method=consent_method,
            contact_id=contact.pk if contact else None,
        )
        if contact is not None and contact.person_id is None:
            Contact.objects.filter(pk=contact.pk).update(person=person)
        return Registered(_create(data=data, person=person, actor=actor, contact=contact), matched)
