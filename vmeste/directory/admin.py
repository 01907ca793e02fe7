"""Curation pages for the directory, measures and their rules (administrators, supervisors).
Eligibility edited here goes through the same checks as the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from vmeste.core.admin_site import RoleAdmin, site
from vmeste.directory import models as m
from vmeste.directory import services
from vmeste.directory.eligibility.validate import validate


def _tree_errors(tree, *, own_code: str | None = None, path: str) -> list[str]:
    errors = validate(
        tree,
        rules=services.rules_by_code(),
        region_codes=services.region_codes(),
        path=path,
        own_code=own_code,
    )
    return [f"{where}: {message}" for where, messages in errors.items() for message in messages]


class MeasureForm(forms.ModelForm):
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


class RuleForm(forms.ModelForm):
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


class MeasureAdmin(RoleAdmin):
    form = MeasureForm
    list_display = ("name", "level", "agency", "is_active", "is_demo", "version")
    list_filter = ("level", "is_active", "is_demo")
    search_fields = ("code", "name", "description")
    filter_horizontal = ("regions", "needs")


class RuleAdmin(RoleAdmin):
    form = RuleForm
    list_display = ("code", "name", "updated_at")
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
