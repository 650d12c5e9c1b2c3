"""API, read-only: import jobs and their rejected rows. Uploading happens on the web pages."""

from typing import Any, ClassVar

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Domain
from shuangsuiji.core.api import IdFilter, PagePagination, ScopedViewSet

from .choices import ImportKind, ImportStatus
from .models import ImportIssue, ImportJob


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        # Not the stored file's path: the file is served only through the web pages' checks.
        fields = ["id", "kind", "department", "original_name", "sha256", "mode", "status",
                  "total_rows", "processed_rows", "imported", "updated", "unchanged",
                  "rejected", "message", "created_by", "created_at", "finished_at"]
        read_only_fields = fields

    def get_created_by(self, obj: ImportJob) -> str:
        user = obj.created_by
        return (user.full_name or user.username) if user else ""


class ImportIssueSerializer(serializers.ModelSerializer):
    # The reason in the reader's language (the row stores the message template and values).
    reason = serializers.CharField(source="message", read_only=True)

    class Meta:
        model = ImportIssue
        fields = ["row", "column", "reason"]
        read_only_fields = fields


class ImportJobFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ImportKind.choices)
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices)
    department = IdFilter(field_name="department_id")

    class Meta:
        model = ImportJob
        fields: ClassVar[list[str]] = []


@extend_schema_view(
    list=extend_schema(summary=_("Import jobs, newest first")),
    retrieve=extend_schema(summary=_("One import job")),
)
class ImportJobViewSet(ScopedViewSet):
    """Those who may import (the office, cooperating departments) follow their jobs here."""

    domain = Domain.IMPORTS
    model = ImportJob
    filterset_class = ImportJobFilter
    serializer_classes: ClassVar = {"list": ImportJobSerializer, "retrieve": ImportJobSerializer,
                             "issues": ImportIssueSerializer}

    def base_queryset(self) -> Any:
        return ImportJob.objects.select_related("created_by")

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-created_at", "-id")

    def list(self, request: Request) -> Response:
        return self.paginated(self.filter_queryset(self.get_queryset()), ImportJobSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(ImportJobSerializer, self.get_scoped_object())

    @extend_schema(summary=_("The job's rejected rows, by row number"),
                   responses=ImportIssueSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=PagePagination,
            filterset_class=None)
    def issues(self, request: Request, pk: str) -> Response:
        job = self.get_scoped_object()
        return self.paginated(job.issues.order_by("row", "id"), ImportIssueSerializer)


def register(router: BaseRouter) -> None:
    router.register("imports", ImportJobViewSet, basename="import")
