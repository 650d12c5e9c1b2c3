"""API: the 检查对象名录库 (target directory), with licences, contacts and change history."""

from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.core import search
from shuangsuiji.core.api import (
    IdCursorPagination,
    IdFilter,
    PagePagination,
    ScopedDepartmentField,
    ScopedViewSet,
    UtcDateTimeFilter,
)
from shuangsuiji.rules import uscc
from shuangsuiji.rules.masking import mask_phone

from . import selectors, services
from .choices import RegStatus, RiskClass, TargetSource
from .models import Contact, Licence, Target, TargetChange

LIST_FIELDS = ["id", "department", "uscc", "name", "legal_rep", "address", "region_code",
               "industry_code", "reg_status", "risk_class", "updated_at"]
# What a user may set; risk_set_on follows risk_class and last_inspected_on follows results.
INPUT_FIELDS = ["uscc", "no_code_reason", "name", "entity_type", "legal_rep", "address",
                "region_code", "industry_code", "registration_authority", "locality",
                "founded_on", "reg_status", "risk_class"]


def _risk_class() -> serializers.ChoiceField:
    # Declared so the schema allows "" (not yet classified) as the model does.
    return serializers.ChoiceField(choices=RiskClass.choices, allow_blank=True, read_only=True)


class TargetListSerializer(serializers.ModelSerializer):
    risk_class = _risk_class()

    class Meta:
        model = Target
        fields = LIST_FIELDS
        read_only_fields = fields


class LicenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Licence
        fields = ["id", "number", "item", "decision_no", "authority", "decided_on", "valid_from",
                  "valid_to", "import_job"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(
        help_text=_("Masked unless you may change the target"))

    class Meta:
        model = Contact
        fields = ["id", "name", "position", "phone"]
        read_only_fields = fields

    def get_phone(self, obj: Contact) -> str:
        return obj.phone if self.context.get("may_change") else mask_phone(obj.phone)


class TargetDetailSerializer(serializers.ModelSerializer):
    risk_class = _risk_class()
    department_name = serializers.CharField(source="department.name", read_only=True)
    licences = LicenceSerializer(many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)
    may_change = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [*LIST_FIELDS[:2], "department_name", *LIST_FIELDS[2:], "no_code_reason",
                  "entity_type", "registration_authority", "locality", "founded_on",
                  "risk_set_on", "last_inspected_on", "source", "created_at", "licences",
                  "contacts", "may_change"]
        read_only_fields = fields

    def get_may_change(self, obj: Target) -> bool:
        return bool(self.context.get("may_change"))


class TargetInputSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                 max_length=40,
                                 help_text=_("Unified social credit code (统一社会信用代码)"))

    class Meta:
        model = Target
        fields = INPUT_FIELDS
        # Uniqueness within a directory is checked in validate(), against the right directory.
        validators: ClassVar[list[Any]] = []

    def validate_uscc(self, value: str | None) -> str | None:
        try:
            return services.clean_code(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["uscc"]) from exc

    def directory_id(self, attrs: dict[str, Any]) -> int:
        return self.instance.department_id

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        def current(name: str) -> Any:
            return attrs[name] if name in attrs else getattr(self.instance, name, None)

        code = current("uscc")
        if not code and not (current("no_code_reason") or "").strip():
            raise serializers.ValidationError(
                {"no_code_reason": _("A target without a code needs a reason.")})
        if code and "uscc" in attrs:
            others = Target.objects.filter(department_id=self.directory_id(attrs), uscc=code)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError(
                    {"uscc": _("This code is already in the directory.")})
        return attrs


class TargetCreateSerializer(TargetInputSerializer):
    department = ScopedDepartmentField(help_text=_("Whose directory the target joins"))

    class Meta(TargetInputSerializer.Meta):
        fields = ["department", *INPUT_FIELDS]

    def directory_id(self, attrs: dict[str, Any]) -> int:
        return attrs["department"].pk


class TargetUpdateSerializer(TargetInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                 help_text=_("Why it changed (kept in the history)"))

    class Meta(TargetInputSerializer.Meta):
        fields = [*INPUT_FIELDS, "note"]


class ChangedFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class TargetChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    changed_fields = serializers.SerializerMethodField()

    class Meta:
        model = TargetChange
        fields = ["id", "at", "actor", "action", "import_job", "note", "changed_fields"]
        read_only_fields = fields

    def get_actor(self, obj: TargetChange) -> str:
        user = obj.actor
        return (user.full_name or user.username) if user else ""

    @extend_schema_field(ChangedFieldSerializer(many=True))
    def get_changed_fields(self, obj: TargetChange) -> list[dict[str, Any]]:
        return [{"field": name, "before": old, "after": new}
                for name, old, new in obj.changed_fields()]


class TargetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", help_text=_(
        "What the directory's search box takes: a unified social credit code (whole or its "
        "start; any case, full-width or with spaces), a draw id X-123, or else any part of "
        "the name"))
    code = django_filters.CharFilter(method="filter_code", help_text=_(
        "Unified social credit code, exact (any case, full-width or with spaces)"))
    name = django_filters.CharFilter(method="filter_name", help_text=_("Name contains"))
    region = django_filters.CharFilter(field_name="region_code", lookup_expr="startswith",
                                       help_text=_("Region code or its prefix, e.g. 1405"))
    industry = django_filters.CharFilter(field_name="industry_code", lookup_expr="startswith",
                                         help_text=_("Industry code or its prefix"))
    status = django_filters.ChoiceFilter(field_name="reg_status", choices=RegStatus.choices)
    risk_class = django_filters.ChoiceFilter(choices=RiskClass.choices)
    department = IdFilter(field_name="department_id")
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Target
        fields: ClassVar[list[str]] = []

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        return selectors.target_search(queryset, value)

    def filter_code(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(uscc=uscc.normalise(value))

    def filter_name(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        return (search.name_contains(queryset, "name", value, index=selectors.NAME_INDEX)
                if value else queryset)


@extend_schema_view(
    list=extend_schema(summary=_("Targets, in id order (cursor pages)")),
    retrieve=extend_schema(summary=_("One target with its licences and contacts")),
    create=extend_schema(summary=_("Add a target"), responses={201: TargetDetailSerializer}),
    partial_update=extend_schema(summary=_("Change a target (kept in its history)"),
                                 responses=TargetDetailSerializer),
)
class TargetViewSet(ScopedViewSet):
    """The directory may hold millions of rows: lists page by cursor, never by COUNT/OFFSET."""

    domain = Domain.TARGETS
    model = Target
    pagination_class = IdCursorPagination
    filterset_class = TargetFilter
    http_method_names: ClassVar = ["get", "post", "patch", "head", "options"]
    serializer_classes: ClassVar = {
        "list": TargetListSerializer, "retrieve": TargetDetailSerializer,
        "create": TargetCreateSerializer, "partial_update": TargetUpdateSerializer,
        "changes": TargetChangeSerializer,
    }

    def list(self, request: Request) -> Response:
        return self.paginated(self.filter_queryset(self.get_queryset()), TargetListSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_scoped_object())

    def create(self, request: Request) -> Response:
        data = self.input(TargetCreateSerializer)
        department = data.pop("department")
        target = services.target_create(actor=request.user, department_id=department.pk,
                                        data=data, source=TargetSource.API)
        return self._detail(target, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        target = self.get_scoped_object(Action.CHANGE)
        data = self.input(TargetUpdateSerializer, partial=True, instance=target)
        note = data.pop("note", "")
        target = services.target_update(actor=request.user, target=target, data=data, note=note)
        return self._detail(target)

    @extend_schema(summary=_("The target's change history, newest first"),
                   responses=TargetChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=PagePagination, filterset_class=None)
    def changes(self, request: Request, pk: str) -> Response:
        target = self.get_scoped_object()
        return self.paginated(target.changes.select_related("actor"), TargetChangeSerializer)

    def _detail(self, target: Target, status_code: int = status.HTTP_200_OK) -> Response:
        target = (Target.objects.select_related("department")
                  .prefetch_related("licences", "contacts").get(pk=target.pk))
        may_change = Target.objects.for_user(self.request.user, Action.CHANGE).filter(
            pk=target.pk).exists()
        context = self.get_serializer_context() | {"may_change": may_change}
        return Response(TargetDetailSerializer(target, context=context).data, status=status_code)


def register(router: BaseRouter) -> None:
    router.register("targets", TargetViewSet, basename="target")
