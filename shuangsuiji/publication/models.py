"""一公开: what of a result is published, when, by whom, withheld on what basis, and where it
was sent.

`PublishedResult` is the public snapshot of an approved result, written when it is published:
the portal searches it (millions of rows, indexed for code and name-prefix search) and never
reads the internal tables, so nothing the snapshot leaves out can leak through the portal.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, ScopedQuerySet
from shuangsuiji.inspections.models import Inspection


class OrganisationQuerySet(ScopedQuerySet):
    """Publication records belong to the organisation whose department inspected."""

    scope_domain = Domain.PUBLICATION
    scope_path = "organisation_id"


class PublishedResultQuerySet(OrganisationQuerySet):
    def public(self) -> "PublishedResultQuerySet":
        """What the public may read: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class RedactionBasis(models.TextChoices):
    """Why a field or a whole result is withheld (政府信息公开条例 and the seed's rules)."""

    STATE_SECRET = "state_secret", _("State secret (国家秘密)")
    CIVIL_DEFENCE_SECRET = "rf_secret", _("Civil air defence secret (人防秘密)")
    TRADE_SECRET = "trade_secret", _("Trade secret (商业秘密)")
    PRIVACY = "privacy", _("Personal privacy (个人隐私)")


class Redaction(models.Model):
    """An approved decision to withhold fields of a result, or the whole result."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT,
                                   related_name="redactions", verbose_name=_("result"))
    whole = models.BooleanField(_("withhold the whole result"), default=False)
    fields = models.JSONField(_("withheld fields"), default=list, blank=True)
    basis = models.CharField(_("basis"), max_length=15, choices=RedactionBasis.choices)
    reason = models.TextField(_("reason and legal provision"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")
        ordering = ["inspection", "-approved_at"]

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.basis}"


class PublishedResult(models.Model):
    """The public snapshot of one published result (抽查结果公示)."""

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="publication")
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("publishing organisation"))
    department_name = models.CharField(_("inspecting department"), max_length=200)
    task_code = models.CharField(_("task code"), max_length=40)
    task_name = models.CharField(_("task name"), max_length=200)
    # 检查类型 (rules/publication.py INSPECTION_TYPES): 双随机抽查 or the non-random kind.
    inspection_type = models.CharField(_("kind of inspection"), max_length=20,
                                       default="双随机抽查")
    entity_name = models.CharField(_("entity"), max_length=200, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=40, blank=True)
    region_code = models.CharField(_("region code"), max_length=12, blank=True)
    inspected_on = models.DateField(_("inspected on"), null=True)
    categories = models.JSONField(_("result categories"), default=list, blank=True)
    category_text = models.CharField(_("result"), max_length=500, blank=True)
    conduct = models.CharField(_("refusal, concealment or falsification"), max_length=10,
                               blank=True)
    conduct_text = models.CharField(_("refusal, concealment or falsification (text)"),
                                    max_length=50, blank=True)
    # The result's summary with personal data masked (rules/publication.py mask_text).
    findings = models.TextField(_("findings"), blank=True)
    # The fields left out by an approved redaction (their values are not in this row).
    withheld_fields = models.JSONField(_("withheld fields"), default=list, blank=True)
    published_on = models.DateField(_("published on"))
    deadline = models.DateField(_("publication deadline"), null=True)
    on_time = models.BooleanField(_("published on time"), null=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("published by"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("withdrawn by"))
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)

    objects = PublishedResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("published result")
        verbose_name_plural = _("published results")
        ordering = ["-published_on", "-id"]
        indexes = [
            models.Index(fields=["uscc"], name="pub_uscc"),
            models.Index(fields=["-published_on", "-id"], name="pub_recent"),
            models.Index(fields=["task_code"], name="pub_task"),
        ]

    def __str__(self) -> str:
        return f"{self.uscc} {self.task_code}"


class ResultRepair(models.Model):
    """信用修复 of a published result, accepted by the office on the entity's application.

    The snapshot stays as it was published (the office's records and the export history keep
    it); the public versions (the portal's result pages and lists, the entity's public credit
    file, the public API) read this mark and show the result as repaired (已信用修复) on
    `repaired_on`, leaving out what it found (REPAIR_HIDES) and the decisions on it.
    """

    result = models.OneToOneField(PublishedResult, on_delete=models.PROTECT,
                                  related_name="repair", verbose_name=_("published result"))
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("publishing organisation"))
    repaired_on = models.DateField(_("credit repaired on"))
    reason = models.TextField(_("reason"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit repair of a result")
        verbose_name_plural = _("credit repairs of results")
        ordering = ["-repaired_on", "-id"]

    def __str__(self) -> str:
        return f"{self.result_id}:{self.repaired_on}"


# What the public versions leave out of a repaired result: what it found.
REPAIR_HIDES = ("categories", "category_text", "conduct", "conduct_text", "findings")


class Channel(models.TextChoices):
    NATIONAL = "national", _("National enterprise credit information publicity system "
                             "(国家企业信用信息公示系统)")
    CITY = "city", _("City public credit information platform (市公共信用信息平台)")


class ExportBatch(models.Model):
    """One batch file sent to a channel; its rows say which results it carried."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    format = models.CharField(_("format"), max_length=5)
    file = models.FileField(upload_to="exports/%Y/")
    size = models.PositiveIntegerField(_("results"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("export batch")
        verbose_name_plural = _("export batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.created_at:%Y-%m-%d} ({self.size})"


class ExportedResult(models.Model):
    """A result sent to a channel: the database refuses sending it twice."""

    batch = models.ForeignKey(ExportBatch, on_delete=models.PROTECT, related_name="rows")
    result = models.ForeignKey(PublishedResult, on_delete=models.PROTECT, related_name="exports")
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "result"],
                                               name="exported_once_per_channel")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.result_id}"
