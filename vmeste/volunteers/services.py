"""Recruitment: applications, the status workflow, requirements, documents, training, roles.

The only code that writes volunteers; the public form, the API, the CLI import and the staff
pages all call these functions. Shifts live in `shifts.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.access import Kind, readable
from vmeste.accounts.models import User
from vmeste.accounts.roles import VOLUNTEER_OPERATOR, Right, Role
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Centre
from vmeste.core.scoping import in_scope
from vmeste.core.timeline import record_event
from vmeste.people.phones import normalise
from vmeste.volunteers import application as application_form
from vmeste.volunteers import rules
from vmeste.volunteers.application import Application
from vmeste.volunteers.models import (
    HealthDocument,
    Requirements,
    RoleGrant,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
    VolunteerRole,
)


def can_manage(user) -> bool:
    return bool(user and user.is_authenticated and user.can(Right.MANAGE_VOLUNTEERS))


def require_manager(user) -> None:
    if not can_manage(user):
        raise Forbidden(_("Управлять волонтёрами могут администратор, супервизор и координатор."))


def volunteers_for(user) -> QuerySet[Volunteer]:
    """Volunteers the access policy lets the user read: their managers', in scope."""
    return readable(
        Volunteer.objects.select_related("centre", "centre__region"), user, Kind.VOLUNTEER
    )


def get_employee(*, user, pk: int) -> User:
    """An employee of a centre in the manager's scope (the centre's region decides), for a
    shift; anyone else answers 404."""
    require_manager(user)
    employee = (
        User.objects.select_related("centre")
        .filter(pk=pk, is_active=True, centre__isnull=False)
        .first()
    )
    if employee is None or not in_scope(user, region_id=employee.centre.region_id, line_id=None):
        raise NotFound()
    return employee


def audit_shown(*, user, volunteers, action: str) -> None:
    """Write that a manager was shown these volunteers (their names, phones, documents)."""
    audit.record(
        user=user,
        action=action,
        purpose=audit.Purpose.VOLUNTEERS,
        shown={Kind.VOLUNTEER: [v.pk for v in volunteers]},
    )


def open_volunteer(*, user, pk: int) -> Volunteer:
    """A volunteer's card shown (`get_volunteer`); audited unless it is the user's own."""
    volunteer = get_volunteer(user=user, pk=pk)
    if getattr(user, "volunteer", None) != volunteer:
        audit_shown(user=user, volunteers=[volunteer], action=audit.Action.VIEW)
    return volunteer


def get_volunteer(*, user, pk: int) -> Volunteer:
    """A volunteer the user manages, or their own record."""
    own = getattr(user, "volunteer", None) if user.is_authenticated else None
    if own is not None and own.pk == pk:
        return own
    require_manager(user)
    volunteer = volunteers_for(user).filter(pk=pk).first()
    if volunteer is None:
        raise NotFound()
    return volunteer


def rules_for(centre: Centre) -> rules.Rules:
    row = Requirements.objects.filter(centre=centre).first()
    if row is None:
        return rules.Rules()
    return rules.Rules(
        min_age=row.min_age,
        max_age=row.max_age,
        health_document_required=row.health_document_required,
        health_document_label=row.health_document_label,
        warn_days=row.warn_days,
    )


def set_requirements(*, centre: Centre, actor, **values) -> Requirements:
    require_manager(actor)
    row, _created = Requirements.objects.get_or_create(centre=centre)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


def document_valid_until(volunteer: Volunteer) -> date | None:
    return volunteer.documents.aggregate(m=Max("valid_until"))["m"]


def eligibility(*, volunteer: Volunteer, today: date | None = None) -> list[rules.Reason]:
    return rules.check_eligibility(
        rules=rules_for(volunteer.centre),
        birth_date=volunteer.birth_date,
        document_valid_until=document_valid_until(volunteer),
        today=today or timezone.localdate(),
    )


def _refuse(reasons: list[rules.Reason]) -> None:
    if reasons:
        fields: dict[str, list[str]] = {}
        for reason in reasons:
            fields.setdefault(reason.field, []).append(reason.message)
        raise ValidationFailed(fields, reasons[0].message, code=reasons[0].code)


def _check_application(a: Application) -> None:
    """Refuse every mistake of the application at once: its fields' and, when the centre and
    the birth date are known, the centre's rules that can never pass (age, expired document;
    a missing document may be brought later)."""
    errors = application_form.errors_of(a)
    reasons = []
    if a.centre is not None and a.birth_date is not None:
        reasons = rules.check_eligibility(
            rules=rules_for(a.centre),
            birth_date=a.birth_date,
            document_valid_until=a.document_valid_until,
            today=timezone.localdate(),
        )
        reasons = [r for r in reasons if r.code != "missing_document"]
    if errors:
        for reason in reasons:
            errors.setdefault(reason.field, []).append(reason.message)
        raise ValidationFailed(errors)
    _refuse(reasons)


def apply(
    *, application: Application, client: str = "", source: str = "web", actor=None
) -> Volunteer:
    """Register an application; refuse at once what can never pass (age, expired document)."""
    a = application
    _check_application(a)
    centre_rules = rules_for(a.centre)
    phone = application_form.phone_of(a)
    if Volunteer.objects.filter(centre=a.centre, phone=phone).exists():
        raise Conflict(
            _("Волонтёр с этим телефоном уже зарегистрирован в этом центре."),
            code="duplicate",
            fields={"phone": _("Этот номер уже есть.")},
        )
    with transaction.atomic():
        try:
            volunteer = Volunteer.objects.create(
                centre=a.centre,
                last_name=a.last_name.strip(),
                first_name=a.first_name.strip(),
                middle_name=a.middle_name.strip(),
                birth_date=a.birth_date,
                phone=phone,
                email=a.email.strip(),
                district=a.district.strip(),
                wanted_roles=list(a.wanted_roles),
                consent_at=timezone.now(),
                source=source,
                client_hash=client,
            )
        except IntegrityError:
            raise Conflict(_("Волонтёр с этим телефоном уже зарегистрирован.")) from None
        if a.document_valid_until:
            HealthDocument.objects.create(
                volunteer=volunteer,
                kind=a.document_kind or centre_rules.health_document_label,
                number=a.document_number,
                valid_until=a.document_valid_until,
            )
        record_event(volunteer, "applied", actor=actor, to_status=volunteer.status, text=source)
    return volunteer


def apply_public(*, application: Application, client: str) -> None:
    """The public form's application: the same answer whether or not the number is known.

    A number already registered at the centre is not refused (that would tell anyone which
    numbers are volunteers'): the application is noted on the existing card for its
    coordinator, and the caller is thanked as for a new one."""
    try:
        apply(application=application, client=client, source="web")
    except Conflict:
        existing = Volunteer.objects.filter(
            centre=application.centre, phone=normalise(application.phone).e164
        ).first()
        if existing is None:  # not the number: some other conflict, say so
            raise
        record_event(existing, "reapplied", text=_("Повторная анкета с публичной формы."))


def move(
    *, volunteer: Volunteer, to: str, actor, comment: str = "", expected_version: int | None = None
) -> Volunteer:
    """Move a volunteer along the workflow; entering screening, training or active checks
    the centre's requirements and says why when they are not met."""
    require_manager(actor)
    if not rules.can_move(volunteer.status, to):
        raise ValidationFailed(
            {
                "to": _("Переход «%(frm)s» → «%(to)s» невозможен.")
                % {"frm": volunteer.status, "to": to}
            },
            code="not_allowed",
        )
    if to in rules.CHECKED_ON_ENTRY:
        _refuse(eligibility(volunteer=volunteer))
    if to == rules.ACTIVE and not volunteer.roles.exists():
        raise ValidationFailed(
            {"to": _("Нет ни одной роли: роль выдаётся после обучения.")},
            _("Нет ни одной роли: роль выдаётся после обучения."),
            code="no_role",
        )
    with transaction.atomic():
        version = expected_version if expected_version is not None else volunteer.version
        updated = Volunteer.objects.filter(
            pk=volunteer.pk, version=version, status=volunteer.status
        ).update(status=to, version=F("version") + 1)
        if not updated:
            raise Conflict(_("Карточку волонтёра уже изменили. Обновите страницу."))
        frm = volunteer.status
        volunteer.refresh_from_db()
        record_event(volunteer, "status", actor=actor, from_status=frm, to_status=to, text=comment)
        if to == rules.ACTIVE:
            ensure_account(volunteer=volunteer)
    return volunteer


def ensure_account(*, volunteer: Volunteer) -> User:
    """An active volunteer signs in to see their shifts; the account is made on activation."""
    if volunteer.user_id:
        return volunteer.user
    username = f"v{volunteer.phone.lstrip('+')}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            first_name=volunteer.first_name,
            last_name=volunteer.last_name,
            email=volunteer.email,
            role=Role.VOLUNTEER,
            centre=volunteer.centre,
        )
        user.set_unusable_password()
        user.save()
        if volunteer.centre.region_id:
            user.regions.add(volunteer.centre.region_id)
    volunteer.user = user
    volunteer.save(update_fields=["user"])
    return user


def add_document(
    *, volunteer: Volunteer, valid_until: date, actor, kind: str = "", number: str = ""
) -> HealthDocument:
    document = HealthDocument.objects.create(
        volunteer=volunteer,
        kind=kind or rules_for(volunteer.centre).health_document_label,
        number=number,
        valid_until=valid_until,
    )
    record_event(
        volunteer, "document", actor=actor, text=f"{document.kind} до {valid_until:%d.%m.%Y}"
    )
    return document


@dataclass(frozen=True)
class Expiring:
    volunteer: Volunteer
    valid_until: date | None
    expired: bool


def expiring_documents(*, user, today: date | None = None) -> list[Expiring]:
    """Working volunteers whose document has expired or ends within the centre's warning
    period (default 14 days), so that they can renew it before their next shift."""
    today = today or timezone.localdate()
    working = (
        volunteers_for(user)
        .filter(status__in=[rules.TRAINING, rules.ACTIVE, rules.PAUSED])
        .annotate(until=Max("documents__valid_until"))
    )
    warn: dict[int, int] = dict(Requirements.objects.values_list("centre_id", "warn_days"))
    required = set(
        Requirements.objects.filter(health_document_required=True).values_list(
            "centre_id", flat=True
        )
    )
    out = []
    for v in working.order_by("until"):
        if v.until is None:
            if v.centre_id in required:
                out.append(Expiring(v, None, True))
            continue
        if v.until < today:
            out.append(Expiring(v, v.until, True))
        elif rules.expires_soon(v.until, today=today, warn_days=warn.get(v.centre_id, 14)):
            out.append(Expiring(v, v.until, False))
    return out


def document_warning(*, volunteer: Volunteer, today: date | None = None) -> str:
    """What to tell the volunteer themselves about their document, ahead of its expiry."""
    today = today or timezone.localdate()
    centre_rules = rules_for(volunteer.centre)
    until = document_valid_until(volunteer)
    if until is None or until < today:
        return ""  # eligibility() already gives the reason (missing or expired)
    if rules.expires_soon(until, today=today, warn_days=centre_rules.warn_days):
        return _("Срок действия документа «%(doc)s» истекает %(date)s — обновите его заранее.") % {
            "doc": centre_rules.health_document_label or _("медицинский документ"),
            "date": until.strftime("%d.%m.%Y"),
        }
    return ""


def modules_for(centre: Centre) -> QuerySet[TrainingModule]:
    return TrainingModule.objects.filter(centre=centre)


def record_training(
    *, volunteer: Volunteer, module: TrainingModule, actor, completed_on: date | None = None
) -> TrainingCompletion:
    require_manager(actor)
    if module.centre_id != volunteer.centre_id:
        raise ValidationFailed({"module": _("Этот модуль другого центра.")})
    completion, created = TrainingCompletion.objects.get_or_create(
        volunteer=volunteer,
        module=module,
        defaults={"completed_on": completed_on or timezone.localdate(), "recorded_by": actor},
    )
    if created:
        record_event(volunteer, "training", actor=actor, text=module.name)
    return completion


def missing_for_role(*, volunteer: Volunteer, role: str) -> list[TrainingModule]:
    required = [m for m in modules_for(volunteer.centre) if role in (m.required_for or [])]
    done = set(volunteer.trainings.values_list("module_id", flat=True))
    return [m for m in required if m.pk not in done]


def grant_role(*, volunteer: Volunteer, role: str, actor) -> RoleGrant:
    """A role is granted only when every training the centre requires for it is done."""
    require_manager(actor)
    if role not in VolunteerRole.values:
        raise ValidationFailed({"role": _("Неизвестная роль: %s.") % role})
    missing = missing_for_role(volunteer=volunteer, role=role)
    if missing:
        names = ", ".join(f"«{m.name}»" for m in missing)
        raise ValidationFailed(
            {"role": _("Роль не выдана: не пройдено обучение %s.") % names},
            _("Роль не выдана: не пройдено обучение %s.") % names,
            code="training_missing",
        )
    grant, created = RoleGrant.objects.get_or_create(
        volunteer=volunteer, role=role, defaults={"granted_by": actor}
    )
    if created:
        record_event(volunteer, "role", actor=actor, text=f"+{role}")
    return grant


def revoke_role(*, volunteer: Volunteer, role: str, actor) -> None:
    require_manager(actor)
    if RoleGrant.objects.filter(volunteer=volunteer, role=role).delete()[0]:
        record_event(volunteer, "role", actor=actor, text=f"-{role}")


def acting_role_of_volunteer(user: User) -> str:
    """The role a volunteer's account acts in: an operator's (the call card, registering the
    calls they are sent) while they are an active volunteer granted the operator role."""
    answers_calls = RoleGrant.objects.filter(
        volunteer__user=user, volunteer__status=rules.ACTIVE, role=VolunteerRole.OPERATOR
    ).exists()
    return VOLUNTEER_OPERATOR if answers_calls else Role.VOLUNTEER


def roles_of(volunteer: Volunteer) -> set[str]:
    return set(volunteer.roles.values_list("role", flat=True))


def centre_by_code(code: str, *, user=None, field: str = "centre") -> Centre:
    """A centre by its code; for a signed-in user, only one within their regions."""
    centre = Centre.objects.select_related("region").filter(code=(code or "").strip()).first()
    if centre is not None and user is not None:
        from vmeste.core.scoping import user_scope

        regions, _lines = user_scope(user)
        if regions and centre.region_id not in regions and user.centre_id != centre.pk:
            centre = None
    if centre is None:
        raise ValidationFailed({field: _("Неизвестный центр: «%s».") % code})
    return centre


def centre_shown(user: User, asked: str = "") -> Centre:
    """The centre a page about one centre shows (the rota, the coverage, the dispatch board):
    the one asked for, else the user's own, else the first; only one within their regions."""
    code = asked or (user.centre.code if user.centre_id else "")
    code = code or Centre.objects.values_list("code", flat=True).first() or ""
    if not code:
        raise NotFound(_("Нет центров."))
    return centre_by_code(code, user=user)


def save_requirements(*, centre: Centre, values: dict | None) -> bool:
    """A centre's requirements exactly as a line's configuration states them (None: the
    defaults, no row); whether they changed. The caller has checked the right to do it."""
    row = Requirements.objects.filter(centre=centre).first()
    if values is None:
        if row is not None:
            row.delete()
        return row is not None
    if row is not None and all(getattr(row, k) == v for k, v in values.items()):
        return False
    Requirements.objects.update_or_create(centre=centre, defaults=values)
    return True
