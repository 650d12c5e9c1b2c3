"""Importing licence data into the target directory: problems, modes, atomicity, history."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities.models import Contact, Licence, Target, TargetChange
from shuangsuiji.entities.services import target_create
from shuangsuiji.imports import services, targets
from shuangsuiji.imports.choices import ImportMode, ImportStatus
from shuangsuiji.imports.models import ImportJob, StagedTarget
from shuangsuiji.imports.targets import TargetCommit
from shuangsuiji.rules import target_rows
from shuangsuiji.rules.uscc import make_valid

from .conftest import (
    CODE_A,
    CODE_B,
    CODE_C,
    LICENCE_HEADERS,
    check,
    csv_bytes,
    licence_row,
    run,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

BAD_CHECK = CODE_C[:-1] + ("0" if CODE_C[-1] != "0" else "1")


def issues(job):
    return [(i.row, i.column, i.message) for i in job.issues.order_by("row", "id")]


def test_a_licence_file_creates_targets_with_their_licences(world):
    job = run(world, csv_bytes([licence_row(), licence_row(number="XK-002"),
                                licence_row(name="晋城市乙商贸有限公司", code=CODE_B)]))
    assert job.status == ImportStatus.DONE
    assert (job.imported, job.updated, job.unchanged, job.rejected) == (3, 0, 0, 0)
    first = Target.objects.get(uscc=CODE_A)
    assert first.department == world.office and first.source == "import"
    assert first.legal_rep == "张三" and first.reg_status == "active"
    assert sorted(first.licences.values_list("number", flat=True)) == ["XK-001", "XK-002"]
    licence = first.licences.get(number="XK-001")
    assert licence.import_job == job and str(licence.valid_to) == "2028-03-31"
    assert Target.objects.count() == 2 and Licence.objects.count() == 3


@pytest.mark.parametrize(("overrides", "column", "fragment"), [
    ({"统一社会信用代码": "9114050"}, "统一社会信用代码", "18 characters"),
    ({"统一社会信用代码": BAD_CHECK}, "统一社会信用代码", "check character"),
    ({"行政相对人名称": ""}, "行政相对人名称", "name is required"),
    ({"统一社会信用代码": ""}, "统一社会信用代码", "reason for having none"),
    ({"许可决定日期": "2023-02-30"}, "许可决定日期", "does not exist"),
    ({"有效期自": "去年春天"}, "有效期自", "is not a date"),
    ({"当前状态": "营业中"}, "当前状态", "unknown status"),
])
def test_each_bad_row_is_reported_with_row_column_and_reason(world, overrides, column,
                                                             fragment):
    job = check(world, csv_bytes([licence_row(code=CODE_B, number="OK"),
                                  licence_row(**overrides)]))
    assert job.status == ImportStatus.VALIDATED
    assert job.rejected == 1 and job.valid_rows == 1
    ((row, found_column, reason),) = issues(job)
    assert (row, found_column) == (3, column)  # the header is row 1
    assert fragment in reason


def test_a_bad_risk_class_is_reported(world):
    headers = [*LICENCE_HEADERS, "信用风险分类"]
    job = check(world, csv_bytes([[*licence_row(), "极高"]], headers=headers))
    assert issues(job)[0][:2] == (2, "信用风险分类")


@pytest.mark.parametrize("day", ["2023年4月1日", "2023.4.1", "2023/04/01"])
def test_dates_in_the_usual_forms_are_imported(world, day):
    run(world, csv_bytes([licence_row(许可决定日期=day)]))
    assert str(Licence.objects.get().decided_on) == "2023-04-01"


def test_a_row_repeating_a_code_and_licence_number_is_rejected(world):
    job = check(world, csv_bytes([licence_row(), licence_row(code=CODE_B), licence_row()]))
    assert issues(job) == [(4, "许可编号", "repeats row 2: the same entity and licence number")]
    assert job.rejected == 1


def test_a_later_row_repeating_another_later_row_names_that_row(world):
    job = check(world, csv_bytes([licence_row(), licence_row(number="XK-2"),
                                  licence_row(number="XK-2")]))
    assert issues(job) == [(4, "许可编号", "repeats row 3: the same entity and licence number")]


def test_rows_describing_one_code_differently_are_rejected(world):
    job = check(world, csv_bytes([licence_row(), licence_row(number="XK-2", 法定代表人="李四")]))
    ((row, column, reason),) = issues(job)
    assert (row, column) == (3, "法定代表人")
    assert "row 2" in reason


def test_an_unknown_column_blocks_the_import_until_mapped_or_ignored(world):
    headers = [*LICENCE_HEADERS, "经营范围"]
    data = csv_bytes([[*licence_row(), "人防工程"]], headers=headers)
    job = check(world, data)
    assert job.file_problems == 1
    assert issues(job) == [(1, "经营范围", 'unknown column "经营范围": map it to a field or '
                                        "ignore it")]
    with pytest.raises(services.ImportStateError):
        services.import_job_commit(actor=world.users["office"], job_id=job.pk)
    assert Target.objects.count() == 0
    job = services.import_job_remap(actor=world.users["office"], job=job,
                                    column_map={"经营范围": ""}, background=False)
    job = services.import_job_validate(job_id=job.pk)
    assert job.file_problems == 0
    job = services.import_job_commit(actor=world.users["office"], job_id=job.pk)
    assert job.status == ImportStatus.DONE and Target.objects.count() == 1


def test_a_column_can_be_mapped_by_the_user(world):
    headers = ["单位全称", "统一社会信用代码"]
    job = run(world, csv_bytes([["晋城市丙公司", CODE_C]], headers=headers),
              column_map={"单位全称": "name"})
    assert job.status == ImportStatus.DONE
    assert Target.objects.get().name == "晋城市丙公司"


def test_valid_rows_mode_imports_the_good_rows(world):
    job = run(world, csv_bytes([licence_row(), licence_row(code=BAD_CHECK)]))
    assert (job.status, job.imported, job.rejected) == (ImportStatus.DONE, 1, 1)
    assert Target.objects.count() == 1


def test_all_or_nothing_mode_imports_nothing_when_a_row_is_bad(world):
    job = run(world, csv_bytes([licence_row(), licence_row(code=BAD_CHECK)]),
              mode=ImportMode.ALL_OR_NOTHING)
    assert job.status == ImportStatus.REJECTED and job.imported == 0
    assert "all or nothing" in job.message
    assert Target.objects.count() == 0 and AuditEvent.objects.count() == 0
    assert not StagedTarget.objects.filter(job_id=job.pk).exists()


def test_all_or_nothing_mode_imports_a_clean_file(world):
    job = run(world, csv_bytes([licence_row()]), mode=ImportMode.ALL_OR_NOTHING)
    assert job.status == ImportStatus.DONE and Target.objects.count() == 1


def test_a_failure_in_the_middle_of_the_commit_writes_nothing(world, monkeypatch):
    existing = target_create(actor=world.users["office"], department_id=world.office.pk,
                             data={"uscc": CODE_B, "name": "旧名称"})
    changes_before = TargetChange.objects.count()
    audit_before = AuditEvent.objects.count()
    job = check(world, csv_bytes([licence_row(), licence_row(code=CODE_B, name="新名称")]))

    def broken(self):
        raise RuntimeError("disk full")

    # Targets are updated and inserted, then the licences fail.
    monkeypatch.setattr(TargetCommit, "insert_licences", broken)
    with pytest.raises(RuntimeError):
        services.import_job_commit(actor=world.users["office"], job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "disk full" in job.message
    assert list(Target.objects.values_list("uscc", "name")) == [(CODE_B, "旧名称")]
    assert Licence.objects.count() == 0
    assert TargetChange.objects.count() == changes_before
    assert AuditEvent.objects.count() == audit_before
    existing.refresh_from_db()
    assert existing.fingerprint == ""


def test_reimporting_the_same_file_changes_nothing(world):
    data = csv_bytes([licence_row(), licence_row(number="XK-002"), licence_row(code=CODE_B)])
    run(world, data)
    changes = TargetChange.objects.count()
    updated_at = dict(Target.objects.values_list("pk", "updated_at"))
    again = run(world, data)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    assert TargetChange.objects.count() == changes
    assert dict(Target.objects.values_list("pk", "updated_at")) == updated_at


def test_reimporting_the_same_file_writes_no_row_of_the_directory(world):
    """Unchanged rows cost no UPDATE: not even one that writes the same values."""
    data = csv_bytes([licence_row(), licence_row(number="XK-002"), licence_row(code=CODE_B)])
    first = run(world, data)

    def versions() -> list[tuple]:
        with connection.cursor() as cursor:
            rows = []
            for table in (Target._meta.db_table, Licence._meta.db_table):
                # PostgreSQL: xmin names the transaction that wrote the row's version.
                version = "xmin::text" if connection.vendor == "postgresql" else "NULL"
                cursor.execute(f"SELECT id, {version} FROM {table} ORDER BY id")  # noqa: S608
                rows += cursor.fetchall()
            return rows

    before = versions()
    again = run(world, data)
    assert again.counts["targets_updated"] == again.counts["licences_updated"] == 0
    assert versions() == before
    assert set(Licence.objects.values_list("import_job", flat=True)) == {first.pk}


def test_a_changed_row_updates_the_target_and_records_the_change(world):
    run(world, csv_bytes([licence_row()]))
    target = Target.objects.get()
    job = run(world, csv_bytes([licence_row(法定代表人="李四", 当前状态="注销")]))
    assert (job.imported, job.updated, job.unchanged) == (0, 1, 0)
    target.refresh_from_db()
    assert target.legal_rep == "李四" and target.reg_status == "deregistered"
    change = TargetChange.objects.get(target=target, action="update")
    assert change.import_job == job and change.actor == world.users["office"]
    assert change.before["legal_rep"] == "张三" and change.after["legal_rep"] == "李四"
    assert {k for k, _old, _new in change.changed_fields()} == {"legal_rep", "reg_status"}
    created = TargetChange.objects.get(target=target, action="create")
    assert created.after["uscc"] == CODE_A and created.import_job_id != job.pk


def test_a_changed_licence_is_updated_and_recorded(world):
    run(world, csv_bytes([licence_row()]))
    job = run(world, csv_bytes([licence_row(有效期至="2030-12-31")]))
    assert (job.updated, job.counts["licences_updated"]) == (1, 1)
    licence = Licence.objects.get()
    assert str(licence.valid_to) == "2030-12-31" and licence.import_job == job
    change = TargetChange.objects.get(action="licence")
    assert change.before["valid_to"] == "2028-03-31" and change.after["valid_to"] == "2030-12-31"
    assert change.note == "XK-001"


def test_columns_the_file_lacks_are_left_alone(world):
    run(world, csv_bytes([licence_row()]))
    target = Target.objects.get()
    Target.objects.filter(pk=target.pk).update(address="城区凤台东街1号", risk_class="B")
    job = run(world, csv_bytes([["晋城市甲建材有限公司", CODE_A, "王五"]],
                               headers=["企业名称", "统一社会信用代码", "法定代表人"]))
    target.refresh_from_db()
    assert job.updated == 1 and target.legal_rep == "王五"
    assert target.address == "城区凤台东街1号" and target.risk_class == "B"
    assert target.licences.count() == 1


def test_a_hand_entered_target_is_matched_by_code(world):
    target_create(actor=world.users["office"], department_id=world.office.pk,
                  data={"uscc": CODE_A, "name": "晋城市甲建材有限公司"})
    job = run(world, csv_bytes([licence_row()]))
    assert Target.objects.count() == 1
    assert (job.imported, job.counts["targets_created"]) == (1, 0)  # a new licence
    assert TargetChange.objects.filter(action="licence").count() == 1


def test_codes_are_matched_within_the_importing_department_only(world):
    run(world, csv_bytes([licence_row()]))
    job = run(world, csv_bytes([licence_row()]), user="partner", department=world.fire)
    assert job.imported == 1
    assert Target.objects.filter(uscc=CODE_A).count() == 2


def test_targets_without_a_code_are_imported_and_matched_by_name(world):
    headers = ["企业名称", "统一社会信用代码", "无代码原因", "住所"]
    data = csv_bytes([["晋城市丁个体户", "", "个体工商户未办理", "泽州县"]], headers=headers)
    run(world, data)
    again = run(world, data)
    target = Target.objects.get()
    assert target.uscc is None and target.no_code_reason == "个体工商户未办理"
    assert again.unchanged == 1


def test_one_audit_entry_per_import_with_the_counts_and_file_hash(world):
    job = run(world, csv_bytes([licence_row(), licence_row(code=CODE_B)]))
    (event,) = AuditEvent.objects.all()
    assert event.action == "import.targets" and event.object_id == str(job.pk)
    assert event.data["sha256"] == job.sha256 and event.data["job"] == job.pk
    assert event.data["counts"]["imported"] == 2
    assert event.organisation_id == world.office.pk


def test_xlsx_files_are_imported(world):
    rows = [licence_row(), licence_row(code=CODE_B, 许可决定日期="2023年4月1日")]
    job = run(world, xlsx_bytes(rows), name="许可信息.xlsx")
    assert job.status == ImportStatus.DONE and job.file_format == "xlsx"
    assert Licence.objects.filter(decided_on="2023-04-01").count() == 2


def test_gb18030_csv_files_are_imported(world):
    job = run(world, csv_bytes([licence_row(name="晋城市䶮甲公司")], encoding="gb18030"))
    assert job.encoding == "gb18030"
    assert Target.objects.get().name == "晋城市䶮甲公司"


def test_an_unreadable_file_is_rejected_with_the_reason(world):
    job = check(world, b"PK\x03\x04 broken", name="坏.xlsx")
    assert job.status == ImportStatus.REJECTED
    assert job.issues.get().file_level


def test_the_staging_rows_are_dropped_after_the_commit(world):
    job = run(world, csv_bytes([licence_row()]))
    assert not StagedTarget.objects.filter(job_id=job.pk).exists()


def test_rule_lengths_match_the_models():
    fields = {"lic_number": ("licence", "number"), "lic_decision_no": ("licence", "decision_no"),
              "lic_item": ("licence", "item"), "lic_authority": ("licence", "authority"),
              "contact_name": ("contact", "name"), "contact_phone": ("contact", "phone")}
    for name, limit in target_rows.MAX_LENGTHS.items():
        model, field = fields.get(name, ("target", name))
        model_class = {"licence": Licence, "contact": Contact}.get(model, Target)
        assert model_class._meta.get_field(field).max_length == limit, name


def test_checked_imports_left_uncommitted_expire(world):
    job = check(world, csv_bytes([licence_row()]))
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=8))
    fresh = check(world, csv_bytes([licence_row(code=CODE_B)]))  # creating a job tidies up
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not StagedTarget.objects.filter(job_id=job.pk).exists()
    assert StagedTarget.objects.filter(job_id=fresh.pk).exists()


def test_a_cancelled_job_is_not_checked_again(world):
    job = check(world, csv_bytes([licence_row()]))
    services.import_job_cancel(actor=world.users["office"], job=job)
    assert services.import_job_validate(job_id=job.pk).status == ImportStatus.CANCELLED


def test_a_file_longer_than_a_batch_is_checked_batch_by_batch(world, monkeypatch):
    monkeypatch.setattr(targets, "CHUNK_ROWS", 2)
    monkeypatch.setattr(targets, "CHUNKS_PER_BATCH", 2)
    seen = []
    codes = [make_valid(f"91140502MA0K{n:05d}") for n in range(100, 111)]
    rows = [licence_row(name=f"公司{n}", code=code) for n, code in enumerate(codes)]
    rows[6] = licence_row(name="公司6", code=BAD_CHECK)
    rows.append(rows[3])  # row 13 repeats row 5
    job = services.import_job_create(actor=world.users["office"], kind="targets",
                                      department=world.office,
                                      upload=io.BytesIO(csv_bytes(rows)),
                                      original_name="f.csv", background=False)
    job = services.import_job_validate(job_id=job.pk,
                                       on_progress=lambda fraction, n: seen.append(n))
    assert seen == [4, 8, 12]
    assert (job.total_rows, job.rejected) == (12, 2)
    assert [i.row for i in job.issues.order_by("row")] == [8, 13]
    assert StagedTarget.objects.filter(job_id=job.pk).count() == 11
    job = services.import_job_commit(actor=world.users["office"], job_id=job.pk)
    assert Target.objects.count() == 10


def _coded_file(bad_row: int, column: str, value: str, rows: int = 12) -> bytes:
    """A licence file with the standards' code columns, one cell wrong on `bad_row`."""
    headers = [*LICENCE_HEADERS, "行政区划代码", "行业代码"]
    lines = []
    for row in range(2, rows + 1):  # the header is row 1
        cells = {"行政区划代码": "140521", "行业代码": "K7020"}
        if row == bad_row:
            cells[column] = value
        lines.append([*licence_row(code=make_valid(f"91140521MA0K{row:05d}"),
                                   number=f"XK-{row}"), cells["行政区划代码"], cells["行业代码"]])
    return csv_bytes(lines, headers)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("行业代码", "7A20", "7A20 不是国民经济行业分类中的代码"),
    ("行业代码", "L7020", "L7020 不是国民经济行业分类中的代码"),
    ("行政区划代码", "140599", "140599 不是现行行政区划代码"),
])
def test_a_code_not_in_the_standards_table_is_a_row_error(world, column, value, message):
    job = check(world, _coded_file(12, column, value))
    assert job.rejected == 1 and job.valid_rows == 10
    ((issue),) = job.issues.all()
    with translation.override("zh-hans"):
        assert (issue.row, issue.column, issue.message) == (12, column, message)


def test_known_codes_are_imported_as_written(world):
    job = run(world, _coded_file(0, "行业代码", ""))
    assert job.rejected == 0 and job.imported == 11
    assert set(Target.objects.values_list("region_code", "industry_code")) == {
        ("140521", "K7020")}


def test_a_file_checked_by_the_workers_refuses_unknown_codes_too(world, monkeypatch):
    """On PostgreSQL every CSV goes to the worker processes (the polars block check)."""
    monkeypatch.setattr(targets, "PARALLEL_MIN_BYTES", 0)
    data = _coded_file(300, "行业代码", "7099", rows=400)
    job = check(world, data)
    assert [(i.row, i.column) for i in job.issues.all()] == [(300, "行业代码")]
