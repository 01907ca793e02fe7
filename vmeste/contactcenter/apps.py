from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from vmeste.core.panels import BAR, POP, Panel


class ContactcenterConfig(AppConfig):
    name = "vmeste.contactcenter"
    label = "contactcenter"
    verbose_name = _("Контакт-центр")

    # The agent toolbar and the incoming-call banner on the call card.
    panels = (
        Panel(
            key="toolbar",
            title=_("Контакт-центр"),
            template="contactcenter/_card_toolbar.html",
            place=BAR,
            url="contactcenter:toolbar",
        ),
        Panel(
            key="screen_pop",
            title=_("Входящий звонок"),
            template="contactcenter/_card_pop.html",
            place=POP,
            url="contactcenter:screen_pop",
            styles=("contactcenter/contactcenter.css",),
            scripts=("contactcenter/screenpop.js",),
        ),
    )
