"""API: an entity's credit file (信用档案) by its unified social credit code.

Staff (session or token) read the files of their organisation's directory in full, the
credit-risk class included. Partner systems authenticate with `Authorization: Partner <key>`
(PartnerToken; only the key's SHA-256 is stored), are limited to the token's requests per
minute, and every query is audited. They receive the approved results, penalty decisions and
blacklist entries of their organisation's entities: never the risk class (信用风险分类结果不对外
公开), complaints or any personal data (contacts, identity numbers, phones, free-text findings).
"""

import base64
import binascii
import hashlib
import re
from typing import Any, ClassVar, cast

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Action, Domain, can
from shuangsuiji.core.api import ScopedViewSet
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.throttling import SharedRateThrottle
from shuangsuiji.entities.models import Target
from shuangsuiji.entities.selectors import organisation_targets
from shuangsuiji.rules.uscc import normalise

from . import complaints, selectors
from .models import BlacklistEntry, Complaint, PartnerToken, RiskClassChange
from .services import key_hash

KEYWORD = "Partner"


class PartnerPrincipal:
    """`request.user` for a partner system: authenticated, but in no role and no department,
    so the permission matrix gives it nothing beyond this endpoint."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    is_anonymous = False
    role = ""
    department_id = None
    pk = None
    id = None

    def __init__(self, token: PartnerToken) -> None:
        self.token = token
        self.username = f"partner:{token.prefix}"

    def __str__(self) -> str:
        return self.token.name


class PartnerAuthentication(BaseAuthentication):
    """`Authorization: Partner <key>`: a key issued on the partner keys page, not revoked."""

    def authenticate(self, request: Request) -> tuple[PartnerPrincipal, PartnerToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid partner header: "
                                                    "“Partner <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid partner key.")) from exc
        token = (PartnerToken.objects.select_related("organisation")
                 .filter(key_hash=key_hash(key)).first())
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked partner key."))
        PartnerToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return PartnerPrincipal(token), token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class PartnerAuthScheme(OpenApiAuthenticationExtension):
    target_class = "shuangsuiji.credit.api.PartnerAuthentication"
    name = "partnerKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Partner <key>`: a key issued to a partner system."}


class PartnerThrottle(SharedRateThrottle):
    """The token's own requests per minute, counted across every worker process; staff are not
    limited here."""

    scope = "partner"
    rate = "60/min"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        if not isinstance(token, PartnerToken):
            return None
        return f"throttle_partner_{token.pk}"

    def allow_request(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, PartnerToken):
            self.num_requests, self.duration = request.auth.rate_per_minute, 60
        return super().allow_request(request, view)


class CreditFilePermission(BasePermission):
    message = _("Your role does not allow this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, PartnerToken):
            return True
        return bool(request.user and request.user.is_authenticated
                    and can(request.user, Domain.CREDIT, Action.VIEW))


# -- Serializers -------------------------------------------------------------------------------

class CreditResultSerializer(serializers.Serializer):
    task = serializers.CharField(source="visit.task.code")
    department = serializers.CharField(source="department.name")
    inspected_on = serializers.DateField(allow_null=True)
    methods = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    conduct = serializers.CharField(help_text=_("refused / concealed / falsified, or empty"))
    state = serializers.CharField(required=False, help_text=_("Staff only: the review state"))
    repaired_on = serializers.DateField(
        required=False, allow_null=True,
        help_text=_("信用修复: the day the published result was repaired, or null. For a "
                    "partner system a repaired result shows no categories or conduct, as the "
                    "public portal shows it."))


class CreditPenaltySerializer(serializers.Serializer):
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    penalty_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    department = serializers.CharField(source="inspection.department.name")


class CreditBlacklistSerializer(serializers.ModelSerializer):
    class Meta:
        model = BlacklistEntry
        fields = ["listed_on", "until", "basis", "removed_on", "removal_reason"]


class CreditComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["received_on", "summary", "substantiated"]


class CreditRiskChangeSerializer(serializers.ModelSerializer):
    old = serializers.CharField(help_text=_("A–D, or empty when not classified before"))
    new = serializers.CharField(help_text=_("A–D"))
    source = serializers.CharField(help_text=_("import, rule or manual"))

    class Meta:
        model = RiskClassChange
        fields = ["set_on", "old", "new", "source", "reason"]


class CreditFileSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    results = CreditResultSerializer(many=True)
    penalties = CreditPenaltySerializer(many=True)
    blacklist = CreditBlacklistSerializer(many=True)
    on_blacklist = serializers.BooleanField()
    complaints = CreditComplaintSerializer(many=True, required=False, help_text=_("Staff only"))
    risk_class = serializers.CharField(required=False, help_text=_("Staff only: internal"))
    risk_set_on = serializers.DateField(required=False, allow_null=True)
    risk_history = CreditRiskChangeSerializer(many=True, required=False)


USCC = re.compile(r"^[0-9A-Z]{18}$")


def _blacklist_in_force(entries: list[BlacklistEntry]) -> bool:
    today = timezone.localdate()
    return any(e.removed_on is None and e.listed_on <= today
               and (e.until is None or e.until >= today) for e in entries)


@extend_schema_view(retrieve=extend_schema(
    summary=_("An entity's credit file by its unified social credit code"),
    responses=CreditFileSerializer))
class CreditFileViewSet(ScopedViewSet):
    domain = Domain.CREDIT
    model = Target
    authentication_classes: ClassVar = [PartnerAuthentication, TokenAuthentication,
                                        SessionAuthentication]
    permission_classes: ClassVar = [CreditFilePermission]
    throttle_classes: ClassVar = [PartnerThrottle]
    lookup_field = "uscc"
    lookup_value_regex = "[0-9A-Za-z]{18}"
    serializer_classes: ClassVar = {"retrieve": CreditFileSerializer}

    def retrieve(self, request: Request, uscc: str) -> Response:
        code = normalise(uscc)
        token = request.auth if isinstance(request.auth, PartnerToken) else None
        if token is not None:
            targets = list(organisation_targets(organisation_ids=[token.organisation_id])
                           .filter(uscc=code).order_by("pk"))
            audit_record(actor=None, action="credit.partner_query", obj=token,
                         organisation_id=token.organisation_id,
                         summary=_("{partner} queried the credit file of {code}").format(
                             partner=token.name, code=code),
                         data={"partner": token.name, "prefix": token.prefix, "uscc": code,
                               "found": bool(targets)})
        else:
            targets = list(selectors.targets_for(request.user).filter(uscc=code).order_by("pk"))
        if not USCC.match(code) or not targets:
            raise exceptions.NotFound(_("No credit file for this code in your organisation."))
        ids = [t.pk for t in targets]
        if token is not None:
            results = selectors.approved_results(ids)
        else:
            results = selectors.visible_results(request.user, ids)
        blacklist = list(BlacklistEntry.objects.filter(target_id__in=ids))
        # Through the relation, not an import: publication is credit's sibling layer.
        repaired = dict(results.filter(publication__repair__isnull=False)
                        .values_list("pk", "publication__repair__repaired_on"))
        data: dict[str, Any] = {
            "uscc": code, "name": targets[0].name,
            "results": [self._result(r, staff=token is None, repaired_on=repaired.get(r.pk))
                        for r in results],
            "penalties": CreditPenaltySerializer(selectors.penalties(results), many=True).data,
            "blacklist": CreditBlacklistSerializer(blacklist, many=True).data,
            "on_blacklist": _blacklist_in_force(blacklist),
        }
        if token is None:
            first = targets[0]
            data |= {
                "complaints": CreditComplaintSerializer(
                    Complaint.objects.filter(target_id__in=ids), many=True).data,
                "risk_class": first.risk_class, "risk_set_on": first.risk_set_on,
                "risk_history": CreditRiskChangeSerializer(
                    RiskClassChange.objects.filter(target_id__in=ids), many=True).data,
            }
        return Response(data)

    @staticmethod
    def _result(result: Any, *, staff: bool, repaired_on: Any) -> dict[str, Any]:
        row = dict(CreditResultSerializer(result).data)
        row["repaired_on"] = repaired_on
        if not staff:
            row.pop("state", None)
            if repaired_on is not None:  # what the public no longer reads, nor does a partner
                row |= {"categories": [], "conduct": ""}
        return row


# -- Complaints (投诉举报) ----------------------------------------------------------------------

class HotlinePermission(BasePermission):
    """Only a partner system's key: the hotline pushes for the key's organisation."""

    message = _("Push complaints with a partner key: “Authorization: Partner <key>”.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, PartnerToken)


class HotlineAttachmentSerializer(serializers.Serializer):
    """One file of a hotline ticket, in the JSON body: checked like the public form's
    attachments (size, type by content, parsed whole) and stored with its SHA-256."""

    name = serializers.CharField(max_length=200, help_text=_(
        "The file's name with its extension: .jpg, .jpeg, .png, .pdf, .mp4, .webm or .ogg "
        "(it must match the content)"))
    content = serializers.CharField(trim_whitespace=False, help_text=_(
        "The file's bytes in base64 (RFC 4648, no line breaks). At most "
        "SHUANGSUIJI_EVIDENCE_MAX_BYTES once decoded; the whole request at most 20 MB"))
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False, help_text=_(
        "Optional: the SHA-256 of the file's bytes, in hex; a file that does not match is "
        "refused"))

    def validate(self, attrs: dict[str, Any]) -> SimpleUploadedFile:
        text = attrs["content"]
        # Refused before decoding: a file too large never takes the memory of its bytes.
        if len(text) * 3 // 4 > settings.SHUANGSUIJI_EVIDENCE_MAX_BYTES + 2:
            raise serializers.ValidationError({"content": _(
                "The file is larger than {max_bytes} bytes.").format(
                    max_bytes=settings.SHUANGSUIJI_EVIDENCE_MAX_BYTES)})
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError({"content": _("Not base64.")}) from exc
        expected = attrs.get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected.lower():
            raise serializers.ValidationError({"sha256": _(
                "The file's SHA-256 is not the one given: it was changed on the way.")})
        return SimpleUploadedFile(attrs["name"], data)


class HotlineComplaintSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text=_(
        "The hotline's ticket number (工单号): a second push of the same number returns the "
        "complaint the first made"))
    uscc = serializers.CharField(max_length=40, help_text=_(
        "统一社会信用代码 of the entity, in the key's organisation's directory"))
    summary = serializers.CharField(max_length=complaints.SUMMARY_MAX)
    received_on = serializers.DateField(required=False, help_text=_("Default: today"))
    anonymous = serializers.BooleanField(default=False)
    complainant_name = serializers.CharField(max_length=50, required=False, allow_blank=True,
                                             help_text=_("Required unless anonymous"))
    complainant_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    attachments = HotlineAttachmentSerializer(
        many=True, required=False, max_length=complaints.MAX_ATTACHMENTS, help_text=_(
            "Files taken with the call, at most 5. Stored with the complaint for the office; "
            "never shown to the entity or the public. A replay of the ticket number stores "
            "nothing again"))


class ComplaintStatusSerializer(serializers.ModelSerializer):
    """What the hotline and staff read back: the handling, never the complainant."""

    entity = serializers.CharField(source="target.name")
    uscc = serializers.CharField(source="target.uscc")
    attachments = serializers.SerializerMethodField(help_text=_(
        "SHA-256 of each stored file, in the order received"))

    def get_attachments(self, complaint: Complaint) -> list[str]:
        return [a.sha256 for a in complaint.attachments.all()]

    class Meta:
        model = Complaint
        fields = ["id", "external_id", "tracking_code", "entity", "uscc", "source", "state",
                  "received_on", "due_on", "reply", "replied_on", "closed_on",
                  "substantiated", "attachments"]


@extend_schema_view(
    create=extend_schema(summary=_("Push a complaint from the 12345 hotline"),
                         description=_(
                             "Idempotent by the ticket number (工单号): the first push makes "
                             "the complaint (201) with its attachments; a replay returns it "
                             "(200) and stores no file again. A refused file answers 400 "
                             "naming `attachments` and the file."),
                         request=HotlineComplaintSerializer,
                         responses={201: ComplaintStatusSerializer,
                                    200: ComplaintStatusSerializer}),
    retrieve=extend_schema(summary=_("A pushed complaint's state and reply by its ticket "
                                     "number"),
                           responses=ComplaintStatusSerializer))
class HotlineComplaintViewSet(ScopedViewSet):
    """POST a complaint; GET it back by its 工单号. Partner keys only; idempotent."""

    domain = Domain.CREDIT
    model = Complaint
    authentication_classes: ClassVar = [PartnerAuthentication]
    permission_classes: ClassVar = [HotlinePermission]
    throttle_classes: ClassVar = [PartnerThrottle]
    lookup_field = "external_id"
    lookup_value_regex = "[^/]{1,64}"
    serializer_classes: ClassVar = {"create": HotlineComplaintSerializer,
                                    "retrieve": ComplaintStatusSerializer}

    @staticmethod
    def _token(request: Request) -> PartnerToken:
        if not isinstance(request.auth, PartnerToken):  # HotlinePermission lets in no other
            raise exceptions.PermissionDenied
        return request.auth

    def create(self, request: Request) -> Response:
        token = self._token(request)
        data = cast(complaints.HotlineFields, self.input(HotlineComplaintSerializer))
        complaint, created = complaints.complaint_push(token=token, data=data)
        return self.output(ComplaintStatusSerializer, complaint,
                           status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def retrieve(self, request: Request, external_id: str) -> Response:
        token = self._token(request)
        complaint = (Complaint.objects.select_related("target")
                     .filter(organisation_id=token.organisation_id,
                             external_id=external_id).first())
        if complaint is None:
            raise exceptions.NotFound(_("No complaint with this ticket number."))
        return self.output(ComplaintStatusSerializer, complaint)


@extend_schema_view(
    list=extend_schema(summary=_("Complaints of your organisation (a section: those assigned "
                                 "to it)"), responses=ComplaintStatusSerializer(many=True)),
    retrieve=extend_schema(summary=_("A complaint"), responses=ComplaintStatusSerializer))
class ComplaintViewSet(ScopedViewSet):
    """Staff read complaints; the complainant's name and phone are on the page only."""

    domain = Domain.CREDIT
    model = Complaint
    serializer_classes: ClassVar = {"list": ComplaintStatusSerializer,
                                    "retrieve": ComplaintStatusSerializer}

    def get_queryset(self) -> Any:
        return complaints.complaints_for(self.request.user).select_related("target")

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset(), ComplaintStatusSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        complaint = self.get_queryset().filter(pk=pk).first()
        if complaint is None:
            raise exceptions.NotFound
        return self.output(ComplaintStatusSerializer, complaint)


def register(router: BaseRouter) -> None:
    router.register("credit-files", CreditFileViewSet, basename="credit-file")
    router.register("complaints/hotline", HotlineComplaintViewSet, basename="complaint-hotline")
    router.register("complaints", ComplaintViewSet, basename="complaint")
