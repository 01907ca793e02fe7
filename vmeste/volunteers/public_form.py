"""The public application form's defences, no external captcha (closed networks): a field
people never see (bots fill it), a signed time the form was shown (bots post at once), and
a ceiling on applications per client address."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.core.errors import ServiceError
from vmeste.volunteers.models import Volunteer

FORM_MIN_SECONDS = 3  # a person needs longer than this to fill the form; a bot does not
FORM_MAX_SECONDS = 24 * 3600
APPLICATIONS_PER_HOUR = 5  # per client address


def form_token(now=None) -> str:
    return signing.dumps({"t": (now or timezone.now()).timestamp()}, salt="volunteer-form")


def client_hash(address: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def guard_public_form(*, token: str, honeypot: str, client: str, now=None) -> None:
    now = now or timezone.now()
    if honeypot:
        raise ServiceError(_("Заявка не принята."), code="spam")
    try:
        shown = signing.loads(token or "", salt="volunteer-form")["t"]
    except (signing.BadSignature, KeyError, TypeError):
        raise ServiceError(_("Форма устарела: откройте её заново."), code="form_expired") from None
    elapsed = now.timestamp() - shown
    if elapsed < FORM_MIN_SECONDS:
        raise ServiceError(_("Форма отправлена слишком быстро."), code="too_fast")
    if elapsed > FORM_MAX_SECONDS:
        raise ServiceError(_("Форма устарела: откройте её заново."), code="form_expired")
    recent = Volunteer.objects.filter(
        client_hash=client, created_at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= APPLICATIONS_PER_HOUR:
        raise ServiceError(
            _("Слишком много заявок с этого адреса. Попробуйте через час."), code="rate_limited"
        )
