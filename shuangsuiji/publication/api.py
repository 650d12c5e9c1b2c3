"""API: published results (list, publish, withdraw) and export batches (list, create).

A published result is addressed by its result's id (/results/{id}/ in the inspections API):
one result has at most one publication. The same services and permissions as the pages:
an organisation publishes, withdraws and exports only its own departments' results.
"""

from typing import Any, ClassVar

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, is_admin, user_organisation_id
from shuangsuiji.core.api import IdCursorPagination
from shuangsuiji.plans.api import StateViewSet, user_label

from . import permissions, selectors, services
from .models import Channel, ExportBatch, PublishedResult


class PublishedResultSerializer(serializers.ModelSerializer):
    """The public snapshot: withheld fields are empty and named in `withheld_fields`."""

    result = serializers.IntegerField(source="inspection_id", read_only=True)
    published_by = serializers.SerializerMethodField()
    withdrawn = serializers.SerializerMethodField()

    class Meta:
        model = PublishedResult
        fields = ["id", "result", "organisation", "department_name", "task_code", "task_name",
                  "inspection_type", "entity_name", "uscc", "region_code", "inspected_on",
                  "categories", "category_text", "conduct", "conduct_text", "findings",
                  "withheld_fields",
                  "published_on", "deadline", "on_time", "published_by", "withdrawn",
                  "withdrawn_at", "withdrawn_reason"]
        read_only_fields = fields

    def get_published_by(self, obj: PublishedResult) -> str:
        return user_label(obj.published_by)

    def get_withdrawn(self, obj: PublishedResult) -> bool:
        return obj.withdrawn_at is not None


class PublishInputSerializer(serializers.Serializer):
    results = serializers.ListField(child=serializers.IntegerField(min_value=1,
                                                                   max_value=2**63 - 1),
                                    min_length=1, max_length=500,
                                    help_text=_("Ids of approved results"))


class PublishOutputSerializer(serializers.Serializer):
    published = PublishedResultSerializer(many=True)
    refused = serializers.DictField(child=serializers.CharField(),
                                    help_text=_("Result id → why it was not published"))


class WithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class BatchSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportBatch
        fields = ["id", "channel", "format", "size", "sha256", "organisation", "created_by",
                  "created_at", "results", "download"]
        read_only_fields = fields

    def get_created_by(self, obj: ExportBatch) -> str:
        return user_label(obj.created_by)

    def get_results(self, obj: ExportBatch) -> list[int]:
        """Ids of the published results the batch carried."""
        return [row.result_id for row in obj.rows.all()]

    def get_download(self, obj: ExportBatch) -> str:
        return reverse("publication:export_download", args=[obj.pk])


class BatchInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    format = serializers.ChoiceField(choices=[("xlsx", "xlsx"), ("csv", "csv")])
    organisation = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False,
        help_text=_("The publishing organisation; defaults to the user's own"))


def _may_publish(user: Any) -> bool:
    return is_admin(user) or user.role in permissions.PUBLISHERS


class PublishedResultViewSet(mixins.ListModelMixin, StateViewSet):
    """Published results of the user's organisation (withdrawn ones with `?withdrawn=1`)."""

    domain = Domain.PUBLICATION
    model = PublishedResult
    lookup_field = "result"
    pagination_class = IdCursorPagination
    serializer_classes: ClassVar = {"list": PublishedResultSerializer,
                                    "retrieve": PublishedResultSerializer,
                                    "create": PublishInputSerializer}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return PublishedResult.objects.none()
        withdrawn = self.request.query_params.get("withdrawn", "")
        return selectors.published(self.request.user, withdrawn={
            "1": None, "true": None}.get(withdrawn, False)).order_by("id")

    def _published(self) -> PublishedResult:
        published = (selectors.published(self.request.user, withdrawn=None)
                     .select_related("inspection__department")
                     .filter(inspection_id=self.kwargs["result"]).first())
        if published is None:
            raise NotFound
        return published

    def retrieve(self, request: Request, result: str) -> Response:
        return self.output(PublishedResultSerializer, self._published())

    @extend_schema(request=PublishInputSerializer, responses={201: PublishOutputSerializer})
    def create(self, request: Request) -> Response:
        """Publish one or many approved results; 400 when none could be published."""
        if not _may_publish(request.user):
            self.permission_denied(request)
        ids = self.input(PublishInputSerializer)["results"]
        own = {r.pk: r for r in selectors.own_results(request.user).filter(pk__in=ids)
               .select_related("department")}
        unknown = [i for i in ids if i not in own]
        if unknown:
            raise serializers.ValidationError({"results": [
                _("No result {id} of your organisation.").format(id=i) for i in unknown]})
        done, refused = services.results_publish_many(actor=request.user,
                                                      inspections=[own[i] for i in ids])
        if not done:
            raise serializers.ValidationError({"results": list(refused.values())})
        data = PublishOutputSerializer({"published": done,
                                        "refused": {str(k): v for k, v in refused.items()}},
                                       context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawInputSerializer, responses=PublishedResultSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, result: str) -> Response:
        """Withdraw a published result from the public, with a reason (audited)."""
        published = self._published()
        department = published.inspection.department if published.inspection else None
        if department is None or not permissions.can_publish(request.user, department):
            self.permission_denied(request)
        data = self.input(WithdrawInputSerializer)
        services.result_withdraw(actor=request.user, published=published, reason=data["reason"])
        return self.output(PublishedResultSerializer, self._published())


class BatchViewSet(mixins.ListModelMixin, StateViewSet):
    """Export batches for the credit platforms: what each carried, and new batches."""

    domain = Domain.PUBLICATION
    model = ExportBatch
    pagination_class = IdCursorPagination
    serializer_classes: ClassVar = {"list": BatchSerializer, "create": BatchInputSerializer}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ExportBatch.objects.none()
        qs = selectors.batches(self.request.user).prefetch_related("rows").order_by("id")
        channel = self.request.query_params.get("channel", "")
        return qs.filter(channel=channel) if channel in Channel.values else qs

    @extend_schema(request=BatchInputSerializer, responses={201: BatchSerializer})
    def create(self, request: Request) -> Response:
        """Write a batch file of the published results not yet sent to the channel."""
        if not _may_publish(request.user):
            self.permission_denied(request)
        data = self.input(BatchInputSerializer)
        organisation = self._organisation(request.user, data.get("organisation"))
        batch = services.export_batch_create(actor=request.user, organisation=organisation,
                                             channel=data["channel"], fmt=data["format"])
        return self.output(BatchSerializer, batch, status.HTTP_201_CREATED)

    def _organisation(self, user: Any, pk: int | None) -> Department:
        own = user_organisation_id(user)
        if pk is None:
            pk = own
        if pk is None or (not is_admin(user) and pk != own):
            raise serializers.ValidationError({"organisation": [
                _("Name an organisation whose results you publish.")]})
        department = Department.objects.filter(pk=pk).first()
        if department is None:
            raise serializers.ValidationError({"organisation": [_("No such organisation.")]})
        return department


def register(router: BaseRouter) -> None:
    router.register("publication/results", PublishedResultViewSet, basename="published-result")
    router.register("publication/batches", BatchViewSet, basename="export-batch")
