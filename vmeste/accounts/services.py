"""Users and tokens: created here by the CLI, the admin pages and the demo loader alike.

Nobody grants more scope or rights than they hold: an administrator creates, changes, lists
and audits only users whose role's rights are among their own and whose scope lies inside
theirs (`check_grant`, `manageable_users`, `visible_audit`). The CLI acts as the server
itself (`actor=None`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts import tokencache
from vmeste.accounts.models import TOKEN_DAYS, TOKEN_MAX_DAYS, ApiToken, AuditEntry, User
from vmeste.accounts.roles import RIGHTS, Right, Role
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Centre, Line, Region
from vmeste.core.scoping import user_scope


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    role: str,
    regions: list[str] = (),
    lines: list[str] = (),
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    centre: str | None = None,
    check_password: bool = True,
) -> tuple[User, str]:
    """Create a user with a role and a scope; returns the user and the password (generated
    when not given, so that it can be shown once). `actor`: who creates the user, held to
    `check_grant`; None for the server itself (CLI, demo and load loaders)."""
    if actor is not None and not actor.can(Right.MANAGE_USERS):
        raise Forbidden()
    errors: dict[str, str] = {}
    username = username.strip()
    if not username:
        errors["username"] = _("Укажите имя пользователя.")
    elif User.objects.filter(username=username).exists():
        errors["username"] = _("Пользователь «%s» уже есть.") % username
    if role not in Role.values:
        errors["role"] = _("Неизвестная роль «%(role)s»; возможны: %(roles)s.") % {
            "role": role,
            "roles": ", ".join(Role.values),
        }
    region_rows = list(Region.objects.filter(code__in=[c.upper() for c in regions]))
    missing = {c.upper() for c in regions} - {r.code for r in region_rows}
    if missing:
        errors["region"] = _("Неизвестные регионы: %s.") % ", ".join(sorted(missing))
    line_rows = list(Line.objects.filter(code__in=list(lines)))
    missing = set(lines) - {line.code for line in line_rows}
    if missing:
        errors["line"] = _("Неизвестные линии: %s.") % ", ".join(sorted(missing))
    centre_row = None
    if centre:
        centre_row = Centre.objects.filter(code=centre).first()
        if centre_row is None:
            errors["centre"] = _("Неизвестный колл-центр «%s».") % centre
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    if check_password and not generated:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
    if actor is not None and "role" not in errors:
        errors.update(grant_refusals(actor, role=role, regions=region_rows, lines=line_rows))
    if errors:
        raise ValidationFailed(errors)
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        first_name=first_name,
        last_name=last_name,
        centre=centre_row,
        is_staff=role == Role.ADMINISTRATOR,
    )
    user.regions.set(region_rows)
    user.lines.set(line_rows)
    return user, password


def issue_token(
    *,
    username: str,
    name: str = "",
    days: int = TOKEN_DAYS,
    regions: list[str] = (),
    lines: list[str] = (),
) -> str:
    """A new token for an active user, shown once: it expires after `days` and may be
    narrowed to some of the owner's regions and lines, never widened past them."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(_("Пользователь «%s» не найден.") % username)
    return create_token(user=user, name=name, days=days, regions=regions, lines=lines)[1]


@transaction.atomic
def create_token(
    *,
    user: User,
    name: str = "",
    days: int = TOKEN_DAYS,
    regions: list[str] = (),
    lines: list[str] = (),
) -> tuple[ApiToken, str]:
    errors: dict[str, str] = {}
    if not 1 <= days <= TOKEN_MAX_DAYS:
        errors["days"] = _("Срок действия токена — от 1 до %d дней.") % TOKEN_MAX_DAYS
    region_rows = _within(Region, regions, user.regions.all(), "regions", errors)
    line_rows = _within(Line, lines, user.lines.all(), "lines", errors)
    if errors:
        raise ValidationFailed(errors)
    token, raw = ApiToken.issue(user=user, name=name, days=days)
    token.regions.set(region_rows)
    token.lines.set(line_rows)
    return token, raw


def _within(model, codes, owned, field: str, errors: dict) -> list:
    """The rows named by `codes`, each inside the owner's own (an empty own set: all)."""
    rows = list(model.objects.filter(code__in=set(codes)))
    unknown = set(codes) - {row.code for row in rows}
    owned_ids = {row.pk for row in owned}
    wider = [row.code for row in rows if owned_ids and row.pk not in owned_ids]
    if unknown:
        errors[field] = _("Неизвестные коды: %s.") % ", ".join(sorted(unknown))
    elif wider:
        errors[field] = _("Шире, чем у владельца токена: %s.") % ", ".join(sorted(wider))
    return rows


def revoke_token(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound(_("Токен не найден или уже отозван."))
    tokencache.clear()  # other processes: by the access stamp, when this commits


def grantable_roles(actor: User) -> list[str]:
    """The roles whose every right the actor holds."""
    if not actor.can(Right.MANAGE_USERS):
        return []
    held = RIGHTS.get(actor.role, frozenset())
    return [role for role in Role.values if RIGHTS.get(role, frozenset()) <= held]


def _covers(outer: set[int], inner: set[int]) -> bool:
    """Empty means all: an unlimited scope covers any; a limited one only a non-empty part."""
    return not outer or (bool(inner) and inner <= outer)


def grant_refusals(
    actor: User, *, role: str, regions: Iterable[Region], lines: Iterable[Line]
) -> dict[str, str]:
    """What the actor may not hand out, by field: a role with a right they lack, a region or
    line outside their scope, or an empty list (which means all) when they are limited."""
    errors: dict[str, str] = {}
    if role not in grantable_roles(actor):
        errors["role"] = _("Нельзя назначить роль с правами, которых нет у вас.")
    own_regions, own_lines = user_scope(actor)
    if not _covers(own_regions, {r.pk for r in regions}):
        errors["regions"] = _("Укажите регионы из вашей зоны работы (пусто — все регионы).")
    if not _covers(own_lines, {line.pk for line in lines}):
        errors["lines"] = _("Укажите линии из вашей зоны работы (пусто — все линии).")
    return errors


def check_grant(
    actor: User, *, role: str, regions: Iterable[Region], lines: Iterable[Line]
) -> None:
    errors = grant_refusals(actor, role=role, regions=list(regions), lines=list(lines))
    if errors:
        raise ValidationFailed(errors)


def _inside(users: QuerySet[User], through, column: str, own: set[int]) -> QuerySet[User]:
    """Those of `users` with at least one row in `through` and none outside `own`."""
    rows = through.objects.filter(user_id=OuterRef("pk"))
    return users.filter(Exists(rows)).exclude(Exists(rows.exclude(**{f"{column}__in": own})))


def manageable_users(actor: User) -> QuerySet[User]:
    """The users the actor may see in the user list and change: roles they could grant,
    scope inside theirs (themselves included, so they can change their name or password)."""
    users = User.objects.filter(role__in=grantable_roles(actor))
    own_regions, own_lines = user_scope(actor)
    if own_regions:
        users = _inside(users, User.regions.through, "region_id", own_regions)
    if own_lines:
        users = _inside(users, User.lines.through, "line_id", own_lines)
    return users


# object_type → the ids (as text) of such objects in a user's scope; the app owning the
# object registers it (`people` registers "person"), since accounts cannot import it.
AUDIT_SUBJECTS: dict[str, Callable[[User], QuerySet]] = {}


def register_audit_subject(object_type: str, ids_in_scope: Callable[[User], QuerySet]) -> None:
    AUDIT_SUBJECTS[object_type] = ids_in_scope


def visible_audit(actor: User) -> QuerySet[AuditEntry]:
    """The audit log an administrator reads: all of it when unlimited; otherwise the entries
    of the users they manage and those about objects (persons) in their regions."""
    if not actor.can(Right.MANAGE_USERS):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.all()
    own_regions, own_lines = user_scope(actor)
    if not own_regions and not own_lines:
        return entries
    condition = Q(user__in=manageable_users(actor))
    for object_type, ids_in_scope in AUDIT_SUBJECTS.items():
        condition |= Q(object_type=object_type, object_id__in=ids_in_scope(actor))
    return entries.filter(condition)


def widen_line_scope(*, user: User, line) -> None:
    """A user limited to a list of lines who has just made a line gets it in that list (an
    empty list already means every line); otherwise they could not open what they made."""
    if user is None or not user.pk:
        return
    if user.lines.exists() and not user.lines.filter(pk=line.pk).exists():
        user.lines.add(line)
        user._vmeste_scope = None  # the cached scope is read again on the next check
