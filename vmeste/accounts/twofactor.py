"""Staff two-factor sign-in: a time-based code (TOTP, RFC 6238, any authenticator app) after
the password, with single-use recovery codes for a lost phone (django-otp's devices).

Required, when VMESTE_REQUIRE_2FA is on (the default outside the demo), for every role that
sees personal data or manages users; API tokens are not affected (they are issued by a
verified session or on the server, and carry their own expiry and scope)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from vmeste.accounts.models import User
from vmeste.accounts.roles import Right

RECOVERY_CODES = 10
DEVICE_NAME = "vmeste"


def required_for(user: User) -> bool:
    """Whether this user must pass the second step before any page or API answer."""
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    return user.can(Right.SEE_PERSONAL_DATA) or user.can(Right.MANAGE_USERS)


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device, its key kept until confirmed
    (a reload of the page must not change the key the user already scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app (base32, in groups of four)."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def qr_svg(config_url: str) -> SafeString:
    """The setup link as a QR code for the phone's camera: inline SVG drawn here, so the
    secret never leaves the server for a QR service."""
    code = segno.make(config_url, error="m")
    svg = code.svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=False)
    return mark_safe(svg)


def confirm(user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code it shows; the device and a fresh set of
    recovery codes (shown once), or None when the code is wrong."""
    device = pending_device(user)
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; each signs in once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def check(user: User, code: str):
    """The device a code (from the app, or a recovery code) belongs to, or None. Wrong codes
    slow the device down (django-otp's throttling doubles the wait after each)."""
    code = code.strip().replace(" ", "").lower()
    if not code or not is_enrolled(user):
        return None
    return match_token(user, code)


def recovery_codes_left(user: User) -> int:
    return sum(d.token_set.count() for d in devices_for_user(user) if isinstance(d, StaticDevice))
