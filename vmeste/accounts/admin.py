from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from vmeste.accounts.models import ApiToken, AuditEntry, User
from vmeste.accounts.roles import Right
from vmeste.core.admin_site import RoleAdmin, site


class UserAdmin(RoleAdmin, DjangoUserAdmin):
    right = Right.MANAGE_USERS
    list_display = ("username", "last_name", "first_name", "role", "centre", "is_active")
    list_filter = ("role", "is_active", "centre")
    filter_horizontal = ("regions", "lines")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Человек"), {"fields": ("last_name", "first_name", "email", "language")}),
        (_("Роль и зона работы"), {"fields": ("role", "centre", "regions", "lines", "is_active")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "password1", "password2", "role", "centre")}),)


class ApiTokenAdmin(RoleAdmin):
    right = Right.MANAGE_USERS
    list_display = (
        "user", "name", "hint", "created_at", "expires_at", "last_used_at", "revoked_at",
    )  # fmt: skip
    readonly_fields = (
        "user", "name", "hint", "created_at", "expires_at", "last_used_at", "digest",
        "regions", "lines",
    )  # fmt: skip
    fields = (
        "user", "name", "hint", "created_at", "expires_at", "last_used_at", "revoked_at",
        "regions", "lines",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False  # tokens are issued by `vmeste token create` or the API, shown once


class AuditEntryAdmin(RoleAdmin):
    right = Right.MANAGE_USERS
    read_only = True
    list_display = ("at", "user", "action", "object_type", "object_id", "channel", "detail")
    list_filter = ("action", "channel", "object_type")
    search_fields = ("object_id", "user__username")


site.register(User, UserAdmin)
site.register(ApiToken, ApiTokenAdmin)
site.register(AuditEntry, AuditEntryAdmin)
