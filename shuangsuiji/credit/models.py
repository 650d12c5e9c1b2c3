"""信用档案: what an entity's credit file holds besides its inspections and follow-ups (which it
reads from `inspections`): blacklist entries with credit repair, complaints, risk-class history,
the office's risk rules, and the partner systems allowed to query files.

Credit-risk classes are internal (信用风险分类结果不对外公开): nothing here is public except
what the portal's selectors explicitly publish (blacklist entries in force).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, ScopedQuerySet
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.entities.models import Target


class BlacklistEntry(models.Model):
    """列入黑名单 (严重违法失信名单) and its removal or credit repair (信用修复)."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="blacklist",
                               verbose_name=_("entity"))
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("listing organisation"))
    basis = models.TextField(_("basis (facts and legal provision)"))
    listed_on = models.DateField(_("listed on"))
    until = models.DateField(_("listed until"), null=True, blank=True)
    source_follow_up = models.ForeignKey("inspections.FollowUp", on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="+",
                                         verbose_name=_("from the follow-up"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.TextField(_("removal or credit repair"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")
        ordering = ["-listed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.target_id}@{self.listed_on}"


class ComplaintSource(models.TextChoices):
    STAFF = "staff", _("Entered by staff")
    PUBLIC = "public", _("Public form")
    HOTLINE = "hotline", _("12345 hotline")


class ComplaintState(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned to a section")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


class ComplaintQuerySet(ScopedQuerySet):
    """Scoped to the organisation whose directory holds the entity; credit/complaints.py
    narrows a section's staff to the complaints assigned to their section."""

    scope_domain = Domain.CREDIT
    scope_path = "organisation_id"


class Complaint(models.Model):
    """A complaint or report about an entity (投诉举报): entered by staff, or received through
    the public form or the 12345 hotline and handled (assigned, replied, closed).

    The complainant's name and phone are personal data: shown only on the office's complaint
    page, never in the audit log, the credit file, the partner API or the portal (the phone is
    encrypted at rest). The complainant follows the complaint by `tracking_code`."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="complaints",
                               verbose_name=_("entity"))
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField(_("received on"))
    summary = models.TextField(_("summary"))
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(_("source"), max_length=10, choices=ComplaintSource.choices,
                              default=ComplaintSource.STAFF)
    state = models.CharField(_("state"), max_length=10, choices=ComplaintState.choices,
                             default=ComplaintState.RECEIVED)
    section = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("section"))
    due_on = models.DateField(_("reply due on"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("handled by"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    complainant_name = models.CharField(_("complainant"), max_length=50, blank=True)
    complainant_phone_encrypted = models.TextField(_("complainant's phone (encrypted)"),
                                                   blank=True)
    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True, null=True,
                                     blank=True)
    external_id = models.CharField(_("hotline ticket number"), max_length=64, blank=True)
    pushed_by = models.ForeignKey("PartnerToken", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-id"]
        constraints = [
            # The hotline's 工单号 once per organisation: a replayed push finds its complaint.
            models.UniqueConstraint(fields=["organisation", "external_id"],
                                    condition=~models.Q(external_id=""),
                                    name="credit_complaint_external_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}@{self.received_on}"


class ComplaintAttachment(models.Model):
    """A photo or document given with a complaint: stored outside the web root under a random
    name, served only to staff who may read the complaint."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT,
                                  related_name="attachments")
    file = models.FileField(upload_to="complaints/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")
        ordering = ["complaint", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RiskSource(models.TextChoices):
    IMPORT = "import", _("Imported classification")
    RULE = "rule", _("Risk rule")
    MANUAL = "manual", _("Set by hand")


class RiskClassChange(models.Model):
    """Every change of an entity's credit-risk class, and why (internal)."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="risk_history",
                               verbose_name=_("entity"))
    old = models.CharField(_("from"), max_length=1, choices=RiskClass.choices, blank=True)
    new = models.CharField(_("to"), max_length=1, choices=RiskClass.choices)
    set_on = models.DateField(_("set on"))
    source = models.CharField(_("source"), max_length=10, choices=RiskSource.choices)
    reason = models.TextField(_("reason"), blank=True)
    rule = models.ForeignKey("RiskRule", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("risk class change")
        verbose_name_plural = _("risk class changes")
        ordering = ["target", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.old or '-'}→{self.new}"


class RiskTrigger(models.TextChoices):
    SERIOUS_VIOLATION = "serious", _("A case opened or a penalty decided (立案查处)")
    REFUSAL = "refusal", _("Refused the inspection, concealed facts or falsified")
    COMPLAINTS = "complaints", _("Many complaints within a period")
    BLACKLISTED = "blacklist", _("On the blacklist")


class RiskRule(models.Model):
    """A rule the office sets: when the trigger happens, the entity's class rises to `raise_to`
    (never lowered by a rule)."""

    organisation = models.ForeignKey(Department, on_delete=models.PROTECT,
                                     related_name="risk_rules", verbose_name=_("organisation"))
    trigger = models.CharField(_("when"), max_length=12, choices=RiskTrigger.choices)
    threshold = models.PositiveSmallIntegerField(_("complaints (for “many complaints”)"),
                                                 default=3)
    period_days = models.PositiveSmallIntegerField(_("within days"), default=365)
    raise_to = models.CharField(_("raise the class to"), max_length=1, choices=RiskClass.choices)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        ordering = ["organisation", "trigger"]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} → {self.raise_to}"


class PartnerToken(models.Model):
    """A partner system (city credit platform, another bureau) allowed to query credit files
    through the API: the key is shown once; only its hash is kept."""

    name = models.CharField(_("partner"), max_length=200)
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("whose files it may query"))
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("key prefix"), max_length=8)
    rate_per_minute = models.PositiveSmallIntegerField(_("requests per minute"), default=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner token")
        verbose_name_plural = _("partner tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
