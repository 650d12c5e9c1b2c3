"""The inspector directory and the 回避 registry in the admin: read-only.

Identity numbers are shown masked only; the encrypted value never leaves the services.
"""

from django.contrib import admin

from shuangsuiji.core.admin import ReadOnly, ReadOnlyInline

from .models import Certificate, Conflict, Inspector, InspectorStatusChange


class CertificateInline(ReadOnlyInline):
    model = Certificate
    fields = ["number", "issuer", "valid_from", "valid_to"]
    readonly_fields = fields


class StatusInline(ReadOnlyInline):
    model = InspectorStatusChange
    fields = ["status", "effective_on", "note", "recorded_by", "recorded_at"]
    readonly_fields = fields


@admin.register(Inspector)
class InspectorAdmin(ReadOnly):
    list_display = ["code", "name", "department", "role", "status", "status_since", "user"]
    list_filter = ["role", "status", "department"]
    search_fields = ["code", "name", "specialties"]
    list_select_related = ["department", "user"]
    exclude = ["id_number_encrypted"]
    readonly_fields = ["id_number_masked"]
    inlines = [CertificateInline, StatusInline]


@admin.register(Conflict)
class ConflictAdmin(ReadOnly):
    list_display = ["inspector", "target", "relation", "declared_by", "valid_from", "valid_to",
                    "revoked_at"]
    list_filter = ["relation", "declared_by"]
    search_fields = ["inspector__name", "inspector__code", "target__name", "target__uscc"]
    list_select_related = ["inspector", "target"]
