"""Users and tokens: created here by the CLI, the admin pages and the demo loader alike."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.models import TOKEN_DAYS, TOKEN_MAX_DAYS, ApiToken, User
from vmeste.accounts.roles import Role
from vmeste.core.errors import NotFound, ValidationFailed
from vmeste.core.models import Centre, Line, Region


@transaction.atomic
def create_user(
    *,
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
    when not given, so that it can be shown once)."""
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
