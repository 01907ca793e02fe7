"""The SIP edge's rules: who may register a phone, where a dialled number goes.

The only code that writes the telephony's tables; permissions are checked here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.roles import Right
from vmeste.contactcenter.models import Agent
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Line
from vmeste.telephony.menu import LineMenu, line_menu
from vmeste.telephony.models import SipAccount


def realm() -> str:
    return getattr(settings, "VMESTE_SIP_REALM", "vmeste")


def ha1(username: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()


def set_sip_password(*, by, username: str, password: str | None = None) -> tuple[SipAccount, str]:
    """Give an agent's phone a password (a random one when none is given); answers the
    account and the password, which is shown once and never kept."""
    agent = Agent.objects.select_related("user").filter(user__username=username).first()
    if agent is None:
        raise NotFound(_("Нет оператора линии с таким логином."))
    if by is not None and by.pk != agent.user_id and not by.can(Right.MANAGE_USERS):
        raise Forbidden()
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise ValidationFailed({"password": _("Не короче 8 символов.")})
    with transaction.atomic():
        account, _created = SipAccount.objects.update_or_create(
            agent=agent,
            defaults={
                "realm": realm(),
                "ha1": ha1(username, realm(), password),
                "changed_at": timezone.now(),
            },
        )
    return account, password


def credentials(*, username: str) -> dict:
    """What the registrar needs to check a phone's digest: HA1, never a password."""
    account = (
        SipAccount.objects.select_related("agent__user")
        .filter(agent__user__username=username, agent__user__is_active=True)
        .first()
    )
    if account is None:
        raise NotFound(_("Нет SIP-учётной записи."))
    return {"username": username, "realm": account.realm, "ha1": account.ha1}


def _digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    # Russian numbers dialled with the trunk prefix 8 are the same as +7.
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


def line_for_number(number: str, *, opening: Line | None = None) -> Line | None:
    """The open line a number reaches; ``opening``: a closed line counted as if it were
    open (its launch checklist asks where its numbers would go once it opens)."""
    wanted = _digits(number)
    if not wanted:
        return None
    candidates = Line.objects.filter(Q(is_active=True) | Q(pk=getattr(opening, "pk", None)))
    lines = [
        line
        for line in candidates.prefetch_related("regions")
        if any(_digits(str(phone)) == wanted for phone in line.phones or [])
    ]
    # A number shared by several lines (the seeds' national number is also Moscow's):
    # the line for the whole country takes it, then the first by code.
    lines.sort(key=lambda line: (len(line.regions.all()) > 0, line.code))
    return lines[0] if lines else None


def route_invite(*, number: str, opening: Line | None = None) -> dict:
    """Where the edge sends a call to ``number``: the line's voice menu, or nowhere."""
    line = line_for_number(number, opening=opening)
    if line is None:
        return {"action": "reject", "status": 404, "line": ""}
    return {"action": "menu", "status": 200, "line": line.code}


def menu_for_line(*, code: str, at: datetime | None = None) -> LineMenu:
    line = Line.objects.filter(code=code, is_active=True).first()
    if line is None:
        raise NotFound(_("Нет такой линии."))
    return line_menu(line, at=at or timezone.now())
