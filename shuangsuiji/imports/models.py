from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, ScopedQuerySet

from .choices import ImportKind, ImportMode, ImportStatus


class ImportJobQuerySet(ScopedQuerySet):
    scope_domain = Domain.IMPORTS


class ImportJob(models.Model):
    """One upload of a file into a directory or the item list, from check to commit."""

    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="imports",
                                   verbose_name=_("into the directory of"))
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file SHA-256"), max_length=64)
    mode = models.CharField(_("mode"), max_length=5, choices=ImportMode.choices,
                            default=ImportMode.VALID_ROWS)
    column_map = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    imported = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class ImportIssue(models.Model):
    """A rejected row (or a header problem, row 1): row number, column and reason."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues",
                            verbose_name=_("import"))
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["job", "row", "id"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.reason}"
