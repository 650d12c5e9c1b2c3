"""Rows of the 执法检查人员名录库 import: officers and experts, certificates, status, identity.

Checks that need the database (departments, codes used elsewhere) are the importer's; here
each row is read and checked on its own.
"""

from collections.abc import Sequence
from typing import Any

from . import codes, idcard
from .errors import RuleError, detached, gettext_noop
from .phones import is_phone
from .record_rows import CHOICE, DATE, FieldError, FieldRule, RecordChecker, check_period
from .tabular import Column, HeaderMap

COLUMNS: tuple[Column, ...] = (
    Column("department", "部门代码", ("所属部门代码", "部门编码", "单位代码", "所属部门", "部门",
                                  "所属单位")),
    Column("code", "人员编号", ("执法人员编号", "工号", "编号", "人员代码"), required=True),
    Column("name", "姓名", ("人员姓名", "执法人员姓名"), required=True),
    Column("role", "人员类别", ("类别", "角色", "人员类型", "身份类别"), required=True),
    Column("cert_number", "执法证号", ("执法证件号", "执法证编号", "执法证件号码", "证件编号",
                                   "执法证")),
    Column("cert_issuer", "发证机关", ("发证单位", "颁发机关")),
    Column("cert_valid_from", "证件有效期自", ("有效期自", "有效期起", "发证日期")),
    Column("cert_valid_to", "证件有效期至", ("有效期至", "有效期止", "证件有效期止")),
    Column("specialties", "专业特长", ("专业", "专业领域", "擅长领域", "专长")),
    Column("region_code", "所属区域", ("区划代码", "行政区划代码", "区域", "地区")),
    Column("status", "状态", ("在岗状态", "人员状态")),
    Column("status_since", "状态日期", ("状态变更日期", "变动日期", "生效日期")),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式")),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证")),
)

ROLE_WORDS = {"执法人员": "officer", "执法": "officer", "行政执法人员": "officer",
              "专业技术人员": "expert", "技术专家": "expert", "专家": "expert",
              "officer": "officer", "expert": "expert"}
STATUS_WORDS = {"在岗": "active", "调离": "transferred", "退休": "retired",
                "active": "active", "transferred": "transferred", "retired": "retired"}
IN_POST = "active"

RULES = (
    FieldRule("department", max_length=100),
    FieldRule("code", max_length=30, required=True),
    FieldRule("name", max_length=50, required=True),
    FieldRule("role", CHOICE, required=True, words=ROLE_WORDS),
    FieldRule("cert_number", max_length=50),
    FieldRule("cert_issuer", max_length=100),
    FieldRule("cert_valid_from", DATE, default=None),
    FieldRule("cert_valid_to", DATE, default=None),
    FieldRule("specialties", max_length=300),
    FieldRule("region_code", max_length=12),
    FieldRule("status", CHOICE, words=STATUS_WORDS),
    FieldRule("status_since", DATE, default=None),
    FieldRule("phone", max_length=30),
    FieldRule("id_number"),
)


class InspectorRowChecker(RecordChecker):
    def __init__(self, header_map: HeaderMap) -> None:
        super().__init__(header_map, COLUMNS, RULES)

    def check(self, cells: Sequence[str]) -> tuple[dict[str, Any], list[tuple[str, RuleError]]]:
        values, problems = super().check(cells)
        h = self.header
        cert_fields = ("cert_issuer", "cert_valid_from", "cert_valid_to")
        if values.get("cert_number"):
            if not values.get("cert_issuer") and "cert_issuer" not in {c for c, _ in problems}:
                problems.append((h["cert_issuer"], FieldError(gettext_noop(
                    "the body that issued the certificate is required"))))
        elif any(values.get(f) for f in cert_fields):
            problems.append((h["cert_number"], FieldError(gettext_noop(
                "certificate details without a certificate number"))))
        period = check_period(values.get("cert_valid_from"), values.get("cert_valid_to"))
        if period:
            problems.append((h["cert_valid_to"], period))
        status = values.get("status")
        if status and status != IN_POST and not values.get("status_since") \
                and h["status_since"] not in {c for c, _ in problems}:
            problems.append((h["status_since"], FieldError(gettext_noop(
                "the date from which the status applies is required for transfers and "
                "retirements"))))
        phone = values.get("phone")
        if phone and not is_phone(phone):
            problems.append((h["phone"], FieldError(gettext_noop(
                '"{value}" is not a phone number'), value=phone)))
        region = values.get("region_code")
        if region:
            try:
                codes.region_code(region)  # 6 digits (or 9, 12) of a region in the table
            except codes.CodeError as exc:
                problems.append((h["region_code"], detached(exc)))
        raw_id = values.get("id_number")
        if raw_id:
            try:
                values["id_number"] = idcard.validate(raw_id)
            except idcard.InvalidIdNumber as exc:
                problems.append((h["id_number"], detached(exc)))
        return values, problems
