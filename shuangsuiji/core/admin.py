"""Django's admin, for system administrators only, and never a way around the services.

Users and departments are edited through forms that call the audited services (see
accounts.admin). The directories, the item list, imports and the audit log are read-only here:
they change only through their own pages, where the services keep history and audit entries.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shuangsuiji.accounts.scoping import is_admin

from .models import AuditEvent


class AdminOnly(admin.ModelAdmin):
    """Visible and editable by system administrators; nothing is ever deleted here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnly(AdminOnly):
    """Administrators may look; changes go through the application's own audited pages."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ["seq", "at", "actor_label", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "summary", "actor_label"]
    date_hierarchy = "at"
    ordering = ["-seq"]
    list_select_related = ["actor"]
