"""Import jobs in the admin: read-only. Rejected rows are listed on the import's own page,
paginated: a large file can have many thousands of them."""

from django.contrib import admin

from shuangsuiji.core.admin import ReadOnly

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly):
    list_display = ["original_name", "kind", "department", "status", "total_rows", "imported",
                    "updated", "unchanged", "rejected", "created_by", "created_at"]
    list_filter = ["kind", "status", "department"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["department", "created_by"]
    exclude = ["file"]
