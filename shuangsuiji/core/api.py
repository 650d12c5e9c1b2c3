"""What every endpoint of the JSON API shares, and the audit log endpoint.

Views here are thin: they check the permission matrix (accounts.scoping), start every query from
`for_user`, validate input with an explicit serializer per endpoint and call the app's services.
Services raise Django's ValidationError; `ScopedViewSet` turns it into a 400 naming the field.
"""

from datetime import UTC
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django_filters.fields import IsoDateTimeField
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, can, get_for_user, scope_for

MAX_ID = 2**63 - 1  # BIGINT


class PagePagination(PageNumberPagination):
    """Numbered pages, for the small lists (items, inspectors, conflicts, imports)."""

    page_size_query_param = "page_size"
    max_page_size = 200


class IdCursorPagination(CursorPagination):
    """Opaque cursors in id order: no COUNT(*) and no OFFSET, so page 10,000 of a
    million-row directory costs what page 1 does."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An integer id in the query string (NumberFilter would accept 1.5 and say `number`)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Out-of-range ids are a 400 here, not an overflow in the database driver.
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time compared in UTC: ISO allows offsets up to ±23:59, PostgreSQL refuses
    those beyond ±15:59 (a server error otherwise)."""

    field_class = UtcIsoDateTimeField


class DomainPermission(BasePermission):
    """403 unless the matrix lets the user view (reads) or change (writes) the view's domain."""

    message = _("Your role does not allow this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        action = Action.VIEW if request.method in SAFE_METHODS else Action.CHANGE
        return can(request.user, view.domain, action)


def service_error(exc: DjangoValidationError,
                  rename: dict[str, str] | None = None) -> exceptions.ValidationError:
    """A service's ValidationError as a 400 keyed by the API's field names."""
    detail = as_serializer_error(exc)
    rename = {"__all__": api_settings.NON_FIELD_ERRORS_KEY} | (rename or {})
    return exceptions.ValidationError({rename.get(key, key): value
                                       for key, value in detail.items()})


class Conflict409(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This conflicts with a change made at the same time; reload and retry.")
    default_code = "conflict"


_VALIDATION_ERROR = {
    "type": "object",
    "description": "Field name (or non_field_errors) → what is wrong with it",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ApiAutoSchema(AutoSchema):
    """Documents the error answers too, so clients (and schemathesis) know every status."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        errors = operation["responses"]
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        if self.method in {"POST", "PUT", "PATCH"} or has_query:
            errors["400"] = self._error(_("Invalid input, by field"), self._validation_error())
        if operation.get("security"):
            errors["401"] = self._error(_("Not signed in"))
            errors["403"] = self._error(_("Your role does not allow this"))
        if "{" in self.path or self._is_list_view():
            errors["404"] = self._error(_("Not found in your organisation, or no such page"))
        if operation.get("security") and self.method in {"POST", "PUT", "PATCH"}:
            errors["409"] = self._error(_("Lost a race with a concurrent change"))
        if self.view.throttle_classes:
            errors["429"] = self._error(_("Too many requests"))
        return operation

    def get_tags(self) -> list[str]:
        # Group the docs by resource (/api/v1/<resource>/…) rather than one "v1" heap.
        parts = [part for part in self.path.split("/") if part]
        return [parts[2]] if len(parts) > 2 else super().get_tags()

    def _validation_error(self) -> dict[str, Any]:
        component = ResolvedComponent(name="ValidationError", type=ResolvedComponent.SCHEMA,
                                      object="ValidationError", schema=_VALIDATION_ERROR)
        self.registry.register_on_missing(component)
        # A body that is not JSON at all is a {"detail": …} ParseError instead.
        return {"anyOf": [component.ref, self._error_ref()]}

    def _error_ref(self) -> dict[str, Any]:
        return self.resolve_serializer(ErrorSerializer, "response").ref

    def _error(self, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        if schema is None:
            schema = self._error_ref()
        return {"description": str(description),
                "content": {"application/json": {"schema": schema}}}


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """JSON, not the HTML page, for API paths that do not exist."""
    path = request.path
    if not path.endswith("/"):
        message = _("Not found. API paths end with a slash: {path}/").format(path=path)
    else:
        message = _("Not found: {path}").format(path=path)
    return JsonResponse({"detail": message}, status=404)


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API view set: scoped queries, the matrix, and JSON errors for services."""

    domain: ClassVar[Domain]
    model: ClassVar[type[models.Model]]
    # Token first so an anonymous request gets 401 with `WWW-Authenticate: Token`, not 403.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, DomainPermission]
    parser_classes = [JSONParser]
    schema = ApiAutoSchema()
    # No OPTIONS self-description: the OpenAPI document at /api/schema/ is the description.
    metadata_class = None
    pagination_class = PagePagination
    # Non-numeric or over-long ids are a 404 from the URL resolver, never a database error.
    lookup_value_regex = "[0-9]{1,18}"
    serializer_classes: ClassVar[dict[str, type[serializers.BaseSerializer]]] = {}
    # Service field name → API field name, for errors (e.g. revoke_reason → reason).
    error_fields: ClassVar[dict[str, str]] = {}

    def base_queryset(self) -> Any:
        return self.model.objects.all()

    def get_queryset(self) -> Any:
        return self.base_queryset().for_user(self.request.user, Action.VIEW)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return self.serializer_classes[self.action]

    def get_scoped_object(self, action: Action = Action.VIEW) -> Any:
        """404 outside the user's organisation, 403 when they may see it but not change it."""
        return get_for_user(self.base_queryset(), self.request.user, action,
                            pk=self.kwargs["pk"])

    def input(self, serializer_class: type[serializers.Serializer], *, partial: bool = False,
              instance: Any = None) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, partial=partial, instance=instance,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(self, serializer_class: type[serializers.BaseSerializer], obj: Any,
               status_code: int = status.HTTP_200_OK) -> Response:
        data = serializer_class(obj, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def paginated(self, queryset: Any, serializer_class: type[serializers.BaseSerializer]
                  ) -> Response:
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = service_error(exc, self.error_fields)
        elif isinstance(exc, IntegrityError):
            # A uniqueness race lost to a concurrent request: the service's checks passed.
            exc = Conflict409()
        return super().handle_exception(exc)


def departments_in_scope(user: Any, domain: Domain, action: Action = Action.CHANGE) -> Any:
    """Departments whose records the user may create or change in `domain`."""
    scope = scope_for(user, domain, action)
    if scope.everything:
        return Department.objects.all()
    return Department.objects.filter(root_id__in=scope.organisation_ids)


class ScopedDepartmentField(serializers.PrimaryKeyRelatedField):
    """A department id, limited to the departments the user may act on in the view's domain."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        view = self.context.get("view")
        if request is None or view is None:
            return Department.objects.none()
        return self.department_choices(request.user, view.domain)

    def department_choices(self, user: Any, domain: Domain) -> Any:
        return departments_in_scope(user, domain)
