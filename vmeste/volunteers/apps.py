from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "vmeste.volunteers"
    label = "volunteers"
    verbose_name = _("Волонтёры и смены")

    def ready(self) -> None:
        from vmeste.accounts.roles import Role, register_acting_role
        from vmeste.volunteers.services import acting_role_of_volunteer

        register_acting_role(Role.VOLUNTEER, acting_role_of_volunteer)
