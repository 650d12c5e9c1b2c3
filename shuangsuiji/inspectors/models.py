from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, ScopedQuerySet
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.i18n import check_codes
from shuangsuiji.entities.models import Target
from shuangsuiji.rules import codes
from shuangsuiji.rules.eligibility import CertificatePeriod, StatusPeriod, is_eligible

from .choices import DeclaredBy, InspectorRole, InspectorStatus, Relation

_SELF_ONLY = {Role.INSPECTOR, Role.EXPERT}


class InspectorQuerySet(ScopedQuerySet):
    scope_domain = Domain.INSPECTORS

    def for_user(self, user, action=Action.VIEW):  # type: ignore[no-untyped-def]
        qs = super().for_user(user, action)
        if getattr(user, "role", None) in _SELF_ONLY and not user.is_superuser:
            qs = qs.filter(user=user)
        return qs


class Inspector(models.Model):
    """An entry of the 执法检查人员名录库."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT,
                                   related_name="inspectors", verbose_name=_("department"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="inspector",
                                verbose_name=_("login account"))
    code = models.CharField(_("staff code"), max_length=30, unique=True,
                            help_text=_("Identifier used in draw records, e.g. E001"))
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=10, choices=InspectorRole.choices)
    specialties = models.CharField(_("specialties"), max_length=300, blank=True)
    item_scope = models.ManyToManyField(InspectionItem, blank=True, related_name="inspectors",
                                        verbose_name=_("items they may inspect"))
    region_code = models.CharField(_("region code"), max_length=12, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=InspectorStatus.choices,
                              default=InspectorStatus.ACTIVE)
    status_since = models.DateField(_("status since"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    id_number_encrypted = models.TextField(_("identity number (encrypted)"), blank=True,
                                           editable=False)
    id_number_masked = models.CharField(_("identity number"), max_length=18, blank=True,
                                        editable=False)

    objects = InspectorQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        ordering = ["department", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        super().clean()
        check_codes(self, region_code=codes.region_code)  # rules/codes.py

    def is_eligible_on(self, day: date) -> bool:
        """Draw eligibility on `day`: in post, and for officers a certificate valid that day."""
        history = [StatusPeriod(c.status, c.effective_on) for c in self.status_changes.all()]
        if not history:
            history = [StatusPeriod(self.status, self.status_since)]
        certificates = [CertificatePeriod(c.valid_from, c.valid_to)
                        for c in self.certificates.all()]
        return is_eligible(role=self.role, history=history, certificates=certificates, day=day)


class Certificate(models.Model):
    """An enforcement certificate (执法证) with its validity."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE,
                                  related_name="certificates", verbose_name=_("inspector"))
    number = models.CharField(_("certificate number"), max_length=50)
    issuer = models.CharField(_("issuing body"), max_length=100)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("enforcement certificate")
        verbose_name_plural = _("enforcement certificates")
        ordering = ["inspector", "-valid_to"]
        constraints = [models.UniqueConstraint(fields=["number", "issuer"],
                                               name="certificate_unique")]

    def __str__(self) -> str:
        return self.number


class InspectorStatusChange(models.Model):
    """在岗 / 调离 / 退休 with the date it takes effect; the draw reads the status on its day."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE,
                                  related_name="status_changes", verbose_name=_("inspector"))
    status = models.CharField(_("status"), max_length=12, choices=InspectorStatus.choices)
    effective_on = models.DateField(_("effective on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["inspector", "effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.inspector_id} {self.status} {self.effective_on}"


class ConflictQuerySet(ScopedQuerySet):
    scope_domain = Domain.CONFLICTS
    scope_path = "inspector__department__root_id"

    def for_user(self, user, action=Action.VIEW):  # type: ignore[no-untyped-def]
        qs = super().for_user(user, action)
        if getattr(user, "role", None) in _SELF_ONLY and not user.is_superuser:
            qs = qs.filter(inspector__user=user)
        return qs

    def in_force_on(self, day: date) -> "ConflictQuerySet":
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day),
                           Q(valid_to__isnull=True) | Q(valid_to__gte=day),
                           revoked_at__isnull=True)


class Conflict(models.Model):
    """A 回避 relationship between an inspector and a target; the draw never pairs them."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts",
                                  verbose_name=_("inspector"))
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="conflicts",
                               verbose_name=_("target"))
    relation = models.CharField(_("relationship"), max_length=10, choices=Relation.choices)
    declared_by = models.CharField(_("declared by"), max_length=10, choices=DeclaredBy.choices)
    reason = models.TextField(_("reason"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    objects = ConflictQuerySet.as_manager()

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.inspector} ↔ {self.target}"
