"""Importing the inspector directory and the item list."""

import io

import openpyxl
import pytest

from shuangsuiji.catalog.models import InspectionItem, InspectionItemVersion
from shuangsuiji.catalog.services import item_create
from shuangsuiji.core import crypto
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.imports import exports, services
from shuangsuiji.imports.choices import ImportKind, ImportMode, ImportStatus
from shuangsuiji.inspectors.models import Certificate, Inspector, InspectorStatusChange
from shuangsuiji.inspectors.services import inspector_create
from shuangsuiji.rules.item_rows import COLUMNS as ITEM_COLUMNS

from .conftest import check, csv_bytes, run, xlsx_bytes

pytestmark = pytest.mark.django_db

INSPECTOR_HEADERS = ["部门代码", "人员编号", "姓名", "人员类别", "执法证号", "发证机关",
                     "证件有效期自", "证件有效期至", "专业特长", "状态", "状态日期", "联系电话",
                     "身份证号"]
ID_NUMBER = "11010519491231002X"


def inspector_row(**values):
    row = {"部门代码": "RFB-GCK", "人员编号": "E001", "姓名": "王强", "人员类别": "执法人员",
           "执法证号": "14050001", "发证机关": "山西省人民政府", "证件有效期自": "2022-01-01",
           "证件有效期至": "2027-12-31", "专业特长": "人防工程", "状态": "在岗", "状态日期": "",
           "联系电话": "13800000000", "身份证号": ID_NUMBER}
    row.update(values)
    return [row[h] for h in INSPECTOR_HEADERS]


def run_inspectors(world, rows, **options):
    return run(world, xlsx_bytes(rows, INSPECTOR_HEADERS), name="执法人员.xlsx",
               kind=ImportKind.INSPECTORS, **options)


def test_inspectors_are_created_with_certificate_and_encrypted_identity(world):
    expert = inspector_row(人员编号="X001", 姓名="李工", 人员类别="专业技术人员", 执法证号="",
                           发证机关="", 证件有效期自="", 证件有效期至="", 身份证号="")
    job = run_inspectors(world, [inspector_row(), expert])
    assert (job.status, job.imported, job.rejected) == (ImportStatus.DONE, 2, 0)
    officer = Inspector.objects.get(code="E001")
    assert officer.department == world.engineering and officer.role == "officer"
    assert crypto.decrypt(officer.id_number_encrypted) == ID_NUMBER
    assert officer.id_number_masked.startswith("110105") and ID_NUMBER not in \
        officer.id_number_masked
    cert = Certificate.objects.get(inspector=officer)
    assert (cert.number, str(cert.valid_to)) == ("14050001", "2027-12-31")
    assert Inspector.objects.get(code="X001").role == "expert"
    assert AuditEvent.objects.filter(action="import.inspectors").count() == 1


def test_inspectors_are_upserted_by_staff_code_and_status_changes_kept(world):
    run_inspectors(world, [inspector_row(状态日期="2020-01-01")])
    job = run_inspectors(world, [inspector_row(状态="退休", 状态日期="2026-06-30",
                                               联系电话="13900000000")])
    assert (job.imported, job.updated) == (0, 1)
    officer = Inspector.objects.get(code="E001")
    assert officer.status == "retired" and str(officer.status_since) == "2026-06-30"
    assert officer.phone == "13900000000"
    assert list(InspectorStatusChange.objects.filter(inspector=officer)
                .values_list("status", flat=True)) == ["active", "retired"]
    again = run_inspectors(world, [inspector_row(状态="退休", 状态日期="2026-06-30",
                                                 联系电话="13900000000")])
    assert (again.updated, again.unchanged) == (0, 1)


def test_inspector_rows_with_problems_are_named(world):
    inspector_create(actor=None, data={"department": world.brigade.pk, "code": "F001",
                                       "name": "消防员", "role": "officer"})
    job = check(world, xlsx_bytes([
        inspector_row(身份证号="110105194912310021"),
        inspector_row(人员编号="E002", 部门代码="NOPE"),
        inspector_row(人员编号="F001"),
        inspector_row(人员编号="E003", 状态="调离"),
        inspector_row(人员编号="E004", 执法证号="14050001"),
        inspector_row(人员编号="E002"),
    ], INSPECTOR_HEADERS), name="人员.xlsx", kind=ImportKind.INSPECTORS)
    found = {(i.row, i.column) for i in job.issues.all()}
    assert found == {(2, "身份证号"), (3, "部门代码"), (4, "人员编号"), (5, "状态日期"),
                     (7, "人员编号")}
    assert "another organisation" in job.issues.get(row=4).message
    assert job.rejected == 5


def test_an_inspectors_region_must_be_in_the_region_table(world):
    headers = [*INSPECTOR_HEADERS, "所属区域"]
    job = check(world, xlsx_bytes([[*inspector_row(), "140521"],
                                   [*inspector_row(人员编号="E002"), "140599"]], headers),
                name="人员.xlsx", kind=ImportKind.INSPECTORS)
    ((issue),) = job.issues.all()
    assert (issue.row, issue.column) == (3, "所属区域")
    assert issue.message == ("140599 is not a code of the current administrative divisions "
                             "(GB/T 2260)")


def test_an_inspector_import_is_all_or_nothing_when_asked(world):
    job = run_inspectors(world, [inspector_row(), inspector_row(人员编号="E2", 人员类别="?")],
                         mode=ImportMode.ALL_OR_NOTHING)
    assert job.status == ImportStatus.REJECTED and not Inspector.objects.exists()


ITEM_HEADERS = [c.header for c in ITEM_COLUMNS]


def item_row(**values):
    row = dict.fromkeys(ITEM_HEADERS, "")
    row.update({"编码": "RF-01", "抽查类别": "人防工程监督检查", "抽查事项": "防空地下室建设",
                "检查对象": "建设单位", "检查依据": "《中华人民共和国人民防空法》第二十二条",
                "检查主体": "RFB-GCK", "检查内容": "是否按规定修建防空地下室",
                "检查方式": "现场检查", "事项类别": "重点", "抽查比例": "5%"})
    row.update(values)
    return [row[h] for h in ITEM_HEADERS]


def run_items(world, rows, name="清单.xlsx", **options):
    return run(world, xlsx_bytes(rows, ITEM_HEADERS), name=name, kind=ImportKind.ITEMS,
               **options)


def test_items_are_created_and_changed_items_get_a_new_version(world):
    job = run_items(world, [item_row(), item_row(编码="RF-02", 检查主体="工程科", 事项类别="一般")])
    assert job.imported == 2
    item = InspectionItem.objects.get(code="RF-01")
    assert item.kind == "key" and item.department == world.engineering
    assert InspectionItem.objects.get(code="RF-02").kind == "general"
    job = run_items(world, [item_row(检查方式="书面检查"), item_row(编码="RF-02", 检查主体="工程科",
                                                                事项类别="一般")],
                    name="清单2025.xlsx")
    assert (job.updated, job.unchanged) == (1, 1)
    item.refresh_from_db()
    assert item.version == 2 and item.method == "书面检查"
    version = InspectionItemVersion.objects.get(item=item, version=2)
    assert version.reason == "Import 清单2025.xlsx"
    assert InspectionItemVersion.objects.filter(item__code="RF-02").count() == 1


def test_item_problems_are_named(world):
    item_create(actor=None, data={"code": "XF-01", "category": "消防", "matter": "消防检查",
                                  "target_type": "单位", "basis": "《消防法》",
                                  "department": world.fire, "content": "内容",
                                  "method": "现场"})
    job = check(world, xlsx_bytes([item_row(检查主体="不存在的科"), item_row(编码="XF-01"),
                                   item_row(编码="RF-09", 检查依据=""), item_row(编码="XF-01")],
                                  ITEM_HEADERS), name="清单.xlsx", kind=ImportKind.ITEMS)
    found = {(i.row, i.column) for i in job.issues.all()}
    assert found == {(2, "检查主体"), (3, "编码"), (4, "检查依据"), (5, "编码")}


def test_the_exported_list_imports_back_unchanged(world):
    run_items(world, [item_row(), item_row(编码="RF-02", 备注="第二项")])
    out = io.BytesIO()
    exports.items_xlsx(exports.items_for_export(), out)
    job = services.import_job_create(actor=world.users["office"], kind=ImportKind.ITEMS,
                                      department=world.office, upload=io.BytesIO(out.getvalue()),
                                      original_name="导出.xlsx", background=False)
    services.import_job_validate(job_id=job.pk)
    job = services.import_job_commit(actor=world.users["office"], job_id=job.pk)
    assert (job.imported, job.updated, job.unchanged, job.rejected) == (0, 0, 2, 0)


def test_a_csv_item_list_is_read_too(world):
    job = run(world, csv_bytes([item_row()], headers=ITEM_HEADERS, encoding="gb18030"),
              name="清单.csv", kind=ImportKind.ITEMS)
    assert job.imported == 1


def test_an_items_national_codes_are_imported_checked_and_exported(world):
    job = run_items(world, [
        item_row(监管事项编码="000117005000", 检查实施清单编码="ｊｃ-14050０-01"),
        item_row(编码="RF-02", 监管事项编码="0001 17005 000")])
    assert job.imported == 2
    item = InspectionItem.objects.get(code="RF-01")
    # Full-width and lower case are read as the code they are; spaces are dropped.
    assert (item.regulatory_code, item.implementation_code) == ("000117005000", "JC-140500-01")
    assert InspectionItem.objects.get(code="RF-02").regulatory_code == "000117005000"
    job = check(world, xlsx_bytes([item_row(编码="RF-03", 检查实施清单编码="清单第1号")],
                                  ITEM_HEADERS), name="清单.xlsx", kind=ImportKind.ITEMS)
    assert {(i.row, i.column) for i in job.issues.all()} == {(2, "检查实施清单编码")}
    out = io.BytesIO()
    exports.items_xlsx(exports.items_for_export(), out)
    rows = list(openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.values)
    exported = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == "RF-01"), strict=True))
    assert exported["检查实施清单编码"] == "JC-140500-01"
    assert exported["监管事项编码"] == "000117005000"
