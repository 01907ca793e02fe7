from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from vmeste.core.panels import Panel


class DirectoryConfig(AppConfig):
    name = "vmeste.directory"
    label = "directory"
    verbose_name = _("Навигатор помощи")

    # The call card's navigator tab: what the chosen person is entitled to.
    panels = (
        Panel(
            key="navigator",
            title=_("Навигатор"),
            template="directory/_card_navigator.html",
            url="directory:panel",
            per_person=True,
            order=20,
        ),
    )
