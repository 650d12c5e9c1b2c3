"""API: the 抽查事项清单 (inspection item list), its versions and its publication."""

from typing import Any, ClassVar

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.core.api import IdFilter, ScopedDepartmentField, ScopedViewSet

from . import services
from .choices import ItemKind
from .models import InspectionItem, InspectionItemVersion

WRITABLE_FIELDS = [f for f in services.ITEM_FIELDS if f != "department"]


class ItemDepartmentField(ScopedDepartmentField):
    def department_choices(self, user: Any, domain: Any) -> Any:
        departments = super().department_choices(user, domain)
        # A business section is the 检查主体 only of its own items (see InspectionItemQuerySet).
        if getattr(user, "role", None) == Role.SECTION:
            departments = departments.filter(pk=user.department_id)
        return departments


class ItemOutputSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = InspectionItem
        fields = ["id", "code", "category", "matter", "sub_item", "target_type", "basis",
                  "department", "department_name", "content", "method", "kind",
                  "ratio_guidance", "frequency_guidance", "inspector_requirements", "remarks",
                  "regulatory_code", "implementation_code", "is_active", "is_published",
                  "version", "updated_at"]
        read_only_fields = fields


class ItemCreateSerializer(serializers.ModelSerializer):
    department = ItemDepartmentField(help_text=_("The inspecting department (检查主体)"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   help_text=_("Why the item is added (kept in its history)"))

    class Meta:
        model = InspectionItem
        fields = [*WRITABLE_FIELDS, "department", "reason"]


class ItemUpdateSerializer(ItemCreateSerializer):
    reason = serializers.CharField(max_length=2000,
                                   help_text=_("Why the item is adjusted (required)"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # PATCH makes every field optional; the reason stays required (清单动态调整留痕).
        if "reason" not in attrs:
            raise serializers.ValidationError(
                {"reason": _("Say why the item is adjusted; it is kept in its history.")})
        return attrs


class PublishSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   help_text=_("Why it is published"))


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000,
                                   help_text=_("Why it is withdrawn (required; kept in its "
                                               "history)"))


class VersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.SerializerMethodField()

    class Meta:
        model = InspectionItemVersion
        fields = ["version", "snapshot", "is_published", "changed_by", "changed_at", "reason"]
        read_only_fields = fields

    def get_changed_by(self, obj: InspectionItemVersion) -> str:
        user = obj.changed_by
        return (user.full_name or user.username) if user else ""


class ItemFilter(django_filters.FilterSet):
    code = django_filters.CharFilter()
    q = django_filters.CharFilter(method="filter_q", help_text=_("Text in code or matter"))
    department = IdFilter(field_name="department_id")
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices)
    is_published = django_filters.BooleanFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = InspectionItem
        fields: ClassVar[list[str]] = []

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(Q(matter__icontains=value) | Q(code__icontains=value))


@extend_schema_view(
    list=extend_schema(summary=_("Inspection items")),
    retrieve=extend_schema(summary=_("One inspection item")),
    create=extend_schema(summary=_("Add an item (unpublished)"),
                         responses={201: ItemOutputSerializer}),
    update=extend_schema(summary=_("Adjust an item (new version; reason required)"),
                         responses=ItemOutputSerializer),
    partial_update=extend_schema(summary=_("Adjust some fields (new version; reason required)"),
                                 responses=ItemOutputSerializer),
)
class ItemViewSet(ScopedViewSet):
    """Every adjustment is a new version with who, when and why (清单动态调整)."""

    domain = Domain.ITEMS
    model = InspectionItem
    filterset_class = ItemFilter
    serializer_classes: ClassVar = {
        "list": ItemOutputSerializer, "retrieve": ItemOutputSerializer,
        "create": ItemCreateSerializer, "update": ItemUpdateSerializer,
        "partial_update": ItemUpdateSerializer, "publish": PublishSerializer,
        "unpublish": WithdrawSerializer, "versions": VersionSerializer,
    }

    def base_queryset(self) -> Any:
        return InspectionItem.objects.select_related("department")

    def list(self, request: Request) -> Response:
        return self.paginated(self.filter_queryset(self.get_queryset()), ItemOutputSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(ItemOutputSerializer, self.get_scoped_object())

    def create(self, request: Request) -> Response:
        data = self.input(ItemCreateSerializer)
        reason = data.pop("reason", "")
        item = services.item_create(actor=request.user, data=data, reason=reason)
        return self.output(ItemOutputSerializer, item, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        item = self.get_scoped_object(Action.CHANGE)
        data = self.input(ItemUpdateSerializer, partial=partial, instance=item)
        reason = data.pop("reason")
        item = services.item_update(actor=request.user, item=item, data=data, reason=reason)
        return self.output(ItemOutputSerializer, item)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary=_("Publish on the public list"), request=PublishSerializer,
                   responses=ItemOutputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def publish(self, request: Request, pk: str) -> Response:
        return self._set_published(True, _("Published"))

    @extend_schema(summary=_("Withdraw from the public list (a reason is required)"),
                   request=WithdrawSerializer, responses=ItemOutputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def unpublish(self, request: Request, pk: str) -> Response:
        return self._set_published(False, "")

    def _set_published(self, published: bool, default_reason: str) -> Response:
        item = self.get_scoped_object(Action.CHANGE)
        serializer = PublishSerializer if published else WithdrawSerializer
        reason = self.input(serializer).get("reason") or str(default_reason)
        item = services.item_set_published(actor=self.request.user, item=item,
                                           published=published, reason=reason)
        return self.output(ItemOutputSerializer, item)

    @extend_schema(summary=_("The item's versions, newest first"),
                   responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def versions(self, request: Request, pk: str) -> Response:
        item = self.get_scoped_object()
        return self.paginated(item.versions.select_related("changed_by").order_by("-version"),
                              VersionSerializer)


def register(router: BaseRouter) -> None:
    router.register("items", ItemViewSet, basename="item")
