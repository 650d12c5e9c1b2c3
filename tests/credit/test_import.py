"""The market regulator's monthly classification: all or nothing, every rejected row named."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit import services as credit
from shuangsuiji.credit.models import RiskClassChange
from shuangsuiji.entities.models import Target
from shuangsuiji.rules.uscc import make_valid
from tests.draws.conftest import make_targets

HEAD = ["统一社会信用代码", "企业名称", "风险等级", "分类日期"]


def _csv(rows):
    lines = [",".join(HEAD)] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEAD)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def targets(world):
    return make_targets(world, n=4)  # classes A, B, C, D


def _import(world, name, data):
    return credit.risk_import(actor=world.users["office"], organisation_id=world.office.pk,
                              name=name, data=data)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_good_rows(world, targets, fmt):
    unknown = make_valid("91140502MA0K99999")
    rows = [(targets[0].uscc, "某公司", "D", "2026-10-31"),
            (targets[1].uscc.lower(), "某公司", "b类", "2026年10月31日"),
            (unknown, "外地公司", "C", "2026-10-31")]
    data = _csv(rows) if fmt == "csv" else _xlsx([(*r[:3], date(2026, 10, 31)) for r in rows])
    result = _import(world, f"2026年10月.{fmt}", data)
    assert result.ok, result.errors
    assert (result.rows, result.changed, result.not_in_directory) == (3, 2, [4])
    targets[0].refresh_from_db()
    assert (targets[0].risk_class, targets[0].risk_set_on) == ("D", date(2026, 10, 31))
    change = RiskClassChange.objects.get(target=targets[0])
    assert (change.old, change.new, change.source) == ("A", "D", "import")
    event = AuditEvent.objects.get(action="credit.risk_import")
    assert event.data["changed"] == 2


def test_every_bad_row_is_named_and_nothing_is_imported(world, targets):
    rows = [(targets[0].uscc, "x", "D", "2026-10-31"),           # good, but not applied
            ("91140502MA0K0000X", "x", "A", "2026-10-31"),       # bad check character
            (targets[1].uscc, "x", "E", "2026-10-31"),           # bad class
            (targets[2].uscc, "x", "A", "2026-13-45"),           # bad date
            (targets[0].uscc, "x", "C", "2026-10-31"),           # duplicate of row 2
            ("", "x", "A", "")]                                   # empty code and date
    result = _import(world, "bad.csv", _csv(rows))
    assert not result.ok
    named = {(e.row, e.column) for e in result.errors}
    assert named == {(3, "统一社会信用代码"), (4, "风险等级"), (5, "分类日期"),
                     (6, "统一社会信用代码"), (7, "统一社会信用代码"), (7, "分类日期")}
    assert all(e.reason for e in result.errors)
    duplicate = next(e for e in result.errors if e.row == 6)
    assert "2" in duplicate.reason
    assert list(Target.objects.filter(pk__in=[t.pk for t in targets])
                .order_by("pk").values_list("risk_class", flat=True)) == ["A", "B", "C", "D"]
    assert not RiskClassChange.objects.exists()
    assert not AuditEvent.objects.filter(action="credit.risk_import").exists()


def test_a_missing_column_is_reported(world, targets):
    data = f"统一社会信用代码,分类日期\n{targets[0].uscc},2026-10-31\n".encode()
    result = _import(world, "x.csv", data)
    assert [(e.row, e.column) for e in result.errors] == [(1, "风险等级")]


def test_rules_apply_after_an_import(world, targets, rules):
    credit.blacklist_add(actor=world.users["office"], target=targets[3], basis="严重失信",
                         listed_on=date(2026, 11, 1))
    result = _import(world, "x.csv", _csv([(targets[3].uscc, "x", "A", "2026-10-31")]))
    assert result.ok
    targets[3].refresh_from_db()
    assert targets[3].risk_class == "D"  # the blacklist rule raises it again
    assert list(RiskClassChange.objects.filter(target=targets[3]).order_by("pk")
                .values_list("source", "new")) == [("import", "A"), ("rule", "D")]


def test_only_the_office_imports(world, targets):
    for role in ("section", "leader", "partner"):
        with pytest.raises(PermissionDenied):
            credit.risk_import(actor=world.users[role], organisation_id=world.office.pk,
                               name="x.csv", data=_csv([]))
