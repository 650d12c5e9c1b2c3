"""The target directory in the admin: read-only; edits and imports keep each target's history."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shuangsuiji.core import codes
from shuangsuiji.core.admin import ReadOnly, ReadOnlyInline

from .models import Contact, Licence, Target, TargetChange


class LicenceInline(ReadOnlyInline):
    model = Licence
    fields = ["number", "item", "decision_no", "authority", "decided_on", "valid_from",
              "valid_to"]
    readonly_fields = fields


class ContactInline(ReadOnlyInline):
    model = Contact
    fields = ["name", "position", "phone"]
    readonly_fields = fields


class ChangeInline(ReadOnlyInline):
    model = TargetChange
    fields = ["at", "actor", "action", "import_job", "note"]
    readonly_fields = fields


@admin.register(Target)
class TargetAdmin(ReadOnly):
    list_display = ["name", "uscc", "department", "region", "industry", "reg_status",
                    "risk_class", "source"]
    list_filter = ["department", "reg_status", "risk_class", "source"]
    search_fields = ["name", "uscc", "legal_rep", "address"]
    list_select_related = ["department"]
    exclude = ["fingerprint"]
    inlines = [LicenceInline, ContactInline, ChangeInline]

    @admin.display(description=_("Region"), ordering="region_code")
    def region(self, target: Target) -> str:
        return f"{codes.region_label(target.region_code)} {target.region_code}".strip()

    @admin.display(description=_("Industry"), ordering="industry_code")
    def industry(self, target: Target) -> str:
        return f"{codes.industry_name(target.industry_code)} {target.industry_code}".strip()
