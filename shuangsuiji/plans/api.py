"""API: yearly plans (年度抽查计划) and inspection tasks (抽查任务) while they are drafts and as
they move forward. A task's draw (pool, freeze, draw, records, groups) is in draws/api.py.

Sections propose; the organising office (and administrators) merge, approve and publish plans
and are the only ones who change tasks. Cooperating departments read the joint tasks they take
part in; inspectors and experts read the tasks they are assigned to (TaskQuerySet).
"""

import re
from collections.abc import Iterable
from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.validators import UniqueValidator

from shuangsuiji.accounts.choices import DepartmentKind
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, can, scope_for
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.api import (
    Conflict409,
    ErrorSerializer,
    IdFilter,
    ScopedDepartmentField,
    ScopedViewSet,
)
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.draws.pool import UNCLASSIFIED
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.rules.draw.sizes import InvalidRule, StratumRule

from . import selectors, services
from .choices import PlanStatus, Stratification, TaskState, Verification
from .models import AnnualPlan, InspectionTask, PlanEntry, PlanProposal, TaskDepartment

# A decimal percentage as the protocol writes it ("15", "2.5"): no exponents, no signs.
RATIO_PATTERN = r"^\d{1,3}(\.\d{1,6})?$"
STRATUM_LABELS = [*(c.value for c in RiskClass), UNCLASSIFIED]
MAX_COUNT = 10_000_000


def user_label(user: Any) -> str:
    return (user.full_name or user.username) if user else ""


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {m}" for key, value in detail.items() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


class FlatListField(serializers.ListField):
    """A list whose errors are plain strings naming the entry, like every other 400 answer."""

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        result, errors = [], []
        for number, item in enumerate(data, start=1):
            try:
                result.append(self.child.run_validation(item))
            except serializers.ValidationError as exc:
                errors.extend(_("Entry {number}: {error}").format(number=number, error=message)
                              for message in _messages(exc.detail))
        if errors:
            raise serializers.ValidationError(errors)
        return result


def ratio_field(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        RATIO_PATTERN, max_length=10,
        error_messages={"invalid": _("A decimal percentage between 0 and 100, e.g. 15 or 2.5.")},
        **kwargs)


def check_ratio(ratio: str) -> str:
    try:
        StratumRule(ratio=ratio)
    except InvalidRule as exc:
        raise serializers.ValidationError(rule_reason(exc)) from exc
    return ratio


class StateViewSet(ScopedViewSet):
    """A service's error that names no field is about the state of the object (frozen, drawn,
    approved, no longer open): 409 with the service's message, not a 400."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError) and not hasattr(exc, "error_dict"):
            exc = Conflict409(" ".join(exc.messages))
        return super().handle_exception(exc)


# --- Yearly plans -------------------------------------------------------------------------


class ProposalSerializer(serializers.ModelSerializer):
    section_name = serializers.CharField(source="section.name", read_only=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    submitted_by = serializers.SerializerMethodField()

    class Meta:
        model = PlanProposal
        fields = ["id", "section", "section_name", "items", "text", "status", "submitted_by",
                  "submitted_at"]
        read_only_fields = fields

    def get_submitted_by(self, obj: PlanProposal) -> str:
        return user_label(obj.submitted_by)


class EntrySerializer(serializers.ModelSerializer):
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    participants = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                               help_text=_("Tasks created from this entry"))

    class Meta:
        model = PlanEntry
        fields = ["id", "name", "items", "is_joint", "participants", "batch", "starts_on",
                  "ends_on", "ratio", "proposal", "tasks"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    filed_by = serializers.SerializerMethodField()
    approved_by = serializers.SerializerMethodField()

    class Meta:
        model = AnnualPlan
        fields = ["id", "organisation", "organisation_name", "year", "title", "leading_section",
                  "status", "notes", "filed_by", "approved_by", "approved_at", "published_at"]
        read_only_fields = fields

    def get_filed_by(self, obj: AnnualPlan) -> str:
        return user_label(obj.filed_by)

    def get_approved_by(self, obj: AnnualPlan) -> str:
        return user_label(obj.approved_by)


class PlanDetailSerializer(PlanSerializer):
    entries = EntrySerializer(many=True, read_only=True)
    proposals = ProposalSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "entries", "proposals"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class PlanOrganisationField(ScopedDepartmentField):
    def department_choices(self, user: Any, domain: Domain) -> Any:
        return super().department_choices(user, domain).filter(parent__isnull=True)


class PlanCreateSerializer(serializers.Serializer):
    organisation = PlanOrganisationField(
        required=False, help_text=_("The office (a top-level department). Default: your own "
                                    "organisation; administrators must give it."))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    leading_section = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(kind=DepartmentKind.SECTION, is_active=True),
        required=False, allow_null=True, help_text=_("E.g. 工程科, which leads this work"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        organisation = attrs.get("organisation") or (
            user.department.root if user.department_id else None)
        if organisation is None:
            raise serializers.ValidationError({"organisation": _("Name the office.")})
        if AnnualPlan.objects.filter(organisation=organisation, year=attrs["year"]).exists():
            raise serializers.ValidationError({"year": _(
                "{office} already has a plan for {year}.").format(
                    office=organisation.name, year=attrs["year"])})
        return attrs | {"organisation": organisation}


class ProposalInputSerializer(serializers.Serializer):
    section = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True),
        help_text=_("The proposing section; a section proposes for itself only"))
    items = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=InspectionItem.objects.filter(is_active=True),
        help_text=_("Items of the office's list to inspect"))
    text = serializers.CharField(max_length=5000,
                                 help_text=_("What to inspect, when, how many, and with whom"))


class EntryInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    items = serializers.PrimaryKeyRelatedField(
        many=True, allow_empty=False, queryset=InspectionItem.objects.filter(is_active=True),
        help_text=_("The office's own items and published items of other departments (1+X)"))
    is_joint = serializers.BooleanField(default=False,
                                        help_text=_("Joint with other departments (部门联合)"))
    participants = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Department.objects.filter(is_active=True))
    batch = serializers.CharField(max_length=50, required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    ratio = ratio_field(required=False, allow_blank=True,
                        help_text=_("Sampling ratio (%): a decimal percentage, e.g. 15 or 2.5"))
    proposal = serializers.PrimaryKeyRelatedField(
        queryset=PlanProposal.objects.all(), required=False, allow_null=True,
        help_text=_("The section's proposal this entry merges (marked merged)"))


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(IdFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=2000, max_value=2100, **kwargs)


class PlanFilter(django_filters.FilterSet):
    year = YearFilter()
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = AnnualPlan
        fields: ClassVar[list[str]] = []


def require_office(user: Any) -> None:
    """Merging, approving, publishing, and everything about a task: the office's alone."""
    if not selectors.is_office(user):
        raise PermissionDenied(_("Only the organising office may do this."))


@extend_schema_view(
    list=extend_schema(summary=_("Yearly plans")),
    retrieve=extend_schema(summary=_("One yearly plan with its entries and the proposals")),
    create=extend_schema(summary=_("Start a yearly plan (the office)"),
                         responses={201: PlanDetailSerializer}),
)
class PlanViewSet(StateViewSet):
    """Sections propose; the office merges proposals into entries, approves and publishes."""

    domain = Domain.PLANS
    model = AnnualPlan
    filterset_class = PlanFilter
    serializer_classes: ClassVar = {
        "list": PlanSerializer, "retrieve": PlanDetailSerializer, "create": PlanCreateSerializer,
        "proposals": ProposalInputSerializer, "entries": EntryInputSerializer,
        "approve": PlanDetailSerializer, "publish": PlanDetailSerializer,
    }

    def base_queryset(self) -> Any:
        return AnnualPlan.objects.select_related("organisation", "filed_by", "approved_by")

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-year", "organisation_id")

    def list(self, request: Request) -> Response:
        return self.paginated(self.filter_queryset(self.get_queryset()), PlanSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_scoped_object())

    def create(self, request: Request) -> Response:
        require_office(request.user)
        data = self.input(PlanCreateSerializer)
        section = data.get("leading_section")
        plan = services.plan_create(actor=request.user, organisation_id=data["organisation"].pk,
                                    year=data["year"], title=data["title"],
                                    leading_section_id=section.pk if section else None)
        return self._detail(plan, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Propose for the plan (a section, while the plan is a draft)"),
                   request=ProposalInputSerializer, responses={201: ProposalSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def proposals(self, request: Request, pk: str) -> Response:
        plan = self.get_scoped_object(Action.CHANGE)
        data = self.input_for(plan, ProposalInputSerializer)
        proposal = services.plan_propose(actor=request.user, plan=plan,
                                         section_id=data["section"].pk, text=data["text"],
                                         item_ids=[i.pk for i in data.get("items", [])])
        return self.output(ProposalSerializer, proposal, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Add an entry, or merge a proposal into one (the office)"),
                   request=EntryInputSerializer, responses={201: EntrySerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def entries(self, request: Request, pk: str) -> Response:
        plan = self.get_scoped_object(Action.CHANGE)
        require_office(request.user)
        data = self.input_for(plan, EntryInputSerializer)
        entry = services.plan_add_entry(
            actor=request.user, plan=plan, proposal=data.pop("proposal", None),
            item_ids=[i.pk for i in data.pop("items")],
            participant_ids=[d.pk for d in data.pop("participants", [])], data=data)
        return self.output(EntrySerializer, entry, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Approve the draft plan (the office)"), request=None,
                   responses=PlanDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request: Request, pk: str) -> Response:
        return self._set_status(PlanStatus.APPROVED)

    @extend_schema(summary=_("Publish the approved plan (the office)"), request=None,
                   responses=PlanDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def publish(self, request: Request, pk: str) -> Response:
        return self._set_status(PlanStatus.PUBLISHED)

    def input_for(self, plan: AnnualPlan, serializer_class: type[serializers.Serializer]
                  ) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data,
                                      context=self.get_serializer_context() | {"plan": plan})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _set_status(self, new_status: str) -> Response:
        plan = self.get_scoped_object(Action.CHANGE)
        require_office(self.request.user)
        plan = services.plan_set_status(actor=self.request.user, plan=plan, status=new_status)
        return self._detail(plan)

    def _detail(self, plan: AnnualPlan, status_code: int = status.HTTP_200_OK) -> Response:
        plan = (self.base_queryset()
                .prefetch_related(Prefetch("entries", queryset=PlanEntry.objects.prefetch_related(
                    "items", "participants", "tasks")),
                                  Prefetch("proposals", queryset=PlanProposal.objects
                                           .select_related("section", "submitted_by")
                                           .prefetch_related("items")))
                .get(pk=plan.pk))
        return self.output(PlanDetailSerializer, plan, status_code)


# --- Tasks --------------------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
    department_code = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                               help_text=_("Ids of its checklist items"))

    class Meta:
        model = TaskDepartment
        fields = ["department", "department_code", "department_name", "role", "order", "items",
                  "officers", "experts", "invitation", "answered_at", "answer_note"]
        read_only_fields = fields


class StratumSerializer(serializers.Serializer):
    label = serializers.ChoiceField(choices=STRATUM_LABELS,
                                    help_text=_("Credit-risk class A–D, or U: not yet classified"))
    ratio = serializers.CharField(required=False, allow_blank=True, max_length=10,
                                  help_text=_("A decimal percentage, e.g. 10"))
    count = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                     max_value=MAX_COUNT, help_text=_("A fixed number of targets"))


def _codes() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), read_only=True)


class TaskSerializer(serializers.ModelSerializer):
    initiating_name = serializers.CharField(source="initiating.name", read_only=True)
    filter_regions = _codes()
    filter_industries = _codes()
    filter_entity_types = _codes()
    participants = ParticipantSerializer(many=True, read_only=True)
    strata = StratumSerializer(many=True, read_only=True,
                               help_text=_("Rules of the strata that have their own"))
    is_editable = serializers.BooleanField(read_only=True,
                                           help_text=_("A draft: not yet frozen"))
    verification = serializers.CharField(
        read_only=True, help_text=_("public or auditor as chosen; empty: the stratification's "
                                    "default"))
    verification_mode = serializers.CharField(
        read_only=True, help_text=_("The draw's verification (protocol §9): as chosen, or the "
                                    "default of the stratification"))

    class Meta:
        model = InspectionTask
        fields = ["id", "code", "name", "state", "is_editable", "plan_entry", "initiating",
                  "initiating_name", "period_start", "period_end", "method_text",
                  "requirements_text", "filter_regions", "filter_industries",
                  "filter_entity_types", "lookback_days", "yearly_cap", "kind", "stratification",
                  "ratio", "verification", "verification_mode", "verification_reason",
                  "participants", "strata", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class PlanEntryField(serializers.PrimaryKeyRelatedField):
    """An entry of an approved or published plan of an organisation the user may task."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        if request is None:
            return PlanEntry.objects.none()
        scope = scope_for(request.user, Domain.TASKS, Action.CHANGE)
        entries = PlanEntry.objects.exclude(plan__status=PlanStatus.DRAFT)
        if scope.everything:
            return entries
        return entries.filter(plan__organisation__root_id__in=scope.organisation_ids)


class TaskUpdateSerializer(serializers.Serializer):
    """The task sheet (抽查任务单) and the pool's filters; participants and strata apart."""

    code = serializers.CharField(
        max_length=40, validators=[UniqueValidator(
            queryset=InspectionTask.objects.all(),
            message=_("A task with this code exists already."))])
    name = serializers.CharField(max_length=200)
    plan_entry = PlanEntryField(required=False, allow_null=True,
                                help_text=_("The entry of an approved plan this task carries out"))
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    method_text = serializers.CharField(max_length=10000, required=False)
    requirements_text = serializers.CharField(max_length=10000, required=False,
                                              allow_blank=True)
    filter_regions = FlatListField(
        child=serializers.RegexField(r"^\d{1,12}$", error_messages={
            "invalid": _("Not a region code or prefix (up to 12 digits).")}),
        required=False, max_length=500,
        help_text=_("Administrative division codes or prefixes, e.g. 1405. Empty: all."))
    filter_industries = FlatListField(
        child=serializers.RegexField(r"^[A-T]\d{0,4}$", error_messages={
            "invalid": _("Not an industry code or prefix (a letter A–T and up to four "
                         "digits).")}),
        required=False, max_length=500,
        help_text=_("GB/T 4754 codes or prefixes, e.g. B or E48. Empty: all."))
    filter_entity_types = FlatListField(
        child=serializers.CharField(max_length=100), required=False, max_length=200,
        help_text=_("Market entity types exactly as in the directory. Empty: all."))
    lookback_days = serializers.IntegerField(
        min_value=0, max_value=3650, required=False,
        help_text=_("Targets inspected for the same items within this period are excluded"))
    stratification = serializers.ChoiceField(choices=Stratification.choices, required=False)
    verification = serializers.ChoiceField(
        choices=Verification.choices, required=False, allow_blank=True,
        help_text=_("public or auditor (protocol §9); blank: the stratification's default"))
    verification_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True,
        help_text=_("Required for public verification of a task stratified by risk class"))
    ratio = ratio_field(required=False,
                        help_text=_("Sampling ratio (%) when the task is not stratified"))

    def validate_ratio(self, ratio: str) -> str:
        return check_ratio(ratio)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        task = self.instance
        start = attrs.get("period_start", task.period_start if task else None)
        end = attrs.get("period_end", task.period_end if task else None)
        if start and end and end < start:
            raise serializers.ValidationError(
                {"period_end": _("The end of the period is before its start.")})
        return attrs


@extend_schema_field(OpenApiTypes.INT)
class InitiatingField(ScopedDepartmentField):
    """A department of an organisation the user may task."""


class TaskCreateSerializer(TaskUpdateSerializer):
    initiating = InitiatingField(
        help_text=_("The initiating department (发起部门); fixed once the task exists"))


class ParticipantInputSerializer(serializers.Serializer):
    items = serializers.PrimaryKeyRelatedField(
        many=True, allow_empty=False, queryset=InspectionItem.objects.all(),
        help_text=_("Its checklist items (检查单): published items in force of the "
                    "department's own organisation's list (the service says why of any other)"))
    officers = serializers.IntegerField(min_value=2, max_value=20, default=2,
                                        help_text=_("Certified officers per group: at least 2"))
    experts = serializers.IntegerField(min_value=0, max_value=20, default=0)


class MaySeeTasks(BasePermission):
    """Writes allowed to whoever may see tasks: for answers the service authorises."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return can(request.user, Domain.TASKS, Action.VIEW)


class InvitationAnswerSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text=_("True: the department takes part; false: it "
                                                  "declines (say why in note)"))
    items = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=InspectionItem.objects.all(),
        help_text=_("When accepting: its own checklist items (default: those proposed)"))
    officers = serializers.IntegerField(min_value=2, max_value=20, required=False)
    experts = serializers.IntegerField(min_value=0, max_value=20, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StrataInputSerializer(serializers.Serializer):
    strata = FlatListField(child=StratumSerializer(), max_length=len(STRATUM_LABELS),
                           help_text=_("One rule per stratum: a ratio or a count. Strata left "
                                       "out use the task's ratio."))

    def validate_strata(self, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        rules: dict[str, dict[str, Any]] = {}
        errors = []
        for row in rows:
            label, ratio, count = row["label"], (row.get("ratio") or "").strip(), row.get("count")
            if label in rules:
                errors.append(_("{label}: given twice.").format(label=label))
            elif bool(ratio) == (count is not None):
                errors.append(_("{label}: give a ratio or a count, not both or neither.").format(
                    label=label))
            elif ratio and not re.fullmatch(RATIO_PATTERN, ratio):
                errors.append(_("{label}: a ratio is a decimal percentage between 0 and 100, "
                                "e.g. 15 or 2.5.").format(label=label))
            else:
                try:
                    rule = StratumRule(ratio=ratio or None, count=count)
                except InvalidRule as exc:
                    errors.append(_("{label}: {reason}").format(label=label,
                                                                reason=rule_reason(exc)))
                    continue
                rules[label] = rule.as_json()
        if errors:
            raise serializers.ValidationError(errors)
        return rules


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=TaskState.choices)
    year = YearFilter(field_name="period_start", lookup_expr="year",
                      help_text=_("Year the inspection period starts"))
    plan = IdFilter(field_name="plan_entry__plan_id", help_text=_("Yearly plan id"))
    q = django_filters.CharFilter(method="filter_q", max_length=100,
                                  help_text=_("Text in the code or name"))

    class Meta:
        model = InspectionTask
        fields: ClassVar[list[str]] = []

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


DEPARTMENT_PARAMETER = OpenApiParameter("department_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                        description=_("Department id"))


@extend_schema_view(
    list=extend_schema(summary=_("Inspection tasks you may see")),
    retrieve=extend_schema(summary=_("One task: the sheet, its departments and stratum rules")),
    create=extend_schema(summary=_("Create a draft task (the office)"),
                         responses={201: TaskSerializer}),
    partial_update=extend_schema(summary=_("Change a draft task; refused (409) once frozen"),
                                 responses=TaskSerializer),
)
class TaskViewSet(StateViewSet):
    """Tasks: changed only while drafts, and only by the office of the initiating organisation."""

    domain = Domain.TASKS
    model = InspectionTask
    filterset_class = TaskFilter
    http_method_names: ClassVar = ["get", "post", "put", "patch", "delete", "head", "options"]
    serializer_classes: ClassVar = {
        "list": TaskSerializer, "retrieve": TaskSerializer, "create": TaskCreateSerializer,
        "partial_update": TaskUpdateSerializer, "participants": ParticipantSerializer,
        "participant": ParticipantInputSerializer, "strata": StrataInputSerializer,
        "invitation": InvitationAnswerSerializer,
        "start": TaskSerializer, "finish": TaskSerializer, "close": TaskSerializer,
    }

    def base_queryset(self) -> Any:
        participants = (TaskDepartment.objects.select_related("department")
                        .prefetch_related("items").order_by("order", "id"))
        return (InspectionTask.objects.select_related("initiating")
                .prefetch_related(Prefetch("participants", queryset=participants), "strata"))

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-period_start", "code")

    def list(self, request: Request) -> Response:
        return self.paginated(self.filter_queryset(self.get_queryset()), TaskSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(TaskSerializer, self.get_scoped_object())

    def create(self, request: Request) -> Response:
        """A task from a plan entry gets the entry's departments and their items, as on the
        page (services.task_create_from_entry); they can be changed until it is frozen."""
        data = self.input(TaskCreateSerializer)
        task = services.task_create_from_entry(actor=request.user, data=data)
        return self._detail(task, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        task = self.draft_to_change()
        data = self.input(TaskUpdateSerializer, partial=True, instance=task)
        task = services.task_update(actor=request.user, task=task, data=data)
        return self._detail(task)

    @extend_schema(summary=_("The participating departments, initiating first"),
                   responses=ParticipantSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def participants(self, request: Request, pk: str) -> Response:
        task = self.get_scoped_object()
        return Response(ParticipantSerializer(self._participants(task), many=True).data)

    @extend_schema(methods=["PUT"], parameters=[DEPARTMENT_PARAMETER],
                   summary=_("Let a department take part, or change its items and group size"),
                   request=ParticipantInputSerializer, responses=ParticipantSerializer)
    @extend_schema(methods=["DELETE"], parameters=[DEPARTMENT_PARAMETER],
                   summary=_("Remove a cooperating department from a draft task; answers the "
                             "departments that remain"), request=None,
                   responses={200: ParticipantSerializer(many=True), 400: ErrorSerializer,
                              409: ErrorSerializer})
    @action(detail=True, methods=["put", "delete"], filterset_class=None, pagination_class=None,
            url_path=r"participants/(?P<department_id>[0-9]{1,18})")
    def participant(self, request: Request, pk: str, department_id: str) -> Response:
        task = self.draft_to_change()
        if request.method == "DELETE":
            return self._remove(task, int(department_id))
        department = Department.objects.filter(pk=department_id, is_active=True).first()
        if department is None:
            raise NotFound(_("No such active department."))
        data = self.input(ParticipantInputSerializer)
        services.task_set_department(actor=request.user, task=task, department_id=department.pk,
                                     item_ids=[i.pk for i in data["items"]],
                                     officers=data["officers"], experts=data["experts"])
        participant = next(p for p in self._participants(task)
                           if p.department_id == department.pk)
        return Response(ParticipantSerializer(participant).data)

    @extend_schema(parameters=[DEPARTMENT_PARAMETER],
                   summary=_("The invited department's answer to a joint task: accept with its "
                             "own items and group size, or decline saying why"),
                   request=InvitationAnswerSerializer,
                   responses={200: ParticipantSerializer, 400: ErrorSerializer,
                              403: ErrorSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None,
            url_path=r"participants/(?P<department_id>[0-9]{1,18})/invitation",
            permission_classes=[MaySeeTasks])
    def invitation(self, request: Request, pk: str, department_id: str) -> Response:
        # The invited organisation's staff see the task but may not change it: the service
        # says whether they answer for the department.
        task = self.get_scoped_object()
        if not task.is_editable:
            raise Conflict409(_("Task {code} is {state}: it can no longer be edited.").format(
                code=task.code, state=task.get_state_display()))
        data = self.input(InvitationAnswerSerializer)
        services.task_answer_invitation(
            actor=request.user, task=task, department_id=int(department_id),
            accept=data["accept"],
            item_ids=[i.pk for i in data["items"]] if "items" in data else None,
            officers=data.get("officers"), experts=data.get("experts"), note=data["note"])
        participant = next(p for p in self._participants(task)
                           if p.department_id == int(department_id))
        return Response(ParticipantSerializer(participant).data)

    @extend_schema(methods=["GET"], summary=_("The stratum rules"),
                   responses=StratumSerializer(many=True))
    @extend_schema(methods=["PUT"], summary=_("Replace the stratum rules of a draft task"),
                   request=StrataInputSerializer, responses=StratumSerializer(many=True))
    @action(detail=True, methods=["get", "put"], pagination_class=None, filterset_class=None)
    def strata(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            task = self.get_scoped_object()
        else:
            task = self.draft_to_change()
            rules = self.input(StrataInputSerializer)["strata"]
            services.task_set_strata(actor=request.user, task=task, rules=rules)
        return Response(StratumSerializer(task.strata.order_by("label"), many=True).data)

    @extend_schema(summary=_("Drawn → in progress"), request=None,
                   responses=TaskSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def start(self, request: Request, pk: str) -> Response:
        return self._move(services.task_start)

    @extend_schema(summary=_("Drawn or in progress → finished"), request=None,
                   responses=TaskSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def finish(self, request: Request, pk: str) -> Response:
        return self._move(services.task_finish)

    @extend_schema(summary=_("Finished → closed"), request=None,
                   responses=TaskSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request: Request, pk: str) -> Response:
        return self._move(services.task_close)

    def draft_to_change(self) -> InspectionTask:
        """The task if the user may change it; 409 naming its state once it is frozen."""
        task = self.get_scoped_object(Action.CHANGE)
        if not task.is_editable:
            raise Conflict409(_("Task {code} is {state}: it can no longer be edited.").format(
                code=task.code, state=task.get_state_display()))
        return task

    def _remove(self, task: InspectionTask, department_id: int) -> Response:
        participant = task.participants.filter(department_id=department_id).first()
        if participant is None:
            raise NotFound(_("This department does not take part in the task."))
        if participant.department_id == task.initiating_id:
            return Response({"detail": _("The initiating department cannot be removed.")},
                            status=status.HTTP_400_BAD_REQUEST)
        services.task_remove_department(actor=self.request.user, task=task,
                                        department_id=department_id)
        return Response(ParticipantSerializer(self._participants(task), many=True).data)

    def _move(self, move: Any) -> Response:
        task = move(actor=self.request.user, task=self.get_scoped_object(Action.CHANGE))
        return self._detail(task)

    def _participants(self, task: InspectionTask) -> Iterable[TaskDepartment]:
        return (task.participants.select_related("department").prefetch_related("items")
                .order_by("order", "id"))

    def _detail(self, task: InspectionTask, status_code: int = status.HTTP_200_OK) -> Response:
        return self.output(TaskSerializer, self.base_queryset().get(pk=task.pk), status_code)


def register(router: BaseRouter) -> None:
    router.register("plans", PlanViewSet, basename="plan")
    router.register("tasks", TaskViewSet, basename="task")
