from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from vmeste.accounts import services
from vmeste.accounts.models import ApiToken, AuditEntry, User
from vmeste.accounts.roles import Right
from vmeste.core.admin_site import RoleAdmin, site
from vmeste.core.scoping import user_scope


class UserAdmin(RoleAdmin, DjangoUserAdmin):
    """Users, as `accounts.services` lets the signed-in administrator manage them: only users
    inside their scope are listed and opened, and what they grant is held to their own."""

    right = Right.MANAGE_USERS
    list_display = ("username", "last_name", "first_name", "role", "centre", "is_active")
    list_filter = ("role", "is_active", "centre")
    filter_horizontal = ("regions", "lines")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Человек"), {"fields": ("last_name", "first_name", "email", "language")}),
        (_("Роль и зона работы"), {"fields": ("role", "centre", "regions", "lines", "is_active")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "password1",
                    "password2",
                    "role",
                    "centre",
                    "regions",
                    "lines",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return services.manageable_users(request.user)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        regions, lines = user_scope(request.user)
        own = {"regions": regions, "lines": lines}.get(db_field.name)
        if own:
            kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=own)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            grantable = services.grantable_roles(request.user)
            kwargs["choices"] = [(v, label) for v, label in db_field.choices if v in grantable]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        return _held_to_grant(super().get_form(request, obj, **kwargs), request.user)


def _held_to_grant(form_class, actor: User):
    """The form, refusing a role, regions or lines the actor may not hand out (an empty list
    means all regions or lines: refused to an administrator who is limited)."""

    class Granted(form_class):
        def clean(self):
            cleaned = super().clean()
            refusals = services.grant_refusals(
                actor,
                role=cleaned.get("role", ""),
                regions=cleaned.get("regions") or [],
                lines=cleaned.get("lines") or [],
            )
            for name, message in refusals.items():
                if name not in self.errors:
                    self.add_error(name if name in self.fields else None, message)
            return cleaned

    return Granted


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

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(user__in=services.manageable_users(request.user))
        )

    def has_add_permission(self, request) -> bool:
        return False  # tokens are issued by `vmeste token create` or the API, shown once


class AuditEntryAdmin(RoleAdmin):
    right = Right.MANAGE_USERS
    read_only = True
    list_display = ("at", "user", "action", "purpose", "object_type", "object_id", "channel")
    list_filter = ("action", "channel", "purpose", "object_type")
    search_fields = ("object_id", "records", "user__username")

    def get_queryset(self, request):
        return services.visible_audit(request.user)


site.register(User, UserAdmin)
site.register(ApiToken, ApiTokenAdmin)
site.register(AuditEntry, AuditEntryAdmin)
