from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from vmeste.core.panels import Panel


class KnowledgeConfig(AppConfig):
    name = "vmeste.knowledge"
    label = "knowledge"
    verbose_name = _("База знаний")

    # The call card's search tab (read by the workplace, see core/panels.py).
    panels = (
        Panel(
            key="knowledge",
            title=_("База знаний"),
            template="knowledge/_card_panel.html",
            order=10,
        ),
    )
