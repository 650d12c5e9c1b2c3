from django.conf import settings
from django.db import models
from django.utils.translation import gettext
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
    # The user's choices: header as written → field name, or "" to ignore the column.
    column_map = models.JSONField(_("column mapping"), default=dict, blank=True)
    headers = models.JSONField(_("columns of the file"), default=list, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    preview = models.JSONField(_("first rows"), default=list, blank=True)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    file_problems = models.PositiveIntegerField(_("problems with the columns"), default=0)
    imported = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    counts = models.JSONField(_("details"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written whenever a check or commit makes progress: a job running with no heartbeat for
    # SHUANGSUIJI_IMPORT_STUCK_MINUTES was stopped (worker killed) and is expired.
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def valid_rows(self) -> int:
        return max(0, self.total_rows - self.rejected)


class ImportIssue(models.Model):
    """A rejected row (or a problem with the columns, on the header row): row, column, reason.

    `reason` is the English message template and `params` its values, so each reader sees
    the reason in their own language (`message`).
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues",
                            verbose_name=_("import"))
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))
    params = models.JSONField(_("values in the reason"), default=dict, blank=True)
    file_level = models.BooleanField(_("about the whole file"), default=False)

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["job", "row", "id"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.message}"

    @property
    def message(self) -> str:
        text = gettext(self.reason)
        try:
            return text.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return text


class StagedTarget(models.Model):
    """A checked row of a target import, waiting for the commit (one table for all jobs).

    Written in bulk (COPY on PostgreSQL), compared and merged with set-based SQL, and
    deleted when the job ends. On PostgreSQL the table is UNLOGGED: it is scratch space that
    need not survive a crash, and skipping the write-ahead log makes staging much faster.
    """

    pk = models.CompositePrimaryKey("job_id", "row")
    job_id = models.BigIntegerField()
    row = models.PositiveIntegerField()
    entity_key = models.TextField()  # the code, or "#" + name for entities without one
    uscc = models.CharField(max_length=18, null=True)  # noqa: DJ001 - NULL like Target.uscc
    no_code_reason = models.TextField()
    name = models.TextField()
    entity_type = models.TextField()
    legal_rep = models.TextField()
    address = models.TextField()
    region_code = models.TextField()
    industry_code = models.TextField()
    registration_authority = models.TextField()
    locality = models.TextField()
    founded_on = models.DateField(null=True)
    reg_status = models.TextField()
    risk_class = models.TextField()
    fingerprint = models.CharField(max_length=64)
    lic_key = models.TextField()
    lic_item = models.TextField()
    lic_decision_no = models.TextField()
    lic_authority = models.TextField()
    lic_decided_on = models.DateField(null=True)
    lic_valid_from = models.DateField(null=True)
    lic_valid_to = models.DateField(null=True)
    contact_name = models.TextField(db_default="")
    contact_phone = models.TextField(db_default="")
    rejected = models.BooleanField(db_default=False)

    class Meta:
        verbose_name = _("staged target row")
        verbose_name_plural = _("staged target rows")

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"


class StagedLaterRow(models.Model):
    """A staged row whose entity appeared on an earlier row of the file.

    Its licence is imported; its entity details are not (the first row's are). Listed in a
    narrow table of its own: marking a hundred thousand rows is then a small insert, not a
    rewrite of as many wide staging rows. UNLOGGED on PostgreSQL, like StagedTarget.
    """

    pk = models.CompositePrimaryKey("job_id", "row")
    job_id = models.BigIntegerField()
    row = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("later row of an entity")
        verbose_name_plural = _("later rows of an entity")

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"
