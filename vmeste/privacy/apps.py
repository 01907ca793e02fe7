from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from vmeste.core.panels import PERSON, Panel


class PrivacyConfig(AppConfig):
    name = "vmeste.privacy"
    label = "privacy"
    verbose_name = _("Персональные данные")
    # The person card's personal-data panel (withdrawal of consent, the subject's copy).
    panels = (
        Panel(
            key="privacy",
            title=_("Персональные данные"),
            template="privacy/_person_panel.html",
            place=PERSON,
        ),
    )
