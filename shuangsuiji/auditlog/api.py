"""The audit log endpoint (/api/v1/audit/)."""

from typing import ClassVar

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Action, Domain, get_for_user
from shuangsuiji.core.api import IdCursorPagination, IdFilter, ScopedViewSet, UtcDateTimeFilter
from shuangsuiji.core.audit_labels import action_label
from shuangsuiji.core.models import AuditEvent

from .objects import object_labels

# --- Audit log (审计日志) ---------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField(
        help_text=_("The action as the office calls it (the stored `action` when it has no "
                    "label), in the request's language"))
    object_label = serializers.SerializerMethodField(
        help_text=_("The object's kind and name, with “deleted” when it no longer exists; "
                    "empty when the entry names no object"))

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor_label", "action", "action_label", "object_type",
                  "object_id", "object_label", "organisation_id", "summary", "data",
                  "prev_hash", "hash"]
        read_only_fields = fields

    def get_action_label(self, event: AuditEvent) -> str:
        return action_label(event.action)

    def get_object_label(self, event: AuditEvent) -> str:
        labels = self.context.get("object_labels")
        if labels is None:  # one entry: its object alone
            labels = object_labels([event], self.context["request"].user)
        return labels.get(event.seq, "")


class AuditFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith",
                                       help_text=_("Action, or its prefix such as `target.`"))
    object_type = django_filters.CharFilter(help_text=_("e.g. entities.target"))
    object_id = django_filters.CharFilter()
    actor = IdFilter(field_name="actor_id", help_text=_("User id"))
    since = UtcDateTimeFilter(field_name="at", lookup_expr="gte")
    until = UtcDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields: ClassVar[list[str]] = []


class SeqCursorPagination(IdCursorPagination):
    ordering = "-seq"


@extend_schema_view(
    list=extend_schema(summary=_("Audit log, newest first")),
    retrieve=extend_schema(summary=_("One audit entry")),
)
class AuditViewSet(ScopedViewSet):
    """The hash-chained audit log: leadership, the organising office and administrators."""

    domain = Domain.AUDIT
    model = AuditEvent
    pagination_class = SeqCursorPagination
    filterset_class = AuditFilter
    lookup_field = "seq"
    serializer_classes: ClassVar = {"list": AuditEventSerializer, "retrieve": AuditEventSerializer}

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # The objects' names in one query per kind of object on the page, not one per entry.
        context = self.get_serializer_context() | {
            "object_labels": object_labels(page, request.user)}
        return self.get_paginated_response(
            AuditEventSerializer(page, many=True, context=context).data)

    def retrieve(self, request: Request, seq: str) -> Response:
        event = get_for_user(self.base_queryset(), request.user, Action.VIEW, seq=seq)
        return self.output(AuditEventSerializer, event)


def register(router: BaseRouter) -> None:
    router.register("audit", AuditViewSet, basename="audit")
