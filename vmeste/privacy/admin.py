from vmeste.accounts.roles import Right
from vmeste.core.admin_site import RoleAdmin, site
from vmeste.privacy.models import Retention


class RetentionAdmin(RoleAdmin):
    """Administrators set the days; what happens after them is the kind's (figures depend on
    anonymised rows, so that is not a choice), and no kind may go without a row."""

    right = Right.MANAGE_USERS
    list_display = ("kind", "days", "action", "note", "updated_at")
    readonly_fields = ("kind", "action", "updated_at")
    fields = ("kind", "days", "action", "note", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False


site.register(Retention, RetentionAdmin)
