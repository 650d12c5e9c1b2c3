"""The public JSON API (read only, no sign-in, throttled): published results and the public
draw records. The same selectors as the portal's pages, so the same fields."""

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.core import anchors as audit_anchors
from shuangsuiji.core import signing
from shuangsuiji.core.api import MAX_ID, ApiAutoSchema, ScopedViewSet
from shuangsuiji.core.models import AuditAnchor, SignedSubject
from shuangsuiji.core.throttling import SharedRateThrottle
from shuangsuiji.core.web import json_bytes_response
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.publication.models import PublishedResult

from . import selectors
from .forms import ResultApiForm


class PublicThrottle(SharedRateThrottle):
    """Per client address, signed in or not: the public API is one resource for everyone.
    Counted in the shared cache by atomic slots, so every process of every node counts
    against the one limit (DRF's own throttle reads and writes its list, and races)."""

    scope = "public"

    def get_rate(self) -> str | None:
        return getattr(settings, "SHUANGSUIJI_PUBLIC_API_RATE", "300/min")

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PublicResultSerializer(serializers.ModelSerializer):
    repaired_on = serializers.SerializerMethodField(help_text=_(
        "The day of the result's credit repair (信用修复), or null; a repaired result's "
        "categories, conduct and findings are then empty"))

    class Meta:
        model = PublishedResult
        fields = (*selectors.RESULT_FIELDS, "repaired_on")
        read_only_fields = fields

    def get_repaired_on(self, result: PublishedResult) -> date | None:
        return getattr(result, "repaired_on", None)


class PublicTaskSerializer(serializers.ModelSerializer):
    initiating = serializers.CharField(source="initiating.name")
    drawn = serializers.SerializerMethodField()
    verification = serializers.CharField(
        source="verification_mode",
        help_text=_("public: the record carries the secret, seed and tickets; auditor: the "
                    "full record goes to auditors (protocol §9)"))

    class Meta:
        model = InspectionTask
        fields = ("id", "code", "name", "initiating", "period_start", "period_end", "state",
                  "drawn", "verification")
        read_only_fields = fields

    def get_drawn(self, task: InspectionTask) -> bool:
        return task.state in selectors.DRAWN_STATES


ResultPageSerializer = inline_serializer("PublicResultPage", {
    "results": PublicResultSerializer(many=True),
    "next": serializers.CharField(allow_null=True, help_text=_("Cursor of the next page")),
})

SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description=_(
        "A unified social credit code (any case, full-width or with spaces), or else any part "
        "of the entity's name, two characters or more")),
    OpenApiParameter("name", str, description=_(
        "Any part of the entity's name, two characters or more")),
    OpenApiParameter("code", str, description=_(
        "Unified social credit code, exact (any case, full-width or with spaces)")),
    OpenApiParameter("organisation", int, description=_("Publishing organisation (id)")),
    OpenApiParameter("task", str, description=_("Task code (exact)")),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description=_("Published on or after")),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description=_("Published on or before")),
    OpenApiParameter("after", str, description=_("The `next` cursor of the previous page")),
    OpenApiParameter("page_size", int, description=_("At most 100")),
]


def _id(text: str) -> int:
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(text)
    return value


class PublicViewSet(viewsets.GenericViewSet):
    authentication_classes: ClassVar = []
    permission_classes: ClassVar = [AllowAny]
    throttle_classes: ClassVar = [PublicThrottle]
    parser_classes = ScopedViewSet.parser_classes
    metadata_class = None
    pagination_class = None
    filter_backends: ClassVar = []
    schema = ApiAutoSchema()


class PageSchema(ApiAutoSchema):
    """The results list answers one page object ({"results", "next"}), not a bare array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class PublicResultViewSet(PublicViewSet):
    """Published results (抽查结果公示), newest first."""

    schema = PageSchema()
    serializer_class = PublicResultSerializer
    queryset = PublishedResult.objects.none()

    @extend_schema(parameters=SEARCH_PARAMETERS, responses={200: ResultPageSerializer},
                   summary=_("Search published results"), auth=[])
    def list(self, request: Request) -> Response:
        form = ResultApiForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({k: [e["message"] for e in v]
                                              for k, v in form.errors.get_json_data().items()})
        try:
            size = int(request.query_params.get("page_size", selectors.PAGE_SIZE))
        except ValueError:
            raise exceptions.ValidationError({"page_size": [_("A whole number.")]}) from None
        page = selectors.search_results(form.query(), limit=size,
                                        cursor=request.query_params.get("after", "")[:500])
        return Response({"results": PublicResultSerializer(page.rows, many=True).data,
                         "next": page.next_cursor})


class PublicTaskViewSet(PublicViewSet):
    """Tasks announced (frozen) or drawn, and a drawn task's public draw record."""

    serializer_class = PublicTaskSerializer
    queryset = InspectionTask.objects.none()

    @extend_schema(summary=_("Announced and drawn tasks"), auth=[])
    def list(self, request: Request) -> Response:
        tasks = selectors.tasks()[:500]
        return Response(PublicTaskSerializer(tasks, many=True).data)

    @extend_schema(summary=_("The public draw record (protocol §8)"), auth=[],
                   responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="record")
    def record(self, request: Request, pk: str) -> HttpResponseBase:
        try:
            task = selectors.tasks().filter(pk=_id(pk)).first()
        except ValueError:
            task = None
        if task is None:
            raise Http404
        return json_bytes_response(selectors.public_record_stream(task))


class PublicAnchorSerializer(serializers.ModelSerializer):
    anchor = serializers.CharField(source="text", help_text=_("SEQ:HASH"))
    signature = serializers.SerializerMethodField(help_text=_(
        "The office's SM2 signature of the text anchor:SEQ:HASH (128 hexadecimal digits r||s; "
        "empty when unsigned), verified with the public key at /public/keys/"))

    class Meta:
        model = AuditAnchor
        fields = ("anchor", "seq", "hash", "taken_at", "reason", "note", "signature")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_signature(self, anchor: AuditAnchor) -> str:
        return str(self.context.get("signatures", {}).get(str(anchor.pk), ""))


ANCHORS_MAX = 10_000


class PublicAnchorViewSet(PublicViewSet):
    """Audit anchors (审计锚点), newest first: what `audit verify --anchors URL` reads."""

    serializer_class = PublicAnchorSerializer
    queryset = AuditAnchor.objects.none()

    @extend_schema(summary=_("Audit anchors, newest first"), auth=[], parameters=[
        OpenApiParameter("limit", int, description=_("At most 10000 (the default)"))])
    def list(self, request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit", ANCHORS_MAX))
        except ValueError:
            raise exceptions.ValidationError({"limit": [_("A whole number.")]}) from None
        anchors = list(audit_anchors.published()[:max(1, min(limit, ANCHORS_MAX))])
        signatures = signing.signatures_of(SignedSubject.ANCHOR, anchors)
        return Response(PublicAnchorSerializer(anchors, many=True,
                                               context={"signatures": signatures}).data)


def register(router: BaseRouter) -> None:
    router.register("public/results", PublicResultViewSet, basename="public-result")
    router.register("public/tasks", PublicTaskViewSet, basename="public-task")
    router.register("public/anchors", PublicAnchorViewSet, basename="public-anchor")
