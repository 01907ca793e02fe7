from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "vmeste.core"
    label = "core"
    verbose_name = _("Справочники")

    def ready(self) -> None:
        # Connects the signals that drop each process's reference snapshot on a change.
        from vmeste.core import refcache  # noqa: F401
