"""API: inspection results (检查结果) per visit and department — read, enter, submit, review —
and the visits (agreeing the date). The same services and permissions as the pages."""

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Domain
from shuangsuiji.plans.api import StateViewSet, user_label

from . import permissions, services
from .choices import Conduct, Method, Outcome, ResultCategory
from .models import Inspection, ItemFinding, Visit


class FindingSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    matter = serializers.CharField(source="item.matter", read_only=True)

    class Meta:
        model = ItemFinding
        fields = ["item", "item_code", "matter", "outcome", "note"]
        read_only_fields = fields


class ResultSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="visit.task_id", read_only=True)
    task_code = serializers.CharField(source="visit.task.code", read_only=True)
    target = serializers.IntegerField(source="visit.drawn_target.target_id", read_only=True)
    target_name = serializers.CharField(source="visit.drawn_target.target.name",
                                        read_only=True)
    uscc = serializers.CharField(source="visit.drawn_target.ident", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    flagged_for_publication = serializers.BooleanField(read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    entered_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "visit", "task", "task_code", "target", "target_name", "uscc",
                  "department", "department_name", "state", "inspected_on", "methods",
                  "categories", "conduct", "flagged_for_publication", "summary", "findings",
                  "entered_by", "entered_at", "submitted_at", "reviewed_by", "reviewed_at",
                  "return_reason"]
        read_only_fields = fields

    def get_entered_by(self, obj: Inspection) -> str:
        return user_label(obj.entered_by)

    def get_reviewed_by(self, obj: Inspection) -> str:
        return user_label(obj.reviewed_by)


class FindingInputSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True)
    note = serializers.CharField(allow_blank=True, required=False, default="")


class ResultInputSerializer(serializers.Serializer):
    inspected_on = serializers.DateField(allow_null=True)
    methods = serializers.ListField(child=serializers.ChoiceField(choices=Method.choices))
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=ResultCategory.choices))
    conduct = serializers.ChoiceField(choices=Conduct.choices, allow_blank=True, default="")
    summary = serializers.CharField(allow_blank=True, default="")
    violation_categories = serializers.ListField(child=serializers.IntegerField(), default=list)
    findings = FindingInputSerializer(many=True, default=list)


class ReviewInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, default="",
                                   help_text=_("Required when returning"))


class VisitSerializer(serializers.ModelSerializer):
    task_code = serializers.CharField(source="task.code", read_only=True)
    target_name = serializers.CharField(source="drawn_target.target.name", read_only=True)
    uscc = serializers.CharField(source="drawn_target.ident", read_only=True)
    results = serializers.PrimaryKeyRelatedField(source="inspections", many=True,
                                                 read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "task", "task_code", "target_name", "uscc", "agreed_date", "materials",
                  "entity_informed_at", "results"]
        read_only_fields = fields


class ScheduleInputSerializer(serializers.Serializer):
    agreed_date = serializers.DateField()
    materials = serializers.CharField(allow_blank=True, default="")


class ResultViewSet(mixins.ListModelMixin, StateViewSet):
    """Inspection results: one per visit and department."""

    domain = Domain.INSPECTIONS
    model = Inspection
    serializer_classes: ClassVar = {"list": ResultSerializer, "retrieve": ResultSerializer}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI document's generation
            return Inspection.objects.none()
        qs = (permissions.viewable_results(self.request.user)
              .select_related("visit__task", "visit__drawn_target__target", "department",
                              "entered_by", "reviewed_by")
              .prefetch_related("findings__item")
              .order_by("visit__task_id", "visit__drawn_target__ident", "pk"))
        params = self.request.query_params
        if params.get("task", "").isdigit():
            qs = qs.filter(visit__task_id=int(params["task"]))
        if params.get("state"):
            qs = qs.filter(state=params["state"])
        return qs

    def _result(self) -> Inspection:
        result = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if result is None:
            raise NotFound
        return result

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(ResultSerializer, self._result())

    @extend_schema(request=ResultInputSerializer, responses=ResultSerializer)
    def update(self, request: Request, pk: str) -> Response:
        """Enter or correct the result (the department's group only, while entered/returned)."""
        result = self._result()
        # The right first, then the input: a user without it gets 403 whatever they send.
        if not permissions.can_enter(request.user, result):
            self.permission_denied(request)
        data = self.input(ResultInputSerializer)
        findings = {f["item"]: (f["outcome"], f["note"]) for f in data.pop("findings")}
        services.inspection_save(actor=request.user, inspection=result, findings=findings,
                                 **data)
        return self.output(ResultSerializer, self._result())

    @extend_schema(request=None, responses=ResultSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit for review (审核); 409 names what is missing."""
        result = self._result()
        if not permissions.can_enter(request.user, result):
            self.permission_denied(request)
        services.inspection_submit(actor=request.user, inspection=result)
        return self.output(ResultSerializer, self._result())

    @extend_schema(request=ReviewInputSerializer, responses=ResultSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """Approve (ready for publication) or return with reasons: the department's reviewers."""
        result = self._result()
        if not permissions.can_review(request.user, result):
            self.permission_denied(request)
        data = self.input(ReviewInputSerializer)
        services.inspection_review(actor=request.user, inspection=result, **data)
        return self.output(ResultSerializer, self._result())


class VisitViewSet(mixins.ListModelMixin, StateViewSet):
    """Visits (one per drawn target, every group together) the user may see."""

    domain = Domain.INSPECTIONS
    model = Visit
    serializer_classes: ClassVar = {"list": VisitSerializer, "retrieve": VisitSerializer}

    def base_queryset(self) -> Any:
        qs = (Visit.objects.select_related("task", "drawn_target__target")
              .prefetch_related("inspections").order_by("task_id", "drawn_target__ident", "pk"))
        task = self.request.query_params.get("task", "")
        return qs.filter(task_id=int(task)) if task.isdigit() else qs

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(VisitSerializer, self.get_scoped_object())

    @extend_schema(request=ScheduleInputSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str) -> Response:
        """Agree the inspection date (a group member or the initiating office)."""
        visit = self.get_scoped_object()
        if not permissions.can_schedule(request.user, visit):
            self.permission_denied(request)
        data = self.input(ScheduleInputSerializer)
        services.visit_schedule(actor=request.user, visit=visit, day=data["agreed_date"],
                                materials=data["materials"])
        return self.output(VisitSerializer, self.get_scoped_object())


def register(router: BaseRouter) -> None:
    router.register("results", ResultViewSet, basename="result")
    router.register("visits", VisitViewSet, basename="visit")
