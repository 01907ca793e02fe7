"""What the SIP edge keeps in Vmeste: the agents' phone credentials, hashed."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.contactcenter.models import Agent


class SipAccount(models.Model):
    """An agent's phone login at the edge. Only HA1 = MD5(user:realm:password) is kept:
    it is what SIP digest authentication needs, and the password is never stored."""

    scope_region = "agent__centre__region"
    scope_line = None

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="sip_account")
    realm = models.CharField(_("область (realm)"), max_length=100)
    ha1 = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SIP-учётная запись")
        verbose_name_plural = _("SIP-учётные записи")

    def __str__(self) -> str:
        return f"{self.agent}@{self.realm}"
