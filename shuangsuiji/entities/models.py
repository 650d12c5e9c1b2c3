from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, ScopedQuerySet
from shuangsuiji.core.i18n import check_codes
from shuangsuiji.rules import codes

from .choices import RegStatus, RiskClass, TargetSource


class TargetQuerySet(ScopedQuerySet):
    scope_domain = Domain.TARGETS


class Target(models.Model):
    """An entry of the 检查对象名录库: an entity a department supervises."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="targets",
                                   verbose_name=_("directory of"))
    # NULL, not "", for targets without a code, so the unique constraint ignores them.
    uscc = models.CharField(_("unified social credit code"), max_length=18, null=True,  # noqa: DJ001
                            blank=True)
    no_code_reason = models.CharField(_("reason for having no code"), max_length=200,
                                      blank=True)
    name = models.CharField(_("name"), max_length=200)
    entity_type = models.CharField(_("market entity type"), max_length=100, blank=True)
    legal_rep = models.CharField(_("legal representative"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    region_code = models.CharField(_("region code"), max_length=12, blank=True)
    industry_code = models.CharField(_("industry (GB/T 4754)"), max_length=10, blank=True)
    registration_authority = models.CharField(_("registration authority"), max_length=100,
                                              blank=True)
    locality = models.CharField(_("locality"), max_length=100, blank=True)  # 属地
    founded_on = models.DateField(_("date of establishment"), null=True, blank=True)
    reg_status = models.CharField(_("registration status"), max_length=15,
                                  choices=RegStatus.choices, default=RegStatus.ACTIVE)
    risk_class = models.CharField(_("credit risk class"), max_length=1,
                                  choices=RiskClass.choices, blank=True)
    risk_set_on = models.DateField(_("risk class set on"), null=True, blank=True)
    last_inspected_on = models.DateField(_("last inspected on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=TargetSource.choices,
                              default=TargetSource.MANUAL)
    # SHA-256 over the imported fields: re-importing an unchanged row is a cheap no-op.
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection target")
        verbose_name_plural = _("inspection targets")
        ordering = ["name"]
        # One index per query that needs it: every index costs each imported row (the first
        # import of a million rows spent most of its time maintaining them). Names are found
        # by their bigrams (migration 0003), never by prefix; codes by prefix or equality,
        # which a pattern_ops index serves both (on PostgreSQL; plain elsewhere).
        indexes = [
            models.Index(fields=["name"], name="target_name"),
            models.Index(fields=["region_code"], name="target_region_code",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["industry_code"], name="target_industry_code",
                         opclasses=["varchar_pattern_ops"]),
            # A code alone, whole or its start as people type it (the directory's search,
            # the public credit file): the unique index below leads with the department, so
            # neither could use it, and each read scanned a province's 10 million rows.
            models.Index(fields=["uscc"], name="target_uscc", opclasses=["varchar_pattern_ops"]),
            # The few without a credit risk class, counted on the office's home page and
            # listed by its link: found without reading the whole directory.
            models.Index(fields=["department"], name="target_unclassified",
                         condition=Q(risk_class="")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["department", "uscc"], name="target_code_unique",
                                    condition=Q(uscc__isnull=False),
                                    violation_error_message=_(
                                        "This code is already in the directory.")),
            models.CheckConstraint(
                condition=Q(uscc__isnull=False) | ~Q(no_code_reason=""),
                name="target_code_or_reason",
                violation_error_message=_("A target without a code needs a reason.")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Codes of the standards' tables (rules/codes.py), named by field when not."""
        super().clean()
        check_codes(self, region_code=codes.region_code, industry_code=codes.industry_code)

    @property
    def draw_id(self) -> str:
        """The identifier used in draw records (protocol §1)."""
        return self.uscc or f"X-{self.pk}"


class Licence(models.Model):
    """A 行政许可 record a target came from (licensing bureau data)."""

    # No index of its own: licence_unique (target, number) serves lookups by target.
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="licences",
                               verbose_name=_("target"), db_index=False)
    number = models.CharField(_("licence number"), max_length=100)
    item = models.CharField(_("licensed matter"), max_length=200, blank=True)
    decision_no = models.CharField(_("decision document number"), max_length=100, blank=True)
    authority = models.CharField(_("issuing authority"), max_length=100, blank=True)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    import_job = models.ForeignKey("imports.ImportJob", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("import"))

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["target", "number"]
        constraints = [models.UniqueConstraint(fields=["target", "number"],
                                               name="licence_unique")]

    def __str__(self) -> str:
        return self.number


class Contact(models.Model):
    """A person to contact at the target (personal data: masked wherever published)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="contacts",
                               verbose_name=_("target"))
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class TargetChange(models.Model):
    """History of a target: who changed what, when, and from which import."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="changes",
                               verbose_name=_("target"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("changed by"))
    import_job = models.ForeignKey("imports.ImportJob", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="target_changes",
                                   verbose_name=_("import"))
    action = models.CharField(_("action"), max_length=10)  # create / update
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.action} {self.at:%Y-%m-%d}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        keys = sorted(set(self.before) | set(self.after))
        return [(k, self.before.get(k), self.after.get(k)) for k in keys
                if self.before.get(k) != self.after.get(k)]
