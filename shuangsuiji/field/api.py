"""The phone's API (/api/v1/field/…): its key, the day pack, files by SHA-256, and the sync.

The key (`Authorization: Field <key>`) is made while signed in on the web (POST sessions/) and
is what the phone syncs with after hours underground, long after a web sign-in has timed out.
A revoked or expired key, or a disabled account, is refused with the reason.
"""

import re
from datetime import date
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shuangsuiji.core.api import ApiAutoSchema, service_error

from . import payloads, selectors, services
from .models import FieldSession

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_OPS = 500


class FieldKeyAuthentication(BaseAuthentication):
    """`Authorization: Field <key>`: the phone's key. request.auth is its FieldSession."""

    keyword = "field"

    def authenticate(self, request: Request) -> tuple[Any, FieldSession] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The phone's key is malformed."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("The phone's key is malformed.")) from exc
        session = (FieldSession.objects.select_related("user")
                   .filter(key_hash=services.key_hash(key)).first())
        if session is None:
            raise exceptions.AuthenticationFailed(_(
                "This phone's key is unknown. Sign in again while online."))
        refusal = services.session_refusal(session)
        if refusal:
            raise exceptions.AuthenticationFailed(refusal)
        return session.user, session

    def authenticate_header(self, request: Request) -> str:
        return "Field"


class FieldKeyScheme(OpenApiAuthenticationExtension):
    """The phone's key in the OpenAPI document."""

    target_class = FieldKeyAuthentication
    name = "fieldKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": str(_("“Field <key>”: the phone's key, from POST "
                                     "/api/v1/field/sessions/"))}


class FieldView(APIView):
    authentication_classes: ClassVar = [FieldKeyAuthentication, TokenAuthentication,
                                        SessionAuthentication]
    permission_classes: ClassVar = [IsAuthenticated]
    parser_classes: ClassVar = [JSONParser]
    schema = ApiAutoSchema()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ValidationError):
            exc = service_error(exc)
        return super().handle_exception(exc)

    def phone(self, request: Request) -> FieldSession:
        """The phone's session: writes from the field app come with its key, never a cookie
        (a cookie's sign-in cannot be told apart from a page's, nor revoked per phone)."""
        if not isinstance(request.auth, FieldSession):
            raise exceptions.PermissionDenied(_("Send this with the phone's key."))
        return request.auth


# -- Sessions ------------------------------------------------------------------------------------

class SessionSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = FieldSession
        fields = ["id", "user", "user_name", "device", "created_at", "expires_at",
                  "last_used_at", "revoked_at", "revoke_reason", "active"]
        read_only_fields = fields

    def get_active(self, obj: FieldSession) -> bool:
        return obj.revoked_at is None and obj.expires_at > timezone.now()


class OpenedSerializer(SessionSerializer):
    key = serializers.CharField(read_only=True, help_text=_("Shown once: keep it on the phone"))

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "key"]
        read_only_fields = fields


class OpenInputSerializer(serializers.Serializer):
    device = serializers.CharField(max_length=200, allow_blank=True, default="")


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class SessionsView(FieldView):
    # Made while signed in (the web or an API token), never with a phone's key.
    authentication_classes: ClassVar = [TokenAuthentication, SessionAuthentication]

    @extend_schema(responses=SessionSerializer(many=True),
                   summary=_("Phones with field app access you may revoke"))
    def get(self, request: Request) -> Response:
        sessions = selectors.revocable_sessions(request.user)[:200]
        return Response(SessionSerializer(sessions, many=True).data)

    @extend_schema(request=OpenInputSerializer, responses={201: OpenedSerializer},
                   summary=_("Give this phone a key for the field app (signed in on the web)"))
    def post(self, request: Request) -> Response:
        data = OpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            session, key = services.field_session_open(actor=request.user,
                                                       device=data.validated_data["device"])
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(_(
                "The field app is for inspectors and experts with an inspector record.")) from exc
        session.key = key
        return Response(OpenedSerializer(session).data, status=status.HTTP_201_CREATED)


class RevokeView(FieldView):
    @extend_schema(request=RevokeInputSerializer, responses=SessionSerializer,
                   summary=_("Revoke a phone's field app access"))
    def post(self, request: Request, pk: int) -> Response:
        session = selectors.revocable_sessions(request.user).filter(pk=pk).first()
        if session is None:
            raise exceptions.NotFound
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.field_session_revoke(actor=request.user, session=session,
                                                reason=data.validated_data["reason"])
        return Response(SessionSerializer(session).data)


# -- The day pack --------------------------------------------------------------------------------

class DayView(FieldView):
    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=False,
                                     description=_("The day (default: today)"))],
        responses=OpenApiTypes.OBJECT,
        summary=_("The visits of a day, with everything needed offline"))
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("date", "")
        try:
            day = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as exc:
            raise exceptions.ValidationError({"date": [_("Enter a date as YYYY-MM-DD.")]}
                                             ) from exc
        return Response(selectors.day_pack(user=request.user, day=day))


# -- Files ---------------------------------------------------------------------------------------

class HaveInputSerializer(serializers.Serializer):
    sha256 = serializers.ListField(child=serializers.RegexField(payloads.SHA256),
                                   max_length=1000)


class HaveSerializer(serializers.Serializer):
    have = serializers.ListField(child=serializers.CharField())


class HaveView(FieldView):
    @extend_schema(request=HaveInputSerializer, responses=HaveSerializer,
                   summary=_("Which of these files the server already has from you"))
    def post(self, request: Request) -> Response:
        self.phone(request)
        data = HaveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        have = services.uploads_present(actor=request.user,
                                        hashes=data.validated_data["sha256"])
        return Response({"have": have})


class OctetStreamParser(BaseParser):
    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Any = None) -> bytes:
        return stream.read() if stream is not None else b""


class UploadSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField()


class UploadView(FieldView):
    parser_classes: ClassVar = [OctetStreamParser]

    @extend_schema(request={"application/octet-stream": OpenApiTypes.BINARY},
                   responses=UploadSerializer,
                   summary=_("Send a file named by its SHA-256 (checked here)"))
    def put(self, request: Request, sha256: str) -> Response:
        self.phone(request)
        if not SHA256.match(sha256):
            raise exceptions.NotFound
        data = request.data if isinstance(request.data, bytes) else b""
        upload = services.upload_store(actor=request.user, sha256=sha256, data=data)
        return Response({"sha256": upload.sha256, "size": upload.size})


# -- The sync ------------------------------------------------------------------------------------

class OperationSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=sorted(payloads.PAYLOADS))
    inspection = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    base_version = serializers.IntegerField(min_value=0, max_value=2**31, allow_null=True,
                                            default=None)
    payload = serializers.JSONField(default=dict)


class SyncInputSerializer(serializers.Serializer):
    ops = OperationSerializer(many=True, max_length=MAX_OPS)


class AnswerSerializer(serializers.Serializer):
    client_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["applied", "conflict", "refused",
                                              services.MISSING_FILE])
    detail = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    server = serializers.DictField(required=False, help_text=_(
        "A conflict: the result's stored values"))


class SyncSerializer(serializers.Serializer):
    results = AnswerSerializer(many=True)


class SyncView(FieldView):
    @extend_schema(request=SyncInputSerializer, responses=SyncSerializer,
                   summary=_("Apply the phone's operations in order, each once"))
    def post(self, request: Request) -> Response:
        session = self.phone(request)
        data = SyncInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = services.operations_apply(actor=request.user, session=session,
                                            ops=data.validated_data["ops"])
        return Response({"results": results})
