"""/api/v1/volunteers: the public application, the workflow, documents, training, roles,
and a volunteer's own view. Shifts are in api_shifts.py and mounted under this router."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from vmeste.accounts import audit
from vmeste.core.dates import SaneDate
from vmeste.core.errors import NotFound, ValidationFailed
from vmeste.core.models import Centre
from vmeste.core.schemas import Id, ListOf, TimelineEventOut
from vmeste.volunteers import application, csv_import, public_form, services, shifts
from vmeste.volunteers.models import TrainingModule, Volunteer, VolunteerRole

router = Router(tags=["volunteers"])


class FormOut(Schema):
    token: str
    centres: list[dict]
    roles: list[dict]


class ApplicationIn(Schema):
    # Plain strings: the service reads and checks them all at once (volunteers.application),
    # so an answer lists every mistake, in Russian, not the schema's first.
    centre: str
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: str = Field(description="ГГГГ-ММ-ДД")
    phone: str
    email: str = ""
    district: str = ""
    wanted_roles: list[str] = []
    consent: bool
    document_kind: str = ""
    document_number: str = ""
    document_valid_until: str = Field("", description="ГГГГ-ММ-ДД")
    form_token: str
    website: str = ""  # the honeypot: people never see it, bots fill it


class AppliedOut(Schema):
    # No id: a known number and a new one must get the same answer (services.apply_public).
    status: str
    message: str


class ReasonOut(Schema):
    field: str
    code: str
    message: str


class VolunteerOut(Schema):
    id: int
    centre: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date
    phone: str
    email: str
    district: str
    status: str
    wanted_roles: list[str]
    roles: list[str]
    trainings: list[str]
    document_valid_until: date | None
    version: int
    next_statuses: list[str]


class MoveIn(Schema):
    to: str
    comment: str = ""
    version: int | None = None


class DocumentIn(Schema):
    valid_until: SaneDate
    kind: str = ""
    number: str = ""


class ExpiringOut(Schema):
    volunteer: int
    name: str
    centre: str
    valid_until: date | None
    expired: bool


class ModuleIn(Schema):
    centre: str
    code: str
    name: str
    format: str
    hours: Decimal = Decimal("2")
    required_for: list[str] = []


class ModuleOut(Schema):
    id: int
    code: str
    name: str
    format: str
    hours: Decimal
    required_for: list[str]


class CompletionIn(Schema):
    module: Id
    completed_on: SaneDate | None = None


class RoleIn(Schema):
    role: str


class RequirementsIo(Schema):
    min_age: int = 18
    max_age: int | None = None
    health_document_required: bool = False
    health_document_label: str = "QR-код"
    warn_days: int = 14


class VolunteerImportIn(Schema):
    centre: str = ""  # empty: each row's `centre` column
    csv: str


class ImportOut(Schema):
    created: int


class VolunteerMeOut(Schema):
    volunteer: VolunteerOut
    hours_total: Decimal
    calendar_url: str


def shape(v: Volunteer) -> dict:
    from vmeste.volunteers.rules import allowed_targets

    return {
        **{k: getattr(v, k) for k in VolunteerOut.model_fields if hasattr(v, k)},
        "centre": v.centre.code,
        # Read through .all() so that a list prefetches them once, not per volunteer.
        "roles": sorted(g.role for g in v.roles.all()),
        "trainings": sorted(t.module.code for t in v.trainings.all()),
        "document_valid_until": max((d.valid_until for d in v.documents.all()), default=None),
        "next_statuses": allowed_targets(v.status),
    }


@router.get("/volunteers/application-form", response=FormOut, auth=None)
def application_form(request: HttpRequest):
    return {
        "token": public_form.form_token(),
        "centres": [{"code": c.code, "name": c.name} for c in Centre.objects.all()],
        "roles": [{"code": r.value, "name": str(r.label)} for r in VolunteerRole],
    }


@router.post("/volunteers/apply", response={201: AppliedOut}, auth=None)
def apply(request: HttpRequest, payload: ApplicationIn):
    client = public_form.client_of(request)
    public_form.guard_public_form(token=payload.form_token, honeypot=payload.website, client=client)
    services.apply_public(
        application=application.read(
            payload.dict(), wanted_roles=payload.wanted_roles, consent=payload.consent
        ),
        client=client,
    )
    return Status(
        201,
        {
            "status": "applied",
            "message": _("Спасибо! Заявка принята, координатор свяжется с вами."),
        },
    )


@router.get("/volunteers", response=ListOf(VolunteerOut))
def list_volunteers(request: HttpRequest, status: str = "", centre: str = "", limit: int = 100):
    services.require_manager(request.user)
    qs = services.volunteers_for(request.user).prefetch_related(
        "roles", "trainings__module", "documents"
    )
    if status:
        qs = qs.filter(status=status)
    if centre:
        qs = qs.filter(centre__code=centre)
    shown = list(qs[: max(1, min(limit, 500))])
    services.audit_shown(user=request.user, volunteers=shown, action=audit.Action.LIST)
    return {"items": [shape(v) for v in shown], "count": qs.count()}


@router.get("/volunteers/me", response=VolunteerMeOut)
def me(request: HttpRequest):
    volunteer = getattr(request.user, "volunteer", None)
    if volunteer is None:
        raise NotFound("Вы не зарегистрированы как волонтёр.")
    return {
        "volunteer": shape(volunteer),
        "hours_total": shifts.hours_total(volunteer=volunteer),
        "calendar_url": f"/api/v1/shifts/feed/{volunteer.calendar_token}.ics",
    }


@router.get("/volunteers/expiring-documents", response=ListOf(ExpiringOut))
def expiring(request: HttpRequest):
    services.require_manager(request.user)
    items = [
        {
            "volunteer": e.volunteer.pk,
            "name": e.volunteer.full_name,
            "centre": e.volunteer.centre.code,
            "valid_until": e.valid_until,
            "expired": e.expired,
        }
        for e in services.expiring_documents(user=request.user)
    ]
    return {"items": items, "count": len(items)}


@router.get("/volunteers/trainings", response=ListOf(ModuleOut))
def list_modules(request: HttpRequest, centre: str):
    items = list(services.modules_for(services.centre_by_code(centre, user=request.user)))
    return {"items": items, "count": len(items)}


@router.post("/volunteers/trainings", response={201: ModuleOut})
def create_module(request: HttpRequest, payload: ModuleIn):
    services.require_manager(request.user)
    if payload.format not in TrainingModule.Format.values:
        raise ValidationFailed({"format": "Формат: remote или in_person."})
    bad = [r for r in payload.required_for if r not in VolunteerRole.values]
    if bad:
        raise ValidationFailed({"required_for": f"Неизвестная роль: {', '.join(bad)}."})
    module = TrainingModule.objects.create(
        centre=services.centre_by_code(payload.centre, user=request.user),
        **payload.dict(exclude={"centre"}),
    )
    return Status(201, module)


@router.get("/volunteers/requirements/{centre}", response=RequirementsIo)
def get_requirements(request: HttpRequest, centre: str):
    return services.rules_for(services.centre_by_code(centre, user=request.user)).__dict__


@router.put("/volunteers/requirements/{centre}", response=RequirementsIo)
def put_requirements(request: HttpRequest, centre: str, payload: RequirementsIo):
    row = services.set_requirements(
        centre=services.centre_by_code(centre, user=request.user),
        actor=request.user,
        **payload.dict(),
    )
    return services.rules_for(row.centre).__dict__


@router.post("/volunteers/import", response={201: ImportOut})
def import_csv(request: HttpRequest, payload: VolunteerImportIn):
    services.require_manager(request.user)
    created = csv_import.import_csv(
        centre=services.centre_by_code(payload.centre, user=request.user)
        if payload.centre
        else None,
        text=payload.csv,
        actor=request.user,
    )
    return Status(201, {"created": len(created)})


@router.get("/volunteers/{volunteer_id}", response=VolunteerOut)
def get_volunteer(request: HttpRequest, volunteer_id: Id):
    return shape(services.open_volunteer(user=request.user, pk=volunteer_id))


@router.get("/volunteers/{volunteer_id}/eligibility", response=ListOf(ReasonOut))
def eligibility(request: HttpRequest, volunteer_id: Id):
    volunteer = services.get_volunteer(user=request.user, pk=volunteer_id)
    items = [r.__dict__ for r in services.eligibility(volunteer=volunteer)]
    return {"items": items, "count": len(items)}


@router.get("/volunteers/{volunteer_id}/events", response=ListOf(TimelineEventOut))
def events(request: HttpRequest, volunteer_id: Id):
    volunteer = services.get_volunteer(user=request.user, pk=volunteer_id)
    items = [
        {**e.__dict__, "actor": e.actor.username if e.actor else None}
        for e in volunteer.events.select_related("actor")
    ]
    return {"items": items, "count": len(items)}


@router.post("/volunteers/{volunteer_id}/status", response=VolunteerOut)
def move(request: HttpRequest, volunteer_id: Id, payload: MoveIn):
    volunteer = services.get_volunteer(user=request.user, pk=volunteer_id)
    return shape(
        services.move(
            volunteer=volunteer,
            to=payload.to,
            actor=request.user,
            comment=payload.comment,
            expected_version=payload.version,
        )
    )


@router.post("/volunteers/{volunteer_id}/documents", response={201: VolunteerOut})
def add_document(request: HttpRequest, volunteer_id: Id, payload: DocumentIn):
    volunteer = services.get_volunteer(user=request.user, pk=volunteer_id)
    services.require_manager(request.user)
    services.add_document(volunteer=volunteer, actor=request.user, **payload.dict())
    return Status(201, shape(volunteer))


@router.post("/volunteers/{volunteer_id}/trainings", response={201: VolunteerOut})
def record_training(request: HttpRequest, volunteer_id: Id, payload: CompletionIn):
    volunteer = services.get_volunteer(user=request.user, pk=volunteer_id)
    module = TrainingModule.objects.filter(pk=payload.module, centre=volunteer.centre).first()
    if module is None:
        raise ValidationFailed({"module": "Нет такого модуля в центре волонтёра."})
    services.record_training(
        volunteer=volunteer, module=module, actor=request.user, completed_on=payload.completed_on
    )
    return Status(201, shape(volunteer))


@router.post("/volunteers/{volunteer_id}/roles", response={201: VolunteerOut})
def grant_role(request: HttpRequest, volunteer_id: Id, payload: RoleIn):
    volunteer = services.get_volunteer(user=request.user, pk=volunteer_id)
    services.grant_role(volunteer=volunteer, role=payload.role, actor=request.user)
    return Status(201, shape(volunteer))


@router.delete("/volunteers/{volunteer_id}/roles/{role}", response=VolunteerOut)
def revoke_role(request: HttpRequest, volunteer_id: Id, role: str):
    volunteer = services.get_volunteer(user=request.user, pk=volunteer_id)
    services.revoke_role(volunteer=volunteer, role=role, actor=request.user)
    return shape(volunteer)


def _shifts_router():
    from vmeste.volunteers.api_shifts import router as shifts_router

    return shifts_router


router.add_router("/", _shifts_router())
