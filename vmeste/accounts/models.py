"""Users with a role and a scope, API tokens, and the audit log of personal-data reads."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.accounts import tokencache
from vmeste.accounts.roles import Role, acting_role, has_right
from vmeste.core.models import Centre, Line, Region, optional_link
from vmeste.core.scoping import remember_scope


class User(AbstractUser):
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices, default=Role.OPERATOR)
    regions = models.ManyToManyField(
        Region, verbose_name=_("регионы"), blank=True, help_text=_("Пусто — все регионы.")
    )
    lines = models.ManyToManyField(
        Line, verbose_name=_("линии"), blank=True, help_text=_("Пусто — все линии.")
    )
    centre = optional_link(Centre, _("колл-центр"))
    language = models.CharField(
        _("язык интерфейса"), max_length=5, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def can(self, right: str) -> bool:
        return self.is_active and has_right(acting_role(self), right)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


TOKEN_TOUCH_EVERY = timedelta(seconds=60)
TOKEN_DAYS = 90  # a token's life unless its issuer asks for less (or more, up to a year)
TOKEN_MAX_DAYS = 366


def _token_expiry() -> datetime:
    return timezone.now() + timedelta(days=TOKEN_DAYS)


@functools.cache
def _token_sql() -> str:
    """The user's columns, the token's id, expiry and last use, the user's regions and lines
    and the token's own narrower ones as comma-separated ids (read by `core.scoping`); a
    revoked token, or one of a deactivated user, finds nothing."""
    q = connection.ops.quote_name
    concat = (
        "string_agg(CAST({} AS text), ',')"
        if connection.vendor == "postgresql"
        else "group_concat({})"
    )
    user, token = User._meta, ApiToken._meta
    scope = {
        name: f"(SELECT {concat.format(q(column))} FROM {q(through._meta.db_table)}"
        f" WHERE {q(through._meta.get_field(owner).column)} = {alias}.{q('id')})"
        for name, through, owner, alias, column in (
            ("scope_regions", User.regions.through, "user", "u", "region_id"),
            ("scope_lines", User.lines.through, "user", "u", "line_id"),
            ("token_regions", ApiToken.regions.through, "apitoken", "t", "region_id"),
            ("token_lines", ApiToken.lines.through, "apitoken", "t", "line_id"),
        )
    }
    return (
        f"SELECT u.*, t.{q('id')} AS token_id, t.{q('expires_at')} AS token_expires_at,"
        f" t.{q('last_used_at')} AS token_last_used_at,"
        f" {scope['scope_regions']} AS scope_regions, {scope['scope_lines']} AS scope_lines,"
        f" {scope['token_regions']} AS token_regions, {scope['token_lines']} AS token_lines"
        f" FROM {q(token.db_table)} t JOIN {q(user.db_table)} u"
        f" ON u.{q(user.pk.column)} = t.{q('user_id')}"
        f" WHERE t.{q('digest')} = %s AND t.{q('revoked_at')} IS NULL AND u.{q('is_active')}"
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """A time a raw column gave (SQLite: text or a naive UTC time) as an aware one."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _ids(joined: str | None) -> set[int]:
    return {int(pk) for pk in joined.split(",")} if joined else set()


def narrowed(owner: set[int], token: set[int]) -> set[int] | None:
    """The token's part of its owner's scope (empty = unlimited on both sides); None when
    nothing is left: the owner's scope has since shrunk away from the token's."""
    if not token:
        return owner
    if not owner:
        return token
    return (owner & token) or None


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once, at creation."""

    PREFIX = "vm_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("назначение"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("действует до"), default=_token_expiry)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A narrower scope than the owner's (empty: the owner's, as it is at each use).
    regions = models.ManyToManyField(
        Region, verbose_name=_("регионы"), blank=True, related_name="+"
    )
    lines = models.ManyToManyField(Line, verbose_name=_("линии"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("API-токен")
        verbose_name_plural = _("API-токены")

    @classmethod
    def issue(cls, *, user: User, name: str = "", days: int = TOKEN_DAYS) -> tuple[ApiToken, str]:
        """A new token (scope narrowing and checks: accounts.services.issue_token)."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            digest=_digest(raw),
            hint=raw[:10],
            expires_at=timezone.now() + timedelta(days=days),
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        """The active user behind an active token, with their scope already read.

        One hand-written statement instead of two ORM queries (the token with its user, then
        the scope): composing those two queries cost the server ~2 ms of CPU, the database a
        tenth of that. Its answer is kept in the process (``tokencache``) until a token, a
        user or a scope changes, so that most requests only ask the access change stamp."""
        now, digest = timezone.now(), _digest(raw)
        values, stamp = tokencache.kept(digest)
        if values is None:
            found = list(User.objects.raw(_token_sql(), [digest]))
            if not found:
                return None
            values = {**found[0].__dict__}
            values.pop("_state", None)
            for column in ("token_expires_at", "token_last_used_at"):  # not fields: as read
                values[column] = _aware(values[column])
            tokencache.keep(digest, values, stamp)
        if values["token_expires_at"] <= now:
            return None
        user = User(**{f.attname: values[f.attname] for f in User._meta.concrete_fields})
        user._state.adding, user._state.db = False, User.objects.db
        regions = narrowed(_ids(values["scope_regions"]), _ids(values["token_regions"]))
        lines = narrowed(_ids(values["scope_lines"]), _ids(values["token_lines"]))
        if regions is None or lines is None:
            return None
        remember_scope(user, regions=regions, lines=lines)
        # One write a minute at most: a busy integration should not turn reads into writes.
        used = values["token_last_used_at"]
        if used is None or used < now - TOKEN_TOUCH_EVERY:
            cls.objects.filter(pk=values["token_id"]).update(last_used_at=now)
            tokencache.touched(digest, {**values, "token_last_used_at": now})
        return user


class AuditEntry(models.Model):
    """Who was shown which records of personal data, when, through what and why: one row per
    read (a card, a list page, a search — even one that found nothing —, an export)."""

    class Action(models.TextChoices):
        VIEW = "view", _("просмотр карточки")
        LOOKUP = "lookup", _("поиск по телефону")
        SEARCH = "search", _("поиск")
        LIST = "list", _("список")
        EXPORT = "export", _("выгрузка")
        MERGE = "merge", _("объединение")

    class Channel(models.TextChoices):
        WEB = "web", _("веб-интерфейс")
        API = "api", _("API")
        CLI = "cli", _("командная строка")
        EXPORT = "export", _("выгрузка")

    class Purpose(models.TextChoices):
        CALL = "call", _("приём обращения")
        CASEWORK = "casework", _("работа с заявкой")
        DISPATCH = "dispatch", _("доставка")
        ELIGIBILITY = "eligibility", _("подбор мер поддержки")
        MERGE = "merge", _("объединение дублей")
        VOLUNTEERS = "volunteers", _("работа с волонтёрами")
        EXPORT = "export", _("выгрузка")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    # The first record shown, indexed: "who opened this card" is one index look-up.
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, blank=True)
    # Every record shown, as " kind:id kind:id " (see `vmeste.accounts.audit`): a text both
    # databases search the same way, written in the same single INSERT.
    records = models.TextField(blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("запись аудита")
        verbose_name_plural = _("журнал аудита")
