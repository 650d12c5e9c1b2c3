"""The city's inspection policy in the admin: one row, changed through its audited service."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shuangsuiji.core.admin import AdminOnly

from .models import CityPolicy
from .services import city_policy_set


@admin.register(CityPolicy)
class CityPolicyAdmin(AdminOnly):
    fields = ["yearly_cap", "recent_days", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]
    list_display = ["__str__", "yearly_cap", "recent_days", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not CityPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CityPolicy, form: Any, change: bool) -> None:
        city_policy_set(actor=request.user,  # type: ignore[arg-type]
                        yearly_cap=obj.yearly_cap, recent_days=obj.recent_days)
