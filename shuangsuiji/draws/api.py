"""API: a task's draw (docs/draw-protocol.md): the pool's sizes, the freeze and its public
announcement, the one draw, the full and the public record, the groups, replacements (替补),
and an inspector's own tasks (我的任务).

`Freeze.server_secret` never leaves the server before the draw: announcements are built from
the public fields only (draws.selectors), and the secret appears only inside the records, once
the draw has revealed it. Nothing about the outcome is computed before the draw: the pool
answers sizes only.
"""

from collections import Counter
from typing import Any, ClassVar

from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.core.api import (
    ApiAutoSchema,
    Conflict409,
    PagePagination,
    ScopedViewSet,
)
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.web import json_bytes_response
from shuangsuiji.plans import selectors as plan_selectors
from shuangsuiji.plans.api import FlatListField, StateViewSet, user_label
from shuangsuiji.plans.choices import Stratification, TaskState, Verification
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.draw import PROTOCOL_VERSION
from shuangsuiji.rules.draw.engine import DrawFailed
from shuangsuiji.rules.draw.pools import OFFICER

from . import jobs, selectors, services
from .models import DrawJob, DrawRecord
from .pool import inspector_pool


class TaskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


# --- Pool and freeze ----------------------------------------------------------------------


class StratumSizeSerializer(serializers.Serializer):
    label = serializers.CharField(help_text=_("A–D credit-risk class, U unclassified, ALL"))
    name = serializers.CharField()
    n = serializers.IntegerField(help_text=_("Candidates in the stratum (抽取基数)"))


class PoolStratumSerializer(StratumSizeSerializer):
    rule = serializers.CharField(help_text=_("Its ratio or fixed count"))
    k = serializers.IntegerField(help_text=_("How many the rule will draw from n"))


class DepartmentPoolSerializer(serializers.Serializer):
    code = serializers.CharField()
    officers = serializers.IntegerField(help_text=_("Officers per group"))
    experts = serializers.IntegerField(help_text=_("Experts per group"))
    eligible_officers = serializers.IntegerField()
    eligible_experts = serializers.IntegerField()


class PoolSerializer(serializers.Serializer):
    frozen = serializers.BooleanField(
        help_text=_("False: counted now from the directory; true: the frozen pool"))
    total = serializers.IntegerField()
    sample_total = serializers.IntegerField()
    strata = PoolStratumSerializer(
        many=True, help_text=_("Empty for those outside the initiating organisation when the "
                               "strata are (internal) credit-risk classes"))
    departments = DepartmentPoolSerializer(many=True)


class FreezeInputSerializer(serializers.Serializer):
    planned_draw_at = serializers.DateTimeField(
        help_text=_("When the public draw (公开摇号) will be held; published with the "
                    "commitment"))


class AnnouncementSerializer(serializers.Serializer):
    """What is published at freezing (protocol §1); never the server secret."""

    task = TaskRefSerializer()
    protocol = serializers.CharField()
    pool_size = serializers.IntegerField()
    strata = StratumSizeSerializer(many=True)
    pool_digest = serializers.CharField()
    inspector_size = serializers.IntegerField()
    inspector_digest = serializers.CharField()
    departments = DepartmentPoolSerializer(many=True)
    commitment = serializers.CharField(help_text=_("SHA-256 of the server secret"))
    planned_draw_at = serializers.DateTimeField()
    frozen_at = serializers.DateTimeField()
    frozen_by = serializers.CharField()


# --- Draw ---------------------------------------------------------------------------------


class DrawJobSerializer(serializers.Serializer):
    """A freeze or draw of a large pool, run by the background worker (answered with 202)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DrawJob.Kind.choices)
    status = serializers.ChoiceField(choices=DrawJob.Status.choices)
    message = serializers.CharField(help_text=_("Why it failed, when it did"))
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text=_("Where to follow the job"))


class DrawInputSerializer(serializers.Serializer):
    ceremony_input = serializers.CharField(
        min_length=services.MIN_CEREMONY_INPUT, max_length=500,
        help_text=_("Public randomness from the ceremony, at least 20 characters, e.g. 20 "
                    "digits from rolling a ten-sided die in front of everyone present"))
    witnesses = FlatListField(child=serializers.CharField(max_length=100), min_length=1,
                              max_length=50, help_text=_("Witnesses (见证人), at least one"))
    source = serializers.CharField(max_length=200,
                                   help_text=_("Where the input came from, e.g. 十面骰子 20 次"))
    present = FlatListField(child=serializers.CharField(max_length=100), required=False,
                            max_length=200, help_text=_("People present (参加人员)"))
    place = serializers.CharField(max_length=200, required=False, default="",
                                  help_text=_("Where the ceremony was held (抽取地点)"))


class DrawSerializer(serializers.Serializer):
    task = TaskRefSerializer()
    record_digest = serializers.CharField()
    seed = serializers.CharField(allow_null=True, help_text=_(
        "Null for those outside the initiating organisation when the strata are credit-risk "
        "classes and the draw is verified by auditors"))
    commitment = serializers.CharField()
    ceremony_input = serializers.CharField()
    ceremony_source = serializers.CharField()
    witnesses = serializers.ListField(child=serializers.CharField())
    present = serializers.ListField(child=serializers.CharField())
    place = serializers.CharField(help_text=_("Where the ceremony was held (抽取地点)"))
    drawn_at = serializers.DateTimeField()
    drawn_by = serializers.CharField()
    candidates = serializers.IntegerField(help_text=_("Size of the frozen pool"))
    drawn = serializers.IntegerField(help_text=_("Targets drawn (before replacements)"))


class DrawFailedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reason = serializers.CharField(required=False, help_text=_("Why the draw failed"))
    target = serializers.CharField(required=False, help_text=_("The target concerned, if any"))
    department = serializers.CharField(required=False,
                                       help_text=_("The department concerned, if any"))


class DrawFailedConflict(APIException):
    """A draw that could not complete: nothing was drawn; the attempt is in the audit log."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "draw_failed"

    def __init__(self, error: DrawFailed) -> None:
        reason = rule_reason(error)
        super().__init__({
            "detail": _("The draw failed and nothing was drawn: {reason}. The attempt is in "
                        "the audit log.").format(reason=reason),
            "reason": reason,
            "target": str(error.params.get("target", "")),
            "department": str(error.params.get("department", "")),
        })


class RecordSerializer(serializers.Serializer):
    """The draw record (protocol §8); `server_secret` is revealed here, after the draw."""

    protocol = serializers.CharField()
    task = serializers.DictField(child=serializers.CharField())
    pool = serializers.JSONField()
    inspector_pool = serializers.JSONField()
    commitment = serializers.CharField()
    server_secret = serializers.CharField()
    ceremony = serializers.JSONField()
    seed = serializers.CharField()
    rules = serializers.JSONField(required=False)
    strata = serializers.JSONField(required=False)
    drawn = serializers.JSONField()
    standby = serializers.JSONField(required=False)
    departments = serializers.JSONField()
    lookback_days = serializers.IntegerField()
    conflicts = serializers.JSONField()
    groups = serializers.JSONField()
    replacements = serializers.JSONField()
    drawn_at = serializers.CharField()
    record_digest = serializers.CharField()


class PublicRecordSerializer(serializers.Serializer):
    """The public version 1.1 of the record (protocol §9): never the pools' lines nor the
    conflicts; when the strata are credit-risk classes no strata, rules, standby lists,
    stratum or position; in auditor verification no server secret, seed or tickets."""

    protocol = serializers.CharField()
    public = serializers.CharField(help_text=_("The public record's version: 1.1"))
    verification = serializers.ChoiceField(choices=Verification.choices)
    task = serializers.DictField(child=serializers.CharField())
    pool = serializers.JSONField(help_text=_("digest and size (and strata when they are not "
                                             "credit-risk classes)"))
    inspector_pool = serializers.JSONField()
    commitment = serializers.CharField()
    server_secret = serializers.CharField(required=False,
                                          help_text=_("Public verification only"))
    ceremony = serializers.JSONField()
    seed = serializers.CharField(required=False, help_text=_("Public verification only"))
    rules = serializers.JSONField(required=False)
    strata = serializers.JSONField(required=False)
    drawn = serializers.JSONField(help_text=_("Sorted by ID"))
    standby = serializers.JSONField(required=False)
    departments = serializers.JSONField()
    lookback_days = serializers.IntegerField()
    conflicts_count = serializers.IntegerField()
    conflicts_digest = serializers.CharField()
    groups = serializers.JSONField()
    replacements = serializers.JSONField()
    drawn_at = serializers.CharField()
    record_digest = serializers.CharField()
    public_digest = serializers.CharField()


# --- Groups and replacements --------------------------------------------------------------


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    certificate_number = serializers.CharField(
        help_text=_("Enforcement certificate valid on the draw day"))


class GroupSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department.pk")
    department_code = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")
    members = MemberSerializer(many=True)


class TargetInForceSerializer(serializers.Serializer):
    ident = serializers.CharField(source="drawn.ident",
                                  help_text=_("Unified social credit code, or X-<id>"))
    target = serializers.IntegerField(source="drawn.target_id")
    name = serializers.CharField(source="drawn.target.name")
    address = serializers.CharField(source="drawn.target.address")
    stratum = serializers.SerializerMethodField(
        help_text=_("Null for those outside the initiating organisation when the strata are "
                    "credit-risk classes"))
    ticket = serializers.SerializerMethodField(
        help_text=_("Null for those outside the initiating organisation when the strata are "
                    "credit-risk classes and the draw is verified by auditors"))
    position = serializers.SerializerMethodField(
        help_text=_("Null for a replacement, and for those outside the initiating "
                    "organisation when the strata are credit-risk classes"))
    via_replacement = serializers.BooleanField(source="drawn.via_replacement")
    replaces = serializers.SerializerMethodField(help_text=_("The target it replaced"))
    groups = GroupSerializer(many=True, help_text=_("The groups in force that you may see"))

    def get_stratum(self, view: selectors.TargetView) -> str | None:
        return view.drawn.stratum if self.context.get("show_stratum") else None

    def get_ticket(self, view: selectors.TargetView) -> str | None:
        return view.drawn.ticket if view.show_ticket else None

    def get_position(self, view: selectors.TargetView) -> int | None:
        return view.drawn.position if view.show_position else None

    def get_replaces(self, view: selectors.TargetView) -> str | None:
        return view.replaces.ident if view.replaces else None


class ReplacementSerializer(serializers.Serializer):
    out = serializers.CharField(help_text=_("The target replaced"))
    out_name = serializers.CharField()
    in_name = serializers.CharField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()
    digest = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # "in" as in the record (protocol §8), which a Python attribute cannot be named.
        return super().get_fields() | {
            "in": serializers.CharField(help_text=_("The standby target that took its place"))}


class ReplaceInputSerializer(serializers.Serializer):
    ident = serializers.CharField(max_length=40,
                                  help_text=_("The target in force that cannot be inspected"))
    reason = serializers.CharField(max_length=200,
                                   help_text=_("Closed, deregistered, moved away…"))

    def validate_ident(self, ident: str) -> str:
        ident = ident.strip().upper()
        if ident not in self.context["in_force"]:
            raise serializers.ValidationError(
                _("{ident} is not a target of this draw in force.").format(ident=ident))
        return ident


class DrawAutoSchema(ApiAutoSchema):
    """The draw's 409 says why: already drawn, or the draw failed (naming target and
    department)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self.method == "POST" and self.path.endswith("/draw/"):
            ref = self.resolve_serializer(DrawFailedSerializer, "response").ref
            operation["responses"]["409"] = self._error(
                _("Not frozen, drawn already, or the draw failed"), ref)
        return operation


def _not_drawn(task: InspectionTask) -> NotFound:
    return NotFound(_("Task {code} has not been drawn yet.").format(code=task.code))


def _hide_strata(user: Any, task: InspectionTask) -> bool:
    """Credit-risk classes are internal (信用风险分类结果不对外公开)."""
    return (task.stratification == Stratification.RISK
            and not plan_selectors.sees_internal(user=user, task=task))


@extend_schema_view(
    pool=extend_schema(summary=_("Pool sizes per stratum and eligible inspectors (sizes "
                                 "only: nothing of the outcome)"), responses=PoolSerializer),
    freeze=extend_schema(summary=_("Freeze the pools and publish the commitment (the office); "
                                   "a large pool is frozen by the background worker (202)"),
                         request=FreezeInputSerializer,
                         responses={201: AnnouncementSerializer, 202: DrawJobSerializer}),
    announcement=extend_schema(summary=_("What was published at freezing"),
                               responses=AnnouncementSerializer),
    record=extend_schema(summary=_("The full draw record (staff of the initiating "
                                   "organisation, auditors; each download audited)"),
                         responses=RecordSerializer),
    record_public=extend_schema(summary=_("The public draw record"),
                                responses=PublicRecordSerializer),
    groups=extend_schema(summary=_("Targets in force with the groups you may see"),
                         responses=TargetInForceSerializer(many=True)),
)
class TaskDrawViewSet(StateViewSet):
    """The draw of a task: run by the office of the initiating organisation; read by those
    who may see the task, each seeing what is theirs (draws.selectors.view_mode)."""

    domain = Domain.DRAWS
    model = InspectionTask
    schema = DrawAutoSchema()
    pagination_class = None
    filterset_class = None
    serializer_classes: ClassVar = {
        "pool": PoolSerializer, "freeze": FreezeInputSerializer,
        "announcement": AnnouncementSerializer, "draw": DrawInputSerializer,
        "record": RecordSerializer, "record_public": PublicRecordSerializer,
        "groups": TargetInForceSerializer, "replacements": ReplaceInputSerializer,
    }

    def base_queryset(self) -> Any:
        return InspectionTask.objects.select_related("initiating")

    @action(detail=True, methods=["get"], filterset_class=None)
    def pool(self, request: Request, pk: str) -> Response:
        task = self.get_scoped_object()
        rows = plan_selectors.task_pool(task=task, today=timezone.localdate())
        data = {"frozen": task.state != TaskState.DRAFT, "total": sum(r.n for r in rows),
                "sample_total": sum(r.k for r in rows),
                "strata": [] if _hide_strata(request.user, task) else [vars(r) for r in rows],
                "departments": self._eligible(task)}
        return Response(PoolSerializer(data).data)

    @action(detail=True, methods=["post"], filterset_class=None)
    def freeze(self, request: Request, pk: str) -> Response:
        task = self.get_scoped_object(Action.CHANGE)
        moment = self.input(FreezeInputSerializer)["planned_draw_at"]
        done = jobs.freeze_or_queue(actor=request.user, task=task, planned_draw_at=moment)
        if isinstance(done, DrawJob):
            return self._job(done, status.HTTP_202_ACCEPTED)
        return self._announcement(task, status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], filterset_class=None)
    def announcement(self, request: Request, pk: str) -> Response:
        task = self.get_scoped_object()
        if task.state == TaskState.DRAFT:
            raise NotFound(_("Task {code} is not frozen yet.").format(code=task.code))
        return self._announcement(task)

    @extend_schema(methods=["GET"], summary=_("The task's draw"), responses=DrawSerializer)
    @extend_schema(methods=["POST"], summary=_("Draw, once: targets and their groups (the "
                                               "office); a large pool is drawn by the "
                                               "background worker (202)"),
                   request=DrawInputSerializer,
                   responses={201: DrawSerializer, 202: DrawJobSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def draw(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            task = self.get_scoped_object()
            draw = selectors.draw_get(task)
            if draw is None:
                raise _not_drawn(task)
            return self._draw(task, draw)
        task = self.get_scoped_object(Action.CHANGE)
        data = self.input(DrawInputSerializer)
        try:
            draw = jobs.draw_or_queue(actor=request.user, task=task, **data)
        except DrawFailed as exc:
            raise DrawFailedConflict(exc) from exc
        if isinstance(draw, DrawJob):
            return self._job(draw, status.HTTP_202_ACCEPTED)
        return self._draw(task, draw, status.HTTP_201_CREATED)

    @extend_schema(summary=_("A freeze or draw running in the background"),
                   responses=DrawJobSerializer)
    @action(detail=True, methods=["get"], filterset_class=None, url_path=r"jobs/(?P<job>\d+)")
    def job(self, request: Request, pk: str, job: str) -> Response:
        task = self.get_scoped_object(Action.CHANGE)
        found = DrawJob.objects.filter(task=task, pk=int(job)).first()
        if found is None:
            raise NotFound(_("No such job."))
        return self._job(found)

    @action(detail=True, methods=["get"], filterset_class=None)
    def record(self, request: Request, pk: str) -> HttpResponseBase:
        task, _draw = self._drawn(internal=True)
        return json_bytes_response(services.record_download(actor=request.user, task=task,
                                                            via="api"))

    @action(detail=True, methods=["get"], filterset_class=None, url_path="record/public")
    def record_public(self, request: Request, pk: str) -> HttpResponseBase:
        task, _draw = self._drawn(internal=False)
        return json_bytes_response(services.record_stream(task, public=True))

    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=PagePagination)
    def groups(self, request: Request, pk: str) -> Response:
        task, draw = self._drawn(internal=False)
        page = self.paginate_queryset(self._targets(task, draw))
        return self.get_paginated_response(self._target_data(task, draw, page))

    @extend_schema(methods=["GET"], summary=_("Replacements so far, in order"),
                   responses=ReplacementSerializer(many=True))
    @extend_schema(methods=["POST"], summary=_("Replace a target that cannot be inspected by "
                                               "the next on its stratum's standby list"),
                   request=ReplaceInputSerializer, responses={201: TargetInForceSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def replacements(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            task, draw = self._drawn(internal=False)
            history = selectors.replacement_history(draw, self._replacements(draw))
            return Response(ReplacementSerializer(history, many=True).data)
        task = self.get_scoped_object(Action.CHANGE)
        draw = selectors.draw_get(task)
        if draw is None:
            raise Conflict409(_("Task {code} has not been drawn yet.").format(code=task.code))
        in_force = {v.drawn.ident for v in selectors.targets_in_force(
            draw, self._replacements(draw))}
        serializer = ReplaceInputSerializer(data=request.data, context={"in_force": in_force})
        serializer.is_valid(raise_exception=True)
        incoming = services.draw_replace(actor=request.user, task=task,
                                         **serializer.validated_data)
        view = next(v for v in self._targets(task, draw) if v.drawn.pk == incoming.pk)
        return Response(self._target_data(task, draw, [view])[0],
                        status=status.HTTP_201_CREATED)

    def _drawn(self, *, internal: bool) -> tuple[InspectionTask, DrawRecord]:
        """The task and its draw: 404 before the draw; 403 for the full record outside the
        initiating organisation."""
        task = self.get_scoped_object()
        if internal and not plan_selectors.sees_internal(user=self.request.user, task=task):
            raise PermissionDenied(_("The full record is for the staff of the initiating "
                                     "organisation and its auditors; the public record is at "
                                     "record/public/."))
        draw = selectors.draw_get(task)
        if draw is None:
            raise _not_drawn(task)
        return task, draw

    def _replacements(self, draw: DrawRecord) -> list[dict[str, Any]]:
        return selectors.record_parts(draw, "replacements")["replacements"]

    def _targets(self, task: InspectionTask, draw: DrawRecord) -> list[selectors.TargetView]:
        return selectors.result_targets(user=self.request.user, task=task, draw=draw,
                                        replacements=self._replacements(draw))

    def _target_data(self, task: InspectionTask, draw: DrawRecord,
                     views: list[selectors.TargetView]) -> Any:
        """The targets with their groups, read for these targets only (a page at a time)."""
        views = selectors.with_groups(user=self.request.user, task=task, draw=draw, views=views)
        show = not _hide_strata(self.request.user, task)
        return TargetInForceSerializer(views, many=True, context={"show_stratum": show}).data

    def _eligible(self, task: InspectionTask) -> list[dict[str, Any]]:
        """Eligible inspectors per department against the group size: counts only."""
        if task.state != TaskState.DRAFT:
            return selectors.announcement(selectors.freeze_get(task))["departments"]
        counts = Counter((i.department, i.role) for i in inspector_pool(
            task, timezone.localdate()))
        return [{"code": p.department.code, "officers": p.officers, "experts": p.experts,
                 "eligible_officers": counts[(p.department.code, OFFICER)],
                 "eligible_experts": sum(n for (code, role), n in counts.items()
                                         if code == p.department.code and role != OFFICER)}
                for p in plan_selectors.task_participants(task=task)]

    def _job(self, job: DrawJob, status_code: int = status.HTTP_200_OK) -> Response:
        url = self.request.build_absolute_uri(
            reverse("task-draw-job", args=[job.task_id, job.pk]))
        data = {f: getattr(job, f) for f in ("id", "kind", "status", "message", "created_at",
                                              "started_at", "finished_at")} | {"url": url}
        return Response(DrawJobSerializer(data).data, status=status_code)

    def _announcement(self, task: InspectionTask,
                      status_code: int = status.HTTP_200_OK) -> Response:
        freeze = selectors.freeze_get(task)
        hidden = _hide_strata(self.request.user, task)
        data = selectors.announcement(freeze) | {
            "task": task, "protocol": PROTOCOL_VERSION,
            "strata": [] if hidden else [
                {"label": label, "name": plan_selectors.stratum_name(label), "n": n}
                for label, n in sorted(freeze.pool_strata.items())],
            "frozen_by": user_label(freeze.frozen_by)}
        return Response(AnnouncementSerializer(data).data, status=status_code)

    def _draw(self, task: InspectionTask, draw: DrawRecord,
              status_code: int = status.HTTP_200_OK) -> Response:
        freeze = selectors.freeze_get(task)
        seed = None if selectors.hides_tickets(user=self.request.user, task=task) else draw.seed
        data = {"task": task, "record_digest": draw.record_digest, "seed": seed,
                "commitment": freeze.commitment, "ceremony_input": draw.ceremony_input,
                "ceremony_source": draw.ceremony_source, "witnesses": draw.witnesses,
                "present": draw.present, "place": draw.place, "drawn_at": draw.drawn_at,
                "drawn_by": user_label(draw.drawn_by), "candidates": freeze.pool_size,
                "drawn": draw.targets.filter(via_replacement=False).count()}
        return Response(DrawSerializer(data).data, status=status_code)


# --- My tasks -----------------------------------------------------------------------------


class TargetContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    position = serializers.CharField()
    phone = serializers.CharField()


class MyMemberSerializer(MemberSerializer):
    phone = serializers.CharField(help_text=_("To agree the date with the other groups"))


class MyGroupSerializer(GroupSerializer):
    members = MyMemberSerializer(many=True)


class MyTargetSerializer(TargetInForceSerializer):
    groups = MyGroupSerializer(many=True, help_text=_("Every group sent to the target"))
    contacts = TargetContactSerializer(many=True)


class MyTaskRefSerializer(TaskRefSerializer):
    state = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    initiating_name = serializers.CharField(source="initiating.name")


class MyTaskSerializer(serializers.Serializer):
    task = MyTaskRefSerializer()
    targets = MyTargetSerializer(many=True)


@extend_schema_view(list=extend_schema(
    summary=_("My tasks (我的任务): the targets I am assigned to, with every group and the "
              "targets' contacts")))
class MyTaskViewSet(ScopedViewSet):
    """An inspector's or expert's assignments in force; empty for a user without a record."""

    domain = Domain.DRAWS
    model = InspectionTask
    serializer_classes: ClassVar = {"list": MyTaskSerializer}

    def list(self, request: Request) -> Response:
        blocks = selectors.my_tasks(user=request.user) if hasattr(
            request.user, "inspector") else []
        page = self.paginate_queryset(blocks)
        return self.get_paginated_response(MyTaskSerializer(page, many=True).data)


def register(router: BaseRouter) -> None:
    router.register("tasks", TaskDrawViewSet, basename="task-draw")
    router.register("my/tasks", MyTaskViewSet, basename="my-task")
