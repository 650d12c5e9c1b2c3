"""API: the signed-in user, the departments of their organisation, and API tokens."""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from shuangsuiji.core.api import ApiAutoSchema, ScopedViewSet
from shuangsuiji.core.throttling import SharedRateThrottle

from .models import Department
from .scoping import Action, Domain, can, is_admin, user_organisation_id


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "parent", "root", "region_code", "is_active"]
        read_only_fields = fields


class MeDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class PermissionsSerializer(serializers.Serializer):
    view = serializers.BooleanField()
    change = serializers.BooleanField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    is_admin = serializers.BooleanField()
    department = MeDepartmentSerializer(allow_null=True)
    organisation = MeDepartmentSerializer(allow_null=True)
    permissions = serializers.DictField(
        child=PermissionsSerializer(),
        help_text=_("For each domain (items, targets, …): may the user view it, change it"))


@extend_schema_view(
    list=extend_schema(summary=_("Departments of the user's organisation (all, for admins)")),
    retrieve=extend_schema(summary=_("One department")),
)
class DepartmentViewSet(ScopedViewSet):
    """Every signed-in user reads the departments of their own organisation (部门)."""

    model = Department
    permission_classes = [IsAuthenticated]
    serializer_classes: ClassVar = {"list": DepartmentSerializer, "retrieve": DepartmentSerializer}

    def get_queryset(self) -> Any:
        # Departments have no matrix row: every role needs them to read its own records.
        user = self.request.user
        departments = Department.objects.order_by("code")
        if is_admin(user):
            return departments
        org = user_organisation_id(user)
        return departments.none() if org is None else departments.filter(root_id=org)

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset(), DepartmentSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(DepartmentSerializer, self.get_object())


def _brief(department: Department | None) -> dict[str, Any] | None:
    if department is None:
        return None
    return {"id": department.pk, "code": department.code, "name": department.name}


class MeView(APIView):
    """Who the API thinks you are, and what your role lets you do."""

    authentication_classes = ScopedViewSet.authentication_classes
    permission_classes = [IsAuthenticated]
    schema = ApiAutoSchema()

    @extend_schema(responses=MeSerializer, summary=_("The signed-in user"))
    def get(self, request: Request) -> Response:
        user = request.user
        department = user.department
        organisation = department.root if department and department.root_id else department
        data = {
            "id": user.pk, "username": user.username, "full_name": user.full_name,
            "role": user.role, "is_admin": is_admin(user),
            "department": _brief(department), "organisation": _brief(organisation),
            "permissions": {domain.value: {"view": can(user, domain, Action.VIEW),
                                           "change": can(user, domain, Action.CHANGE)}
                            for domain in Domain},
        }
        return Response(MeSerializer(data).data)


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"},
                                     trim_whitespace=False, write_only=True)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class LockedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text=_("\"login_locked\": locked, whatever the password"))


class TokenThrottle(SharedRateThrottle):
    """Password guessing: a handful of tries a minute per address is plenty for a script.

    Counted across every worker process; the sign-in lockout (accounts.lockout) stops a slow
    guesser of one account or from one address on top of this."""

    scope = "anon"
    rate = "20/min"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenView(APIView):
    """Exchange a username and password for an API token (`Authorization: Token …`)."""

    authentication_classes: ClassVar = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    parser_classes = ScopedViewSet.parser_classes
    schema = ApiAutoSchema()

    @extend_schema(request=TokenInputSerializer, responses={
        200: TokenOutputSerializer,
        403: OpenApiResponse(LockedSerializer, description=_(
            "Too many failed sign-ins for this account or from this address: locked"))},
        summary=_("Get an API token"), auth=[])
    def post(self, request: Request) -> Response:
        if not settings.SHUANGSUIJI_LOCAL_PASSWORDS:
            # With passwords off the identity platform is the one way in, for scripts too.
            return Response({"detail": _("Sign-in by password is turned off: use the unified "
                                         "identity sign-in."), "code": "passwords_off"},
                            status=status.HTTP_403_FORBIDDEN)
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, username=serializer.validated_data["username"],
                            password=serializer.validated_data["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong username or password.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


def register(router: BaseRouter) -> None:
    router.register("departments", DepartmentViewSet, basename="department")
