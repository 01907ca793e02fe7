from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactcenterConfig(AppConfig):
    name = "vmeste.contactcenter"
    label = "contactcenter"
    verbose_name = _("Контакт-центр")
