"""`shuangsuiji import …` and `shuangsuiji export items`: output, exit status, dry runs."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from shuangsuiji import cli
from shuangsuiji.catalog.services import item_create
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities.models import Target
from shuangsuiji.imports.models import ImportJob

from .conftest import CODE_A, CODE_B, LICENCE_HEADERS, csv_bytes, licence_row

pytestmark = pytest.mark.django_db

BAD = CODE_B[:-1] + ("0" if CODE_B[-1] != "0" else "1")


def run_command(*args):
    """The exit status of one command."""
    try:
        call_command(*args)
    except SystemExit as exc:
        return exc.code
    return 0


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "许可.csv"
    path.write_bytes(csv_bytes([licence_row(), licence_row(number="XK-002")]))
    return path


@pytest.fixture
def mixed_file(tmp_path):
    path = tmp_path / "许可.csv"
    path.write_bytes(csv_bytes([licence_row(), licence_row(code=BAD, number="XK-9")]))
    return path


def test_json_output_is_one_object_with_counts_and_errors(world, mixed_file, capsys):
    status = run_command("import_data", "targets", str(mixed_file), "--department", "RFB",
                         "--json")
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert status == 1
    assert {k: result[k] for k in ("imported", "updated", "unchanged", "rejected")} == {
        "imported": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    (error,) = result["errors"]
    assert error["row"] == 3 and error["column"] == "统一社会信用代码"
    assert "check character" in error["reason"]
    assert err == ""  # no progress bar with --json
    assert Target.objects.count() == 1


def test_a_clean_file_exits_zero_and_shows_progress(world, good_file, capsys):
    assert run_command("import_data", "targets", str(good_file), "--department", "RFB") == 0
    out, err = capsys.readouterr()
    assert "2 new" in out
    assert "Checking" in err and "100%" in err


def test_all_or_nothing_exits_two_and_imports_nothing(world, mixed_file, capsys):
    status = run_command("import_data", "targets", str(mixed_file), "--department", "RFB",
                         "--all-or-nothing", "--json")
    result = json.loads(capsys.readouterr().out)
    assert status == 2 and result["imported"] == 0 and result["status"] == "rejected"
    assert Target.objects.count() == 0


def test_a_dry_run_reports_and_writes_nothing(world, mixed_file, capsys, private_storage):
    status = run_command("import_data", "targets", str(mixed_file), "--department", "RFB",
                         "--dry-run", "--json")
    result = json.loads(capsys.readouterr().out)
    assert status == 1 and result["dry_run"] and result["imported"] == 1
    assert len(result["errors"]) == 1
    assert Target.objects.count() == 0 and ImportJob.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert not [p for p in private_storage.rglob("*") if p.is_file()]


def test_unknown_columns_exit_two_until_ignored(world, tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes([[*licence_row(), "x"]], headers=[*LICENCE_HEADERS, "备注说明"]))
    assert run_command("import_data", "targets", str(path), "--department", "RFB",
                       "--json") == 2
    result = json.loads(capsys.readouterr().out)
    assert result["errors"][0] == {"row": 1, "column": "备注说明",
                                   "reason": 'unknown column "备注说明": map it to a field or '
                                             "ignore it"}
    assert run_command("import_data", "targets", str(path), "--department", "RFB",
                       "--ignore-column", "备注说明") == 0


def test_columns_can_be_mapped_on_the_command_line(world, tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes([["晋城市丙公司", CODE_A]], headers=["单位全称", "信用号"]))
    assert run_command("import_data", "targets", str(path), "--department", "RFB",
                       "--map", "单位全称=name", "--map", "信用号=统一社会信用代码") == 0
    assert Target.objects.get().name == "晋城市丙公司"


def test_bad_arguments_are_refused(world, good_file):
    with pytest.raises(CommandError, match="HEADER=FIELD"):
        call_command("import_data", "targets", str(good_file), "--map", "nonsense")
    with pytest.raises(CommandError, match="not a field"):
        call_command("import_data", "targets", str(good_file), "--map", "a=colour")
    with pytest.raises(CommandError, match="XYZ"):
        call_command("import_data", "targets", str(good_file), "--department", "XYZ")
    with pytest.raises(CommandError):
        call_command("import_data", "targets", str(good_file) + ".missing")


def test_the_errors_file_lists_the_rejected_rows(world, mixed_file, tmp_path, capsys):
    report = tmp_path / "problems.xlsx"
    run_command("import_data", "targets", str(mixed_file), "--department", "RFB",
                "--errors-file", str(report))
    rows = list(load_workbook(report).active.iter_rows(values_only=True))
    assert rows[1][:2] == (3, "统一社会信用代码")


def test_the_changes_are_recorded_for_the_named_user(world, good_file):
    run_command("import_data", "targets", str(good_file), "--department", "RFB", "--user",
                "office")
    assert AuditEvent.objects.get().actor == world.users["office"]


def test_the_shuangsuiji_command_maps_import_and_export(world, good_file, monkeypatch):
    seen = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main(["import", "targets", str(good_file)])
    cli.main(["export", "items", "x.xlsx"])
    assert [argv[1] for argv in seen] == ["import_data", "export_data"]


def test_items_are_exported_with_the_import_headers(world, tmp_path, capsys):
    item_create(actor=None, data={"code": "RF-01", "category": "人防工程", "matter": "建设",
                                  "target_type": "建设单位", "basis": "《人民防空法》",
                                  "department": world.office, "content": "内容",
                                  "method": "现场检查", "kind": "key"})
    path = tmp_path / "items.xlsx"
    call_command("export_data", "items", str(path))
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编码", "抽查类别", "抽查事项")
    assert rows[1][0] == "RF-01" and "重点" in rows[1]
    assert world.office.name in rows[1]
