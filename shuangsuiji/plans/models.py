from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import (
    Action,
    Domain,
    ScopedQuerySet,
    scope_for,
    within_periods,
)
from shuangsuiji.catalog.models import InspectionItem

from .choices import (
    DEFAULT_METHOD_TEXT,
    DepartmentRole,
    Invitation,
    PlanStatus,
    ProposalStatus,
    Stratification,
    TaskKind,
    TaskState,
    Verification,
)


class PlanQuerySet(ScopedQuerySet):
    scope_domain = Domain.PLANS
    scope_path = "organisation__root_id"


class AnnualPlan(models.Model):
    """年度抽查计划: the office's yearly plan, merged from its sections' proposals."""

    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="plans",
                                     verbose_name=_("office"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    leading_section = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+",
                                        verbose_name=_("leading section"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices,
                              default=PlanStatus.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+", verbose_name=_("filed by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # 备案: the approved plan sent to the city's leading group office, and its receipt.
    city_filed_at = models.DateTimeField(_("filed with the city at"), null=True, blank=True)
    city_filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+",
                                      verbose_name=_("filed with the city by"))
    city_received_at = models.DateTimeField(_("filing received at"), null=True, blank=True)
    city_received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="+",
                                         verbose_name=_("filing received by"))

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["-year", "organisation"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"],
                                               name="plan_one_per_year")]

    def __str__(self) -> str:
        return self.title


class PlanProposal(models.Model):
    """A section's proposal for the yearly plan (各业务科室提出意见建议)."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="proposals",
                             verbose_name=_("plan"))
    section = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("section"))
    items = models.ManyToManyField(InspectionItem, blank=True, related_name="+",
                                   verbose_name=_("items"))
    text = models.TextField(_("proposal"))
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan proposal")
        verbose_name_plural = _("plan proposals")
        ordering = ["plan", "submitted_at"]

    def __str__(self) -> str:
        return f"{self.section} → {self.plan}"


class PlanEntry(models.Model):
    """One line of a plan: the items of one batch, joint or not, and who takes part."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="entries",
                             verbose_name=_("plan"))
    name = models.CharField(_("name"), max_length=200)
    items = models.ManyToManyField(InspectionItem, related_name="+", verbose_name=_("items"))
    is_joint = models.BooleanField(_("joint with other departments"), default=False)
    participants = models.ManyToManyField(Department, blank=True, related_name="+",
                                          verbose_name=_("participating departments"))
    batch = models.CharField(_("batch"), max_length=50, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    ratio = models.CharField(_("sampling ratio (%)"), max_length=10, blank=True)
    proposal = models.ForeignKey(PlanProposal, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="entries", verbose_name=_("from proposal"))

    class Meta:
        verbose_name = _("plan entry")
        verbose_name_plural = _("plan entries")
        ordering = ["plan", "starts_on", "id"]

    def __str__(self) -> str:
        return self.name


class TaskQuerySet(ScopedQuerySet):
    scope_domain = Domain.TASKS
    scope_path = "initiating__root_id"
    scope_period_path = "period_start"

    def for_user(self, user, action=Action.VIEW):  # type: ignore[no-untyped-def]
        """Cooperating departments see the joint tasks they take part in; inspectors theirs;
        an evaluator its organisations' tasks whose period begins within its grants'."""
        scope = scope_for(user, Domain.TASKS, action)
        if scope.everything:
            return self
        if scope.nothing:
            return self.none()
        if user.role == Role.EVALUATOR:
            return self.filter(within_periods(user, self.scope_path, self.scope_period_path))
        org = Q(initiating__root_id__in=scope.organisation_ids)
        if action == Action.VIEW:
            org |= Q(participants__department__root_id__in=scope.organisation_ids)
        qs = self.filter(org)
        if getattr(user, "role", None) in {Role.INSPECTOR, Role.EXPERT}:
            # Only assignments in force: a replaced target's group is released.
            qs = self.filter(assignments__inspector__user=user,
                             assignments__released_at__isnull=True)
        return qs.distinct()


class InspectionTask(models.Model):
    """抽查任务: every field of the task sheet, the pool's filters and the draw's rules."""

    code = models.CharField(_("task code"), max_length=40, unique=True)
    name = models.CharField(_("task name"), max_length=200)
    plan_entry = models.ForeignKey(PlanEntry, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="tasks", verbose_name=_("plan entry"))
    initiating = models.ForeignKey(Department, on_delete=models.PROTECT,
                                   related_name="initiated_tasks",
                                   verbose_name=_("initiating department"))
    state = models.CharField(_("state"), max_length=12, choices=TaskState.choices,
                             default=TaskState.DRAFT)
    period_start = models.DateField(_("inspection period from"))
    period_end = models.DateField(_("inspection period to"))
    method_text = models.TextField(_("inspection method"), default=DEFAULT_METHOD_TEXT)
    requirements_text = models.TextField(_("work requirements"), blank=True)
    # The pool (抽取范围): filters on the initiating organisation's target directory.
    filter_regions = models.JSONField(_("regions (code prefixes)"), default=list, blank=True)
    filter_industries = models.JSONField(_("industries (code prefixes)"), default=list,
                                         blank=True)
    filter_entity_types = models.JSONField(_("market entity types"), default=list, blank=True)
    lookback_days = models.PositiveIntegerField(
        _("look-back period (days)"), default=365,
        help_text=_("Targets inspected for the same items within this period are excluded, "
                    "and inspectors who inspected a target within it are not sent again."))
    # Not the office's to choose: the city's cap (CityPolicy) in force when the task was
    # frozen, kept as the record of what the freeze applied; blank before the freeze.
    yearly_cap = models.PositiveSmallIntegerField(
        _("yearly inspection cap per entity"), null=True, blank=True, editable=False,
        help_text=_("The city's cap applied at the freeze: entities inspected this many times "
                    "this year, by any department, were left out (国办发〔2024〕54号)."))
    # 双随机抽查, or an inspection the office chose (重点检查, 专项检查, 投诉举报核查, 上级交办):
    # that one has no draw, one target, and the basis it was made on.
    kind = models.CharField(_("kind of inspection"), max_length=10, choices=TaskKind.choices,
                            default=TaskKind.RANDOM)
    basis = models.TextField(_("reason and basis"), blank=True)
    basis_reference = models.CharField(
        _("reference"), max_length=100, blank=True,
        help_text=_("The complaint's tracking or work-order number, or the superior's "
                    "assignment document number."))
    stratification = models.CharField(_("stratification"), max_length=5,
                                      choices=Stratification.choices,
                                      default=Stratification.NONE)
    ratio = models.CharField(_("sampling ratio (%)"), max_length=10, default="15",
                             help_text=_("Used when the task is not stratified."))
    # Draw protocol §9: blank follows the stratification (auditor for risk classes, whose
    # tickets would show the classes; public otherwise). Public on risk classes needs a reason.
    verification = models.CharField(
        _("verification of the draw"), max_length=8, choices=Verification.choices, blank=True,
        help_text=_("Blank: auditor verification when the strata are credit-risk classes, "
                    "public verification otherwise."))
    verification_reason = models.TextField(
        _("reason for public verification of risk classes"), blank=True,
        help_text=_("Required when a task stratified by credit-risk class is verified "
                    "publicly: its tickets then let anyone infer which targets are "
                    "high-risk."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection task")
        verbose_name_plural = _("inspection tasks")
        ordering = ["-period_start", "code"]
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                              name="task_period_ordered")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_editable(self) -> bool:
        return self.state == TaskState.DRAFT

    @property
    def is_random(self) -> bool:
        return self.kind == TaskKind.RANDOM

    @property
    def risk_strata(self) -> bool:
        """Whether the strata are credit-risk classes (internal: 信用风险分类结果不对外公开)."""
        return self.stratification == Stratification.RISK

    @property
    def verification_mode(self) -> str:
        """§9's mode: as chosen, or the default of the stratification."""
        if self.verification:
            return self.verification
        return Verification.AUDITOR if self.risk_strata else Verification.PUBLIC

    def clean(self) -> None:
        super().clean()
        if (self.verification == Verification.PUBLIC and self.risk_strata
                and not self.verification_reason.strip()):
            raise ValidationError({"verification_reason": _(
                "Give the reason for verifying a draw by credit-risk class publicly: its "
                "tickets let anyone infer which targets are high-risk.")})


class TaskDepartment(models.Model):
    """A department taking part in a task, with its own checklist items and group size."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE,
                             related_name="participants", verbose_name=_("task"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    role = models.CharField(_("role"), max_length=12, choices=DepartmentRole.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    items = models.ManyToManyField(InspectionItem, related_name="+",
                                   verbose_name=_("checklist items"))
    officers = models.PositiveSmallIntegerField(_("officers per group"), default=2)
    experts = models.PositiveSmallIntegerField(_("experts per group"), default=0)
    # A department of another organisation is invited and answers for itself (plans.services
    # task_answer_invitation); the draw waits for every acceptance. The initiating
    # organisation's own departments take part at once.
    invitation = models.CharField(_("invitation"), max_length=10, choices=Invitation.choices,
                                  default=Invitation.ACCEPTED)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("participating department")
        verbose_name_plural = _("participating departments")
        ordering = ["task", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department"], name="task_department_once"),
            models.CheckConstraint(condition=Q(officers__gte=2), name="group_two_officers",
                                   violation_error_message=_("A group needs at least 2 officers.")),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.department}"


class TaskStratum(models.Model):
    """The rule of one stratum (credit-risk class A–D): a ratio or a count."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="strata",
                             verbose_name=_("task"))
    label = models.CharField(_("stratum"), max_length=10)
    ratio = models.CharField(_("ratio (%)"), max_length=10, blank=True)
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)

    class Meta:
        verbose_name = _("stratum")
        verbose_name_plural = _("strata")
        ordering = ["task", "label"]
        constraints = [models.UniqueConstraint(fields=["task", "label"], name="stratum_once")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.label}"


class CityPolicy(models.Model):
    """The city's frequency rules (国办发〔2024〕54号), one row: how often one entity may be
    inspected in a year by all the departments on the platform together, and how recent an
    inspection must be for the office to be warned before a non-random one."""

    yearly_cap = models.PositiveSmallIntegerField(
        _("yearly inspection cap per entity"), default=2,
        help_text=_("Entities inspected this many times this year, by any department and of "
                    "any kind, are left out of every draw frozen from then on."))
    recent_days = models.PositiveSmallIntegerField(
        _("recent inspection window (days)"), default=90,
        help_text=_("Before a non-random inspection of an entity inspected within this many "
                    "days, the office is warned and must confirm."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("city inspection policy")
        verbose_name_plural = _("city inspection policy")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="city_policy_singleton"),
            models.CheckConstraint(condition=Q(yearly_cap__gte=1), name="city_policy_cap_min"),
        ]

    def __str__(self) -> str:
        return str(_("City inspection policy"))

    @classmethod
    def current(cls) -> "CityPolicy":
        """The stored policy, or the defaults until the city sets one (a read never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class JointProposal(models.Model):
    """联合抽查建议: the city's leading group office proposes a joint task across
    departments ("能联尽联"); the proposed lead department's office takes it up (a draft task
    inviting the others) or declines with its reason. plans/proposals.py."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting the lead department")
        TAKEN_UP = "taken_up", _("Taken up as a task")
        DECLINED = "declined", _("Declined")

    title = models.CharField(_("title"), max_length=200)
    lead = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("proposed lead department"))
    participants = models.ManyToManyField(Department, related_name="+",
                                          verbose_name=_("proposed cooperating departments"))
    period_start = models.DateField(_("inspection period from"))
    period_end = models.DateField(_("inspection period to"))
    scope = models.TextField(_("what to inspect together"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PROPOSED)
    task = models.OneToOneField(InspectionTask, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="joint_proposal",
                                verbose_name=_("task"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("joint task proposal")
        verbose_name_plural = _("joint task proposals")
        ordering = ["-proposed_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=F("period_start")),
                                              name="joint_proposal_period")]

    def __str__(self) -> str:
        return self.title
