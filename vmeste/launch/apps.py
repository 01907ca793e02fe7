from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaunchConfig(AppConfig):
    name = "vmeste.launch"
    verbose_name = _("Запуск линий")
