from vmeste.core.admin_site import RoleAdmin, site
from vmeste.core.models import Category, Centre, Line, Region


class RegionAdmin(RoleAdmin):
    list_display = ("code", "name_ru", "name_en", "federal_district", "time_zone")
    search_fields = ("code", "name_ru", "name_en")
    list_filter = ("federal_district",)


class CategoryAdmin(RoleAdmin):
    list_display = ("code", "name_ru", "parent", "deadline_hours", "is_active")
    list_filter = ("parent", "is_active")
    search_fields = ("code", "name_ru", "name_en")


class LineAdmin(RoleAdmin):
    list_display = ("code", "name_ru", "is_24_7", "opens_at", "closes_at", "is_active")
    filter_horizontal = ("regions", "categories")
    search_fields = ("code", "name_ru")


class CentreAdmin(RoleAdmin):
    list_display = ("code", "name_ru", "kind", "region")
    filter_horizontal = ("lines",)


site.register(Region, RegionAdmin)
site.register(Category, CategoryAdmin)
site.register(Line, LineAdmin)
site.register(Centre, CentreAdmin)
