"""The curation pages (Django admin) for administrators and supervisors.

Access follows our roles, not Django's per-model permissions: editing reference data needs
`edit_reference`, managing users needs `manage_users`; the audit log is read-only for all.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The rights by their names in `accounts.roles.Right` (core is the layer under accounts, so it
# names them rather than importing the table; accounts' tests check the names exist).
EDIT_REFERENCE = "edit_reference"
MANAGE_USERS = "manage_users"


class VmesteAdminSite(admin.AdminSite):
    site_header = _("Vmeste — настройки")
    site_title = "Vmeste"
    index_title = _("Справочники и пользователи")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and getattr(user, "can", None)
            and (user.can(EDIT_REFERENCE) or user.can(MANAGE_USERS))
        )


class RoleAdmin(admin.ModelAdmin):
    """A model page governed by one right."""

    right = EDIT_REFERENCE
    read_only = False

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.can(self.right)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request) and not self.read_only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request) and not self.read_only

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Reference rows are referenced by history: deactivate them instead of deleting.
        return False


site = VmesteAdminSite(name="vmeste_admin")
