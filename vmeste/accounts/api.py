"""Who am I, my API tokens, users (administrators) and the audit log (administrators)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from vmeste.accounts import audit, services
from vmeste.accounts.models import TOKEN_DAYS, TOKEN_MAX_DAYS, ApiToken, User
from vmeste.accounts.roles import RIGHTS, Right
from vmeste.core.errors import Forbidden
from vmeste.core.schemas import Id, ListOf

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    rights: list[str]
    regions: list[str]
    lines: list[str]


class TokenIn(Schema):
    name: str = Field("", max_length=100)
    days: int = Field(TOKEN_DAYS, ge=1, le=TOKEN_MAX_DAYS)
    # Narrower than the owner's scope (empty: the owner's); never wider.
    regions: list[str] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    regions: list[str]
    lines: list[str]


class NewTokenOut(TokenOut):
    token: str


class UserIn(Schema):
    username: str
    role: str
    regions: list[str] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)
    password: str | None = None
    first_name: str = ""
    last_name: str = ""
    centre: str | None = None


class UserOut(Schema):
    id: int
    username: str
    role: str
    regions: list[str]
    lines: list[str]
    is_active: bool


class AuditOut(Schema):
    at: datetime
    user: str | None
    action: str
    object_type: str
    object_id: str
    channel: str
    purpose: str
    records: list[str] = Field(description='every record shown, as "kind:id"')
    detail: str


class AuditFilters(Schema):
    object_type: str = ""
    object_id: str = ""
    user: str = ""
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


def _user_out(user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "role": user.role,
        "regions": [r.code for r in user.regions.all()],
        "lines": [line.code for line in user.lines.all()],
        "is_active": user.is_active,
    }


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = request.user
    return {
        **_user_out(user),
        "name": user.display_name,
        "rights": sorted(RIGHTS.get(user.role, ())),
    }


def _token_out(token: ApiToken) -> dict:
    return {
        **{name: getattr(token, name) for name in TokenOut.model_fields if hasattr(token, name)},
        "regions": sorted(r.code for r in token.regions.all()),
        "lines": sorted(line.code for line in token.lines.all()),
    }


@router.get("/tokens", response=ListOf(TokenOut))
def my_tokens(request: HttpRequest):
    tokens = ApiToken.objects.filter(user=request.user).prefetch_related("regions", "lines")
    items = [_token_out(t) for t in tokens.order_by("-created_at")]
    return {"items": items, "count": len(items)}


@router.post("/tokens", response={201: NewTokenOut})
def create_token(request: HttpRequest, payload: TokenIn):
    token, raw = services.create_token(user=request.user, **payload.dict())
    return Status(201, {**_token_out(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: Id):
    services.revoke_token(user=request.user, token_id=token_id)
    return Status(204, None)


@router.get("/users", response=ListOf(UserOut))
def list_users(request: HttpRequest):
    if not request.user.can(Right.MANAGE_USERS):
        raise Forbidden()
    users = (
        services.manageable_users(request.user)
        .prefetch_related("regions", "lines")
        .order_by("username")
    )
    return {"items": [_user_out(u) for u in users], "count": users.count()}


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserIn):
    user, _password = services.create_user(actor=request.user, **payload.dict())
    return Status(201, _user_out(user))


@router.get("/audit", response=ListOf(AuditOut))
def audit_log(request: HttpRequest, filters: Query[AuditFilters]):
    if not request.user.can(Right.MANAGE_USERS):
        raise Forbidden()
    qs = services.visible_audit(request.user).select_related("user")
    if filters.object_type and filters.object_id:
        # Every read that showed the record, first or in a list.
        qs = qs.filter(audit.mentioning(filters.object_type, filters.object_id))
    elif filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    elif filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.user:
        qs = qs.filter(user__username=filters.user)
    page = qs[filters.offset : filters.offset + filters.limit]
    items = [
        {
            "at": e.at,
            "user": e.user.username if e.user else None,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "channel": e.channel,
            "purpose": e.purpose,
            "records": e.records.split(),
            "detail": e.detail,
        }
        for e in page
    ]
    return {"items": items, "count": qs.count()}
