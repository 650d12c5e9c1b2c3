"""Visits, results, evidence, signatures and follow-ups of a drawn task (#4).

One `Visit` per drawn target (进一次门): every department's group goes together. Each
department records its own `Inspection` of that visit (its checklist items, its findings, its
review), so a cooperating department can never change the office's result, nor the reverse.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, ScopedQuerySet, scope_for
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.draws.models import Assignment, DrawnTarget
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.plans.models import InspectionTask, TaskDepartment

from .choices import (
    Conduct,
    EvidenceKind,
    FollowUpKind,
    FollowUpState,
    Outcome,
    ReviewState,
    SignerRole,
)


def _token() -> str:
    return secrets.token_urlsafe(18)


class VisitQuerySet(ScopedQuerySet):
    scope_domain = Domain.INSPECTIONS

    def for_user(self, user, action=Action.VIEW):  # type: ignore[no-untyped-def]
        """The initiating organisation sees every visit of its tasks; a cooperating department
        the visits of the tasks it takes part in; inspectors only the visits they are sent to."""
        scope = scope_for(user, Domain.INSPECTIONS, action)
        if scope.everything:
            return self
        if scope.nothing:
            return self.none()
        # Subqueries, not joins with DISTINCT: `visit__in=Visit.objects.for_user(user)` is how
        # results are scoped, and a DISTINCT made PostgreSQL gather every visit of the
        # organisation (a million in a province) before it could look at one.
        if getattr(user, "role", None) in {Role.INSPECTOR, Role.EXPERT}:
            return self.filter(drawn_target__in=Assignment.objects.filter(
                inspector__user=user, released_at__isnull=True).values("drawn_target_id"))
        orgs = scope.organisation_ids
        return self.filter(Q(task__initiating__root_id__in=orgs)
                           | Q(task__in=TaskDepartment.objects.filter(
                               department__root_id__in=orgs).values("task_id")))


class Visit(models.Model):
    """One visit to a drawn target by every group of the task ("1+X")."""

    task = models.ForeignKey(InspectionTask, on_delete=models.PROTECT, related_name="visits",
                             verbose_name=_("task"))
    drawn_target = models.OneToOneField(DrawnTarget, on_delete=models.PROTECT,
                                        related_name="visit", verbose_name=_("target"))
    agreed_date = models.DateField(_("agreed inspection date"), null=True, blank=True)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("agreed by"))
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    materials = models.TextField(_("materials to prepare"), blank=True)
    # The 扫码入企 code: unguessable, printed on the notice and the checklist.
    token = models.CharField(max_length=40, unique=True, default=_token, editable=False)
    entity_informed_at = models.DateTimeField(_("entity told the outcome at"), null=True,
                                              blank=True)
    entity_informed_how = models.CharField(_("how the entity was told"), max_length=200,
                                           blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["task", "drawn_target__ticket"]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.drawn_target.ident}"


class Claim(models.Model):
    """领取任务: an inspector has taken up a task."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="claims")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="claims")
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [models.UniqueConstraint(fields=["task", "inspector"], name="claim_once")]

    def __str__(self) -> str:
        return f"{self.inspector_id}→{self.task_id}"


class ScanRecord(models.Model):
    """A scan of a visit's QR code by the entity (扫码入企), kept as the visit's trace."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="scans")
    scanned_at = models.DateTimeField(auto_now_add=True)
    # A keyed hash, not the address itself: enough to count distinct scanners.
    client_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-scanned_at"]

    def __str__(self) -> str:
        return f"{self.visit_id}@{self.scanned_at:%Y-%m-%d %H:%M}"


class ViolationCategory(models.Model):
    """A department's own violation categories beside the national result categories."""

    organisation = models.ForeignKey(Department, on_delete=models.PROTECT,
                                     related_name="violation_categories",
                                     verbose_name=_("organisation"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("violation category")
        verbose_name_plural = _("violation categories")
        ordering = ["organisation", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"],
                                               name="violation_category_once")]

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """One department's result of a visit (检查结果): findings per item, categories, review."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="inspections",
                              verbose_name=_("visit"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    state = models.CharField(_("review state"), max_length=10, choices=ReviewState.choices,
                             default=ReviewState.ENTERED)
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    methods = models.JSONField(_("inspection methods"), default=list, blank=True)
    categories = models.JSONField(_("result categories"), default=list, blank=True)
    violation_categories = models.ManyToManyField(ViolationCategory, blank=True,
                                                  related_name="+",
                                                  verbose_name=_("violation categories"))
    conduct = models.CharField(_("refusal, concealment or falsification"), max_length=10,
                               choices=Conduct.choices, default=Conduct.NONE, blank=True)
    summary = models.TextField(_("findings"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    # Bumped by every save of the result's values: an edit made on an older version (a phone
    # that was offline while another group member saved) is a conflict, never an overwrite.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["visit", "department"]
        constraints = [models.UniqueConstraint(fields=["visit", "department"],
                                               name="inspection_once_per_department")]
        # The review queue, oldest first: the few submitted among a province's million.
        indexes = [models.Index(fields=["submitted_at", "id"], name="inspection_to_review",
                                condition=Q(state=ReviewState.SUBMITTED))]

    def __str__(self) -> str:
        return f"{self.visit}:{self.department_id}"

    @property
    def is_editable(self) -> bool:
        return self.state in {ReviewState.ENTERED, ReviewState.RETURNED}

    @property
    def flagged_for_publication(self) -> bool:
        """Refusal, concealment and falsification are published as such (domain rules)."""
        return bool(self.conduct)


class ItemFinding(models.Model):
    """One line of the checklist: an item of the department's list and what was found."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE,
                                   related_name="findings")
    item = models.ForeignKey(InspectionItem, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("item"))
    outcome = models.CharField(_("finding"), max_length=15, choices=Outcome.choices,
                               blank=True)
    note = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("item finding")
        verbose_name_plural = _("item findings")
        ordering = ["inspection", "item__code"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"],
                                               name="finding_once_per_item")]

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item_id}={self.outcome}"


class Evidence(models.Model):
    """A photo or document, stored outside the web root under a random name."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT,
                                   related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Taken on a phone (the field app): the device's clock and, where it gave one, its position.
    captured_at = models.DateTimeField(_("taken at (device time)"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    accuracy_m = models.PositiveIntegerField(_("position accuracy (m)"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["inspection", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Signature(models.Model):
    """A signature drawn on screen (PNG), or the entity's seal; a signed scan is `Evidence`."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT,
                                   related_name="signatures")
    role = models.CharField(_("signer"), max_length=15, choices=SignerRole.choices)
    name = models.CharField(_("name"), max_length=50)
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    image = models.FileField(upload_to="signatures/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["inspection", "signed_at"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class ReviewEvent(models.Model):
    """The review history shown with a result (the audit log holds it too)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE,
                                   related_name="review_events")
    from_state = models.CharField(max_length=10, choices=ReviewState.choices)
    to_state = models.CharField(max_length=10, choices=ReviewState.choices)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state}→{self.to_state}"


class FollowUp(models.Model):
    """后续处置 of a result: owner, due date, closing date and what the kind requires."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT,
                                   related_name="follow_ups", verbose_name=_("result"))
    kind = models.CharField(_("follow-up"), max_length=10, choices=FollowUpKind.choices)
    state = models.CharField(_("state"), max_length=8, choices=FollowUpState.choices,
                             default=FollowUpState.OPEN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("owner"))
    due_on = models.DateField(_("due on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # 责令改正: the rectification deadline and the re-check.
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    recheck_on = models.DateField(_("re-checked on"), null=True, blank=True)
    recheck_passed = models.BooleanField(_("re-check passed"), null=True, blank=True)
    recheck_note = models.TextField(_("re-check findings"), blank=True)
    # 立案查处: the penalty decision.
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    penalty_amount = models.DecimalField(_("penalty amount (yuan)"), max_digits=14,
                                         decimal_places=2, null=True, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    # 移送 / 抄告: to whom.
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["state", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", closed_on__isnull=True)
                | Q(state="closed", closed_on__isnull=False),
                name="follow_up_closed_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.inspection_id})"
