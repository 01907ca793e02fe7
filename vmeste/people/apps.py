from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "vmeste.people"
    label = "people"
    verbose_name = _("Люди")

    def ready(self) -> None:
        # A regional administrator reads the audit entries about persons of their regions.
        from django.db.models import CharField
        from django.db.models.functions import Cast

        from vmeste.accounts.services import register_audit_subject
        from vmeste.core.scoping import scoped
        from vmeste.people.models import Person

        def ids_in_scope(user):
            persons = scoped(Person.objects.all(), user)
            return persons.annotate(text=Cast("pk", CharField())).values("text")

        register_audit_subject("person", ids_in_scope)
