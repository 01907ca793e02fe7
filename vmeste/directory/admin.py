"""Curation pages for the directory, measures and their rules (administrators, supervisors).
Eligibility edited here goes through the same checks as the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from vmeste.core.admin_site import RoleAdmin, site
from vmeste.directory import models as m
from vmeste.directory import services
from vmeste.directory.eligibility.validate import validate
from vmeste.directory.rules import history as rule_history


def _tree_errors(tree, *, own_code: str | None = None, path: str) -> list[str]:
    errors = validate(
        tree,
        rules=services.rules_by_code(),
        region_codes=services.region_codes(),
        path=path,
        own_code=own_code,
    )
    return [f"{where}: {message}" for where, messages in errors.items() for message in messages]


class VersionedForm(forms.ModelForm):
    """Carries the version the editor opened: a save over someone else's change is refused
    (the same rule as the rule builder's), never applied silently."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subject = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean_seen_version(self):
        seen = self.cleaned_data.get("seen_version")
        if self.instance.pk:
            stored = type(self.instance).objects.filter(pk=self.instance.pk)
            current = stored.values_list("version", flat=True).first()
            if seen is not None and current != seen:
                raise forms.ValidationError(
                    services.stale_message(self.subject, self.instance.pk, current)
                )
        return seen


class VersionedAdmin(RoleAdmin):
    """Bumps the version and writes the change of the conditions to their history."""

    subject = ""
    tree_field = ""

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            stored = type(obj).objects.filter(pk=obj.pk)
            before = stored.values_list(self.tree_field, flat=True).first()
            obj.version += 1
        super().save_model(request, obj, form, change)
        rule_history.record_change(
            subject=self.subject, object_id=obj.pk, code=obj.code, version=obj.version,
            before=before, after=getattr(obj, self.tree_field), actor=request.user,
            channel="admin",
        )  # fmt: skip


class MeasureForm(VersionedForm):
    subject = rule_history.Subject.MEASURE

    class Meta:
        model = m.Measure
        fields = (
            "code", "name", "level", "regions", "municipality", "agency", "agency_organization",
            "needs", "eligibility", "required_documents", "apply_channels", "how_to_apply",
            "processing_time", "description", "is_active", "is_demo",
        )  # fmt: skip

    def clean_eligibility(self):
        tree = self.cleaned_data["eligibility"] or {}
        problems = _tree_errors(tree, path="eligibility")
        if problems:
            raise forms.ValidationError(problems)
        return tree


class RuleForm(VersionedForm):
    subject = rule_history.Subject.RULE

    class Meta:
        model = m.EligibilityRule
        fields = ("code", "name", "condition", "description")

    def clean(self):
        data = super().clean()
        if "condition" in data:
            problems = _tree_errors(data["condition"], own_code=data.get("code"), path="condition")
            if problems:
                self.add_error("condition", problems)
        return data


class ServiceInline(admin.TabularInline):
    model = m.Service
    fields = ("name", "status", "is_published")
    extra = 0
    show_change_link = True


class OrganizationAdmin(RoleAdmin):
    list_display = ("name", "kind", "is_published", "is_demo", "updated_at")
    list_filter = ("kind", "is_published", "is_demo")
    search_fields = ("name", "alternate_name", "description")
    inlines = [ServiceInline]


class AreaInline(admin.TabularInline):
    model = m.ServiceArea
    fields = ("region", "name", "extent", "extent_type")
    extra = 0


class PhoneInline(admin.TabularInline):
    model = m.Phone
    fk_name = "service"
    fields = ("number", "type", "description")
    extra = 0


class ScheduleInline(admin.TabularInline):
    model = m.Schedule
    fk_name = "service"
    fields = ("byday", "opens_at", "closes_at", "description")
    extra = 0


class DocumentInline(admin.TabularInline):
    model = m.RequiredDocument
    fields = ("document", "uri")
    extra = 0


class ServiceAdmin(RoleAdmin):
    list_display = ("name", "organization", "status", "is_published")
    list_filter = ("status", "is_published")
    search_fields = ("name", "description", "organization__name")
    raw_id_fields = ("organization",)
    inlines = [AreaInline, PhoneInline, ScheduleInline, DocumentInline]


class TermAdmin(RoleAdmin):
    list_display = ("code", "name", "taxonomy")
    search_fields = ("code", "name")


class AttributeAdmin(RoleAdmin):
    list_display = ("link_entity", "link_id", "taxonomy_term", "value")
    search_fields = ("link_id", "value")
    raw_id_fields = ("taxonomy_term",)


class MeasureAdmin(VersionedAdmin):
    form = MeasureForm
    subject, tree_field = rule_history.Subject.MEASURE, "eligibility"
    list_display = ("name", "level", "agency", "is_active", "is_demo", "version")
    list_filter = ("level", "is_active", "is_demo")
    search_fields = ("code", "name", "description")
    filter_horizontal = ("regions", "needs")


class RuleAdmin(VersionedAdmin):
    form = RuleForm
    subject, tree_field = rule_history.Subject.RULE, "condition"
    list_display = ("code", "name", "version", "updated_at")
    search_fields = ("code", "name")


class RegionFactsAdmin(RoleAdmin):
    list_display = ("region", "subsistence_minimum", "is_demo", "note")
    list_filter = ("is_demo",)


site.register(m.Organization, OrganizationAdmin)
site.register(m.Service, ServiceAdmin)
site.register(m.Taxonomy, RoleAdmin)
site.register(m.TaxonomyTerm, TermAdmin)
site.register(m.Attribute, AttributeAdmin)
site.register(m.Measure, MeasureAdmin)
site.register(m.EligibilityRule, RuleAdmin)
site.register(m.RegionFacts, RegionFactsAdmin)


class ChangeAdmin(RoleAdmin):
    """The history of conditions, read-only: it is written by the saves themselves."""

    read_only = True
    list_display = ("at", "subject", "code", "version", "actor", "channel")
    list_filter = ("subject", "channel")
    search_fields = ("code",)


site.register(m.EligibilityChange, ChangeAdmin)
