"""Users with a role and a scope, API tokens, and the audit log of personal-data reads."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.accounts.roles import Role, has_right
from vmeste.core.models import Centre, Line, Region


class User(AbstractUser):
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices, default=Role.OPERATOR)
    regions = models.ManyToManyField(
        Region, verbose_name=_("регионы"), blank=True, help_text=_("Пусто — все регионы.")
    )
    lines = models.ManyToManyField(
        Line, verbose_name=_("линии"), blank=True, help_text=_("Пусто — все линии.")
    )
    centre = models.ForeignKey(
        Centre, verbose_name=_("колл-центр"), null=True, blank=True, on_delete=models.SET_NULL
    )
    language = models.CharField(
        _("язык интерфейса"), max_length=5, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def can(self, right: str) -> bool:
        return self.is_active and has_right(self.role, right)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once, at creation."""

    PREFIX = "vm_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("назначение"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-токен")
        verbose_name_plural = _("API-токены")

    @classmethod
    def issue(cls, *, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=_digest(raw), hint=raw[:10])
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        token = cls.objects.active().select_related("user").filter(digest=_digest(raw)).first()
        if token is None:
            return None
        now = timezone.now()
        # One write a minute at most: a busy integration should not turn reads into writes.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


class AuditEntry(models.Model):
    """Who opened which person's data, when, and through what."""

    class Action(models.TextChoices):
        VIEW = "view", _("просмотр карточки")
        LOOKUP = "lookup", _("поиск по телефону")
        EXPORT = "export", _("выгрузка")
        MERGE = "merge", _("объединение")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, db_index=True)
    channel = models.CharField(max_length=10, default="web")  # web | api | cli
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("запись аудита")
        verbose_name_plural = _("журнал аудита")
