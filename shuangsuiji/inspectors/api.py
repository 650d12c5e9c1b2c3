"""API: the 执法检查人员名录库 (inspector directory) and the 回避 (conflict) registry.

Identity numbers are write-only: they are stored encrypted and only ever returned masked.
"""

from collections.abc import Iterable
from typing import Any, ClassVar

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.catalog.selectors import item_list
from shuangsuiji.core.api import IdFilter, ScopedDepartmentField, ScopedViewSet
from shuangsuiji.rules.masking import mask_phone

from . import selectors, services
from .choices import DeclaredBy, InspectorRole, InspectorStatus, Relation
from .models import Certificate, Conflict, Inspector, InspectorStatusChange


def _label(user: Any) -> str:
    return (user.full_name or user.username) if user else ""


# --- Inspectors ---------------------------------------------------------------------------


class CertificateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certificate
        fields = ["id", "number", "issuer", "valid_from", "valid_to"]
        read_only_fields = ["id"]
        # (number, issuer) uniqueness is checked in validate() so the error names `number`.
        validators: ClassVar[list[Any]] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if Certificate.objects.filter(number=attrs["number"].strip(),
                                      issuer=attrs["issuer"].strip()).exists():
            raise serializers.ValidationError(
                {"number": _("This certificate of this issuing body is already recorded.")})
        return attrs


class StatusChangeSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = InspectorStatusChange
        fields = ["status", "effective_on", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields

    def get_recorded_by(self, obj: InspectorStatusChange) -> str:
        return _label(obj.recorded_by)


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InspectorStatus.choices)
    effective_on = serializers.DateField(help_text=_("Draws on or after this day see it"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class InspectorListSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(
        help_text=_("Masked unless you may change the record or it is yours"))
    id_number = serializers.CharField(source="id_number_masked", read_only=True,
                                      help_text=_("Identity number, always masked"))

    class Meta:
        model = Inspector
        fields = ["id", "department", "code", "name", "role", "specialties", "region_code",
                  "status", "status_since", "phone", "id_number", "user"]
        read_only_fields = fields

    def get_phone(self, obj: Inspector) -> str:
        user = self.context["request"].user
        shown = obj.pk in self.context.get("changeable", ()) or obj.user_id == user.pk
        return obj.phone if shown else mask_phone(obj.phone)


class InspectorDetailSerializer(InspectorListSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    certificates = CertificateSerializer(many=True, read_only=True)
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta(InspectorListSerializer.Meta):
        fields = [*InspectorListSerializer.Meta.fields, "department_name", "item_scope",
                  "certificates", "status_history"]
        read_only_fields = fields


class ItemScopeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return item_list(user=self.context["request"].user)


class InspectorUpdateSerializer(serializers.ModelSerializer):
    department = ScopedDepartmentField()
    id_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=30,
        help_text=_("居民身份证号; stored encrypted, returned only masked. Blank clears it."))
    item_scope = ItemScopeField(many=True, required=False,
                                help_text=_("Ids of the items this person may inspect"))

    class Meta:
        model = Inspector
        fields = ["department", "code", "name", "role", "specialties", "region_code", "phone",
                  "id_number", "item_scope"]


class InspectorCreateSerializer(InspectorUpdateSerializer):
    status_since = serializers.DateField(required=False, help_text=_("Default: today"))

    class Meta(InspectorUpdateSerializer.Meta):
        fields = [*InspectorUpdateSerializer.Meta.fields, "status", "status_since"]


def _service_args(data: dict[str, Any]) -> dict[str, Any]:
    """Split validated input into the service's data, id number and item scope."""
    scope = data.pop("item_scope", None)
    id_number = data.pop("id_number", None)
    return {"data": data, "id_number": id_number,
            "scope_item_ids": None if scope is None else [item.pk for item in scope]}


class InspectorFilter(django_filters.FilterSet):
    code = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")
    department = IdFilter(field_name="department_id")
    role = django_filters.ChoiceFilter(choices=InspectorRole.choices)
    status = django_filters.ChoiceFilter(choices=InspectorStatus.choices)
    region = django_filters.CharFilter(field_name="region_code", lookup_expr="startswith")
    eligible_on = django_filters.DateFilter(
        method="filter_eligible_on",
        help_text=_("Only those who may be drawn on this day (in post; officers with a valid "
                    "certificate)"))

    class Meta:
        model = Inspector
        fields: ClassVar[list[str]] = []

    def filter_eligible_on(self, queryset: Any, name: str, value: Any) -> Any:
        people = queryset.prefetch_related("status_changes", "certificates")
        return queryset.filter(pk__in=[p.pk for p in selectors.eligible_on(people, value)])


@extend_schema_view(
    list=extend_schema(summary=_("Inspectors")),
    retrieve=extend_schema(summary=_("One inspector with certificates and status history")),
    create=extend_schema(summary=_("Add an inspector"),
                         responses={201: InspectorDetailSerializer}),
    update=extend_schema(summary=_("Change an inspector (status: use /status/)"),
                         responses=InspectorDetailSerializer),
    partial_update=extend_schema(summary=_("Change some fields of an inspector"),
                                 responses=InspectorDetailSerializer),
)
class InspectorViewSet(ScopedViewSet):
    """Inspectors and experts see only their own record (InspectorQuerySet)."""

    domain = Domain.INSPECTORS
    model = Inspector
    filterset_class = InspectorFilter
    serializer_classes: ClassVar = {
        "list": InspectorListSerializer, "retrieve": InspectorDetailSerializer,
        "create": InspectorCreateSerializer, "update": InspectorUpdateSerializer,
        "partial_update": InspectorUpdateSerializer, "set_status": StatusInputSerializer,
        "certificates": CertificateSerializer,
    }

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context() | {"changeable": self._changeable(page)}
        return self.get_paginated_response(
            InspectorListSerializer(page, many=True, context=context).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_scoped_object())

    def create(self, request: Request) -> Response:
        args = _service_args(self.input(InspectorCreateSerializer))
        inspector = services.inspector_create(actor=request.user, data=args["data"],
                                              id_number=args["id_number"] or "",
                                              scope_item_ids=args["scope_item_ids"])
        return self._detail(inspector, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        inspector = self.get_scoped_object(Action.CHANGE)
        args = _service_args(self.input(InspectorUpdateSerializer, partial=partial,
                                        instance=inspector))
        inspector = services.inspector_update(actor=request.user, inspector=inspector, **args)
        return self._detail(inspector)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary=_("Record a status change (在岗 / 调离 / 退休) from a date"),
                   request=StatusInputSerializer, responses={201: InspectorDetailSerializer})
    @action(detail=True, methods=["post"], url_path="status", filterset_class=None)
    def set_status(self, request: Request, pk: str) -> Response:
        inspector = self.get_scoped_object(Action.CHANGE)
        data = self.input(StatusInputSerializer)
        inspector = services.inspector_set_status(actor=request.user, inspector=inspector,
                                                  **data)
        return self._detail(inspector, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary=_("The inspector's enforcement certificates"),
                   responses=CertificateSerializer(many=True))
    @extend_schema(methods=["POST"], summary=_("Record an enforcement certificate"),
                   request=CertificateSerializer, responses={201: CertificateSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def certificates(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            inspector = self.get_scoped_object()
            return Response(CertificateSerializer(inspector.certificates.all(), many=True).data)
        inspector = self.get_scoped_object(Action.CHANGE)
        data = self.input(CertificateSerializer)
        certificate = services.certificate_add(actor=request.user, inspector=inspector,
                                               valid_from=data.get("valid_from"),
                                               valid_to=data.get("valid_to"),
                                               number=data["number"], issuer=data["issuer"])
        return self.output(CertificateSerializer, certificate, status.HTTP_201_CREATED)

    def _changeable(self, inspectors: Iterable[Inspector]) -> set[int]:
        ids = [inspector.pk for inspector in inspectors]
        return set(Inspector.objects.for_user(self.request.user, Action.CHANGE)
                   .filter(pk__in=ids).values_list("pk", flat=True))

    def _detail(self, inspector: Inspector, status_code: int = status.HTTP_200_OK) -> Response:
        inspector = (Inspector.objects.select_related("department")
                     .prefetch_related("certificates", "item_scope",
                                       Prefetch("status_changes", queryset=InspectorStatusChange
                                                .objects.select_related("recorded_by")))
                     .get(pk=inspector.pk))
        context = self.get_serializer_context() | {"changeable": self._changeable([inspector])}
        return Response(InspectorDetailSerializer(inspector, context=context).data,
                        status=status_code)


# --- Conflicts of interest (回避) ----------------------------------------------------------


class ConflictSerializer(serializers.ModelSerializer):
    inspector_name = serializers.CharField(source="inspector.name", read_only=True)
    target_name = serializers.CharField(source="target.name", read_only=True)
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = Conflict
        fields = ["id", "inspector", "inspector_name", "target", "target_name", "relation",
                  "declared_by", "reason", "valid_from", "valid_to", "recorded_by",
                  "recorded_at", "revoked_at", "revoke_reason"]
        read_only_fields = fields

    def get_recorded_by(self, obj: Conflict) -> str:
        return _label(obj.recorded_by)


class ConflictInspectorField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.conflict_inspectors(user=self.context["request"].user)


class ConflictTargetField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        # An inspector may declare a conflict with a target of their organisation without
        # being allowed to browse the target directory itself.
        return selectors.conflict_targets(user=self.context["request"].user)


class ConflictCreateSerializer(serializers.ModelSerializer):
    inspector = ConflictInspectorField()
    target = ConflictTargetField()
    declared_by = serializers.ChoiceField(
        choices=DeclaredBy.choices, required=False,
        help_text=_("Default: by the inspector for inspectors and experts (always), by the "
                    "office otherwise"))
    relation = serializers.ChoiceField(choices=Relation.choices)

    class Meta:
        model = Conflict
        fields = ["inspector", "target", "relation", "declared_by", "reason", "valid_from",
                  "valid_to"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("valid_from"), attrs.get("valid_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"valid_to": _("The end of validity is before its start.")})
        if self.context["request"].user.role in selectors.SELF_ONLY_ROLES:
            attrs["declared_by"] = DeclaredBy.INSPECTOR
        attrs.setdefault("declared_by", DeclaredBy.OFFICE)
        return attrs


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("Why it no longer applies"))


class ConflictFilter(django_filters.FilterSet):
    inspector = IdFilter(field_name="inspector_id")
    target = IdFilter(field_name="target_id")
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull",
                                           exclude=True)
    in_force_on = django_filters.DateFilter(method="filter_in_force_on",
                                            help_text=_("Only those in force on this day"))

    class Meta:
        model = Conflict
        fields: ClassVar[list[str]] = []

    def filter_in_force_on(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.in_force_on(value)


@extend_schema_view(
    list=extend_schema(summary=_("Conflicts of interest (回避)")),
    retrieve=extend_schema(summary=_("One conflict of interest")),
    create=extend_schema(summary=_("Record a conflict; draws never pair the two"),
                         responses={201: ConflictSerializer}),
)
class ConflictViewSet(ScopedViewSet):
    """Inspectors and experts declare and see their own conflicts; the office keeps them all."""

    domain = Domain.CONFLICTS
    model = Conflict
    filterset_class = ConflictFilter
    serializer_classes: ClassVar = {"list": ConflictSerializer, "retrieve": ConflictSerializer,
                             "create": ConflictCreateSerializer, "revoke": RevokeSerializer}
    error_fields: ClassVar = {"revoke_reason": "reason"}

    def base_queryset(self) -> Any:
        return Conflict.objects.select_related("inspector", "target", "recorded_by")

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-recorded_at", "-id")

    def list(self, request: Request) -> Response:
        return self.paginated(self.filter_queryset(self.get_queryset()), ConflictSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(ConflictSerializer, self.get_scoped_object())

    def create(self, request: Request) -> Response:
        data = self.input(ConflictCreateSerializer)
        conflict = services.conflict_record(actor=request.user, data=data)
        return self.output(ConflictSerializer, conflict, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Revoke a conflict (kept, marked revoked)"),
                   request=RevokeSerializer, responses=ConflictSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def revoke(self, request: Request, pk: str) -> Response:
        conflict = self.get_scoped_object(Action.CHANGE)
        user = request.user
        # Already revoked: the service says since when (400). Otherwise an inspector withdraws
        # only what they declared themselves; the office's records stay the office's.
        if conflict.revoked_at is None and not selectors.conflict_may_revoke(
                user=user, conflict=conflict):
            raise PermissionDenied(_("Only the office may revoke a conflict it recorded."))
        reason = self.input(RevokeSerializer)["reason"]
        conflict = services.conflict_revoke(actor=user, conflict=conflict, reason=reason)
        return self.output(ConflictSerializer, conflict)


def register(router: BaseRouter) -> None:
    router.register("inspectors", InspectorViewSet, basename="inspector")
    router.register("conflicts", ConflictViewSet, basename="conflict")
