"""The public application form's defences, no external captcha (closed networks): a field
people never see (bots fill it), a signed time the form was shown (bots post at once), a
token good for one submission, and a ceiling on submissions per client address (failed
ones count: core.public_forms). Its answer never says whether a number is already known
(services.apply_public)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.core import public_forms
from vmeste.core.clientip import client_ip
from vmeste.core.errors import ServiceError

FORM = "volunteer-apply"
FORM_MIN_SECONDS = 3  # a person needs longer than this to fill the form; a bot does not
FORM_MAX_SECONDS = 24 * 3600
SUBMISSIONS_PER_HOUR = 10  # per client address, refused and accepted alike


class RateLimited(ServiceError):
    status = 429


def form_token(now=None) -> str:
    return signing.dumps(
        {"t": (now or timezone.now()).timestamp(), "n": secrets.token_hex(8)},
        salt="volunteer-form",
    )


def client_of(request: HttpRequest) -> str:
    """The hashed client address, as trusted proxies report it (core.clientip)."""
    return public_forms.client_hash(client_ip(request))


def guard_public_form(*, token: str, honeypot: str, client: str, now=None) -> None:
    now = now or timezone.now()
    since = now - timedelta(hours=1)
    if public_forms.recent_submissions(form=FORM, client=client, since=since) >= (
        SUBMISSIONS_PER_HOUR
    ):
        raise RateLimited(
            _("Слишком много заявок с этого адреса. Попробуйте через час."), code="rate_limited"
        )
    first_use = public_forms.record_submission(form=FORM, client=client, token=token, now=now)
    if honeypot:
        raise ServiceError(_("Заявка не принята."), code="spam")
    if not first_use:
        raise ServiceError(_("Эта форма уже отправлена: откройте её заново."), code="form_used")
    try:
        shown = signing.loads(token or "", salt="volunteer-form")["t"]
    except (signing.BadSignature, KeyError, TypeError):
        raise ServiceError(_("Форма устарела: откройте её заново."), code="form_expired") from None
    elapsed = now.timestamp() - shown
    if elapsed < FORM_MIN_SECONDS:
        raise ServiceError(_("Форма отправлена слишком быстро."), code="too_fast")
    if elapsed > FORM_MAX_SECONDS:
        raise ServiceError(_("Форма устарела: откройте её заново."), code="form_expired")
