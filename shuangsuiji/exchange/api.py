"""API: licences in from the 行政审批局's system (审管联动), with a partner key.

`POST /api/v1/licences/intake/` with `Authorization: Partner <key>` and `{"rows": [...]}`: the
rows land in the key's organisation's directory (no other: the organisation is the key's),
through the licence import's checks; the answer is the import's row-level report, kept with
the import for the office (/imports/<id>/).
"""

from typing import Any, ClassVar

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shuangsuiji.accounts.scoping import Domain
from shuangsuiji.core.api import ScopedViewSet
from shuangsuiji.credit.api import PartnerAuthentication, PartnerThrottle
from shuangsuiji.credit.models import PartnerToken
from shuangsuiji.imports.models import ImportJob

from . import licences


class PartnerOnly(BasePermission):
    message = _("Send licences with a partner key: “Authorization: Partner <key>”.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, PartnerToken)


class LicenceRowSerializer(serializers.Serializer):
    """One licence as the licensing bureau's system sends it; all values text. The import's
    synonyms do not apply here: these are the only keys."""

    uscc = serializers.CharField(required=False, help_text=_("统一社会信用代码"))
    no_code_reason = serializers.CharField(required=False,
                                           help_text=_("无代码原因 (when there is no code)"))
    name = serializers.CharField(help_text=_("企业名称"))
    entity_type = serializers.CharField(required=False)
    legal_rep = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    region_code = serializers.CharField(required=False, help_text=_("行政区划代码 (GB/T 2260)"))
    industry_code = serializers.CharField(required=False, help_text=_("GB/T 4754"))
    registration_authority = serializers.CharField(required=False)
    locality = serializers.CharField(required=False)
    founded_on = serializers.CharField(required=False, help_text=_("YYYY-MM-DD"))
    reg_status = serializers.CharField(required=False)
    lic_number = serializers.CharField(help_text=_("许可编号: the key; a second send of the "
                                                   "same number updates that licence"))
    lic_decision_no = serializers.CharField(required=False)
    lic_title = serializers.CharField(required=False)
    lic_item = serializers.CharField(required=False)
    lic_authority = serializers.CharField(required=False)
    lic_decided_on = serializers.CharField(required=False)
    lic_valid_from = serializers.CharField(required=False)
    lic_valid_to = serializers.CharField(required=False)
    contact_name = serializers.CharField(required=False)
    contact_phone = serializers.CharField(required=False)


class LicenceIntakeSerializer(serializers.Serializer):
    rows = LicenceRowSerializer(many=True, help_text=_("At most 1000 rows a request"))


class RowProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row of the request, from 1 (0: the "
                                               "request as a whole)"))
    field = serializers.CharField(help_text=_("The row's key"))
    column = serializers.CharField(required=False, help_text=_(
        "The column of the import file the row became"))
    reason = serializers.CharField()


class LicenceReportSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text=_("The import that keeps this report"))
    status = serializers.CharField()
    message = serializers.CharField()
    rows = serializers.IntegerField()
    imported = serializers.IntegerField(help_text=_("Rows new to the directory"))
    updated = serializers.IntegerField(help_text=_("Rows that changed an entity or licence"))
    unchanged = serializers.IntegerField(help_text=_("Rows the directory held as sent"))
    rejected = serializers.IntegerField(help_text=_("Rows not imported, each in `problems`"))
    targets_created = serializers.IntegerField()
    targets_updated = serializers.IntegerField()
    licences_created = serializers.IntegerField()
    licences_updated = serializers.IntegerField()
    problems = RowProblemSerializer(many=True)
    report_url = serializers.CharField(help_text=_("The report's page, for the office"))


class RefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    problems = RowProblemSerializer(many=True)


EXAMPLE = {"rows": [{"uscc": "91140500MA0L2XXXXX", "name": "晋城市某某商贸有限公司",
                     "lic_number": "JY11405020012345", "lic_item": "食品经营许可",
                     "lic_authority": "晋城市行政审批服务管理局",
                     "lic_decided_on": "2026-11-02", "lic_valid_from": "2026-11-02",
                     "lic_valid_to": "2031-11-01"}]}


def report_data(job: ImportJob) -> dict[str, Any]:
    counts = job.counts or {}
    return {"job": job.pk, "status": job.status, "message": job.message,
            "rows": job.total_rows, "imported": job.imported, "updated": job.updated,
            "unchanged": job.unchanged, "rejected": job.rejected,
            **{name: int(counts.get(name, 0)) for name in (
                "targets_created", "targets_updated", "licences_created",
                "licences_updated")},
            "problems": licences.report(job),
            "report_url": reverse("imports:detail", args=[job.pk])}


@extend_schema_view(create=extend_schema(
    summary=_("Send new and changed licences (审管联动)"),
    description=_("Partner keys only. The rows go into the key's organisation's directory "
                  "through the licence import's checks; the answer is the row-level report, "
                  "kept with the import. Idempotent by licence number: a replay changes "
                  "nothing, a changed row updates its licence. A request whose rows are not "
                  "objects of these keys with text values and a licence number is refused "
                  "whole (400), with each problem's row and field."),
    request=LicenceIntakeSerializer,
    responses={200: LicenceReportSerializer, 400: RefusedSerializer},
    examples=[OpenApiExample("One licence", value=EXAMPLE, request_only=True)]))
class LicenceIntakeViewSet(ScopedViewSet):
    domain = Domain.IMPORTS
    model = ImportJob
    authentication_classes: ClassVar = [PartnerAuthentication]
    permission_classes: ClassVar = [PartnerOnly]
    throttle_classes: ClassVar = [PartnerThrottle]
    serializer_classes: ClassVar = {"create": LicenceIntakeSerializer}

    def create(self, request: Request) -> Response:
        token = request.auth
        if not isinstance(token, PartnerToken):  # PartnerOnly lets in no other
            raise exceptions.PermissionDenied
        data = request.data if isinstance(request.data, dict) else {}
        extra = sorted(set(data) - {"rows"})
        rows = data.get("rows")
        if extra or not isinstance(rows, list):
            problems = [{"row": 0, "field": name, "reason": str(_("Unknown field."))}
                        for name in extra]
            if not isinstance(rows, list):
                problems.append({"row": 0, "field": "rows",
                                 "reason": str(_("Send the rows as a JSON array."))})
            return Response({"detail": str(_("The request is refused: nothing was "
                                              "imported.")), "problems": problems},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            job = licences.licences_receive(token=token, rows=rows)
        except licences.RowsRefused as exc:
            return Response({"detail": exc.messages[0], "problems": exc.problems},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(report_data(job), status=status.HTTP_200_OK)


def register(router: BaseRouter) -> None:
    router.register("licences/intake", LicenceIntakeViewSet, basename="licence-intake")
