"""The second step of signing in: set up an authenticator, or enter its code."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from vmeste.accounts import twofactor


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else reverse("core:home")


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if not twofactor.is_enrolled(request.user):
        return redirect(_with_next("accounts:twofactor_setup", _next(request)))
    error = ""
    if request.method == "POST":
        device = twofactor.check(request.user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        error = _("Код не подошёл. Проверьте время на телефоне и попробуйте ещё раз.")
    context = {"next": _next(request), "error": error}
    return render(request, "accounts/twofactor_verify.html", context, status=422 if error else 200)


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    if twofactor.is_enrolled(request.user):
        return redirect(_with_next("accounts:twofactor_verify", _next(request)))
    error = ""
    if request.method == "POST":
        confirmed = twofactor.confirm(request.user, request.POST.get("code", ""))
        if confirmed is not None:
            device, codes = confirmed
            otp_login(request, device)
            context = {"codes": codes, "next": _next(request)}
            return render(request, "accounts/twofactor_codes.html", context)
        error = _("Код не подошёл: введите код, который приложение показывает сейчас.")
    device = twofactor.pending_device(request.user)
    context = {
        "secret": twofactor.secret_of(device),
        "config_url": device.config_url,
        "qr": twofactor.qr_svg(device.config_url),
        "next": _next(request),
        "error": error,
    }
    return render(request, "accounts/twofactor_setup.html", context, status=422 if error else 200)
