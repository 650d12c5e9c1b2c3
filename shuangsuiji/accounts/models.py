from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import DepartmentKind, Role


class Department(models.Model):
    """A regulator (the office), one of its sections, or a cooperating department (部门)."""

    code = models.CharField(_("code"), max_length=20, unique=True,
                            help_text=_("Short code used in draw records, e.g. RFB"))
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DepartmentKind.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("parent department"))
    # The top of this department's tree: the unit whose directories it shares. Kept by
    # accounts.services so scoping is one indexed comparison, not a tree walk.
    root = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("organisation"))
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # root is derived data: the parent's organisation, or this department at the top.
        if self.parent_id:
            self.root_id = self.parent.root_id or self.parent_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if self.root_id is None:
            Department.objects.filter(pk=self.pk).update(root=self.pk)
            self.root_id = self.pk


class User(AbstractUser):
    """A person who signs in; what they see is scoped by department and role."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="users", verbose_name=_("department"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.INSPECTOR)
    # An auditor's scope: the organisations (department trees) it audits, whatever its own
    # department (a discipline inspection group, an evaluator, or none).
    audited_organisations = models.ManyToManyField(
        Department, blank=True, related_name="auditors", limit_choices_to={"parent": None},
        verbose_name=_("organisations audited"),
        help_text=_("Auditors only: the organisations whose draw records and audit log they "
                    "read."))
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    # scoping.audited_organisation_ids keeps them here for the request; None: not read yet.
    _audited_ids: frozenset[int] | None
    # scoping.evaluator_periods likewise: an evaluator's grants in force.
    _evaluator_periods: tuple[tuple[int, date, date], ...] | None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        # One name field (Chinese names are not split into first and last).
        return self.full_name or self.username


class EvaluatorGrant(models.Model):
    """A third-party evaluator's read access to one organisation's records of a period: the
    tasks whose inspection period begins from `period_from` to `period_to`, their draws with
    the full records, and their results. In force until `expires_on` (inclusive) or revoked;
    given and revoked through accounts.services, each step audited."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="evaluator_grants",
                             verbose_name=_("evaluator"))
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period to"))
    expires_on = models.DateField(_("access ends on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("evaluator's grant")
        verbose_name_plural = _("evaluators' grants")
        ordering = ["-granted_at", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(period_from__lte=models.F("period_to")),
            name="accounts_grant_period_in_order")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.period_from}–{self.period_to}"

    def in_force(self, today: date) -> bool:
        return self.revoked_at is None and (self.expires_on is None or today <= self.expires_on)


class ClaimRule(models.Model):
    """One of the administrator's rules mapping a 统一身份认证 sign-in to a department and role
    (rules/claim_rules.py): tried in `position` order, the first that matches decides."""

    position = models.PositiveIntegerField(_("order"), default=10,
                                           help_text=_("Rules are tried from the lowest up."))
    claim = models.CharField(_("claim name"), max_length=100, help_text=_(
        "The claim's name in the ID token or user info, e.g. org_code (org.code for a "
        "nested one)."))
    value = models.CharField(_("claim value"), max_length=200)
    is_pattern = models.BooleanField(_("value is a pattern"), default=False, help_text=_(
        "Match the value as a regular expression over the whole claim, not exactly."))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True, verbose_name=_("department"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    update_existing = models.BooleanField(_("update existing accounts"), default=True,
                                          help_text=_(
        "At each sign-in, set the department and role of an account that has them otherwise."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sign-on rule")
        verbose_name_plural = _("sign-on rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.claim} {'~' if self.is_pattern else '='} {self.value} → {self.role}"


class ExternalIdentity(models.Model):
    """The person behind an account at the identity provider: its issuer and `sub`, which
    never change nor pass to someone else (names and e-mail addresses do)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identities",
                             verbose_name=_("user"))
    issuer = models.CharField(_("identity provider (issuer)"), max_length=255)
    subject = models.CharField(_("subject identifier (sub)"), max_length=255)
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"],
                                               name="accounts_identity_unique")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"
