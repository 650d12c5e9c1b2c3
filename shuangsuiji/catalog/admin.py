"""The item list in the admin: read-only, because adjustments need a reason and a version."""

from django.contrib import admin

from shuangsuiji.core.admin import ReadOnly, ReadOnlyInline

from .models import InspectionItem, InspectionItemVersion


class VersionInline(ReadOnlyInline):
    model = InspectionItemVersion
    fields = ["version", "is_published", "changed_by", "changed_at", "reason"]
    readonly_fields = fields
    ordering = ["-version"]


@admin.register(InspectionItem)
class InspectionItemAdmin(ReadOnly):
    list_display = ["code", "matter", "category", "department", "kind", "is_published",
                    "is_active", "version"]
    list_filter = ["kind", "is_published", "is_active", "department"]
    search_fields = ["code", "matter", "category", "basis"]
    list_select_related = ["department"]
    inlines = [VersionInline]
