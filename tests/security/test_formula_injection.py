"""Formula injection: text planted in the data comes back inert in every file the platform
writes (issue 18 §4). Every .xlsx is read back cell by cell and in its raw XML (no formula
anywhere, the planted text a string cell); every CSV field is checked for a leading
= + - @ (the planted text carries the apostrophe the writer adds)."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core import sheets
from shuangsuiji.entities.models import Target
from shuangsuiji.imports import services as imports
from shuangsuiji.imports.choices import ImportKind
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.inspections.models import Visit
from shuangsuiji.oversight import views as oversight_views
from shuangsuiji.publication import services as publication
from shuangsuiji.rules import spreadsheet
from tests.api.conftest import item_data
from tests.imports.conftest import LICENCE_HEADERS, csv_bytes, licence_row
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401
from tests.oversight.conftest import TODAY, extra_targets, known  # noqa: F401
from tests.publication.conftest import approve

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example","点击查看")'
STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}


def assert_xlsx_inert(data: bytes, planted: str = EVIL) -> list[list[object]]:
    """No formula in the workbook; the planted text is there as a string cell."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name
    book = load_workbook(io.BytesIO(data))
    found = False
    rows = []
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            rows.append([c.value for c in line])
            for c in line:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value.startswith(STARTS):
                    # Text, shown and kept as text (Excel's own mark for a text typed after ').
                    assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.value)
                found = found or (isinstance(c.value, str) and planted in c.value)
    assert found, "the planted text is not in the file"
    return rows


def assert_csv_inert(text: str, planted: str = EVIL) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@")), value
    assert any("'" + planted in value for row in rows for value in row)
    return rows


# -- The rule and the writer ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [EVIL, "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_it_neutralises_every_formula_start(text):
    assert spreadsheet.neutralise(text) == "'" + text
    assert spreadsheet.csv_cell(text) == "'" + text


def test_it_leaves_plain_text_numbers_and_dates_as_they_are():
    assert spreadsheet.neutralise("晋城市甲建材有限公司") == "晋城市甲建材有限公司"
    assert spreadsheet.neutralise("a=b") == "a=b" and spreadsheet.neutralise("") == ""
    assert spreadsheet.csv_cell(-5) == "-5" and spreadsheet.csv_cell(Decimal("-1.5")) == "-1.5"
    assert spreadsheet.csv_cell(date(2026, 1, 2)) == "2026-01-02"
    assert spreadsheet.csv_cell(None) == ""
    book = sheets.workbook()
    sheet = book.create_sheet("t")
    sheets.append(sheet, [-5, 2.5, date(2026, 1, 2), "-5", EVIL])
    out = io.BytesIO()
    sheets.save(book, out)
    (cells,) = [list(r) for r in load_workbook(io.BytesIO(out.getvalue()))["t"].iter_rows()]
    assert (cells[0].value, cells[0].data_type) == (-5, "n")  # a number stays a number
    assert cells[1].value == 2.5 and cells[2].value.date() == date(2026, 1, 2)
    assert (cells[3].value, cells[3].data_type) == ("-5", "s")  # text stays the same text
    assert (cells[4].value, cells[4].data_type) == (EVIL, "s")
    assert_xlsx_inert(out.getvalue())
    assert sheets.csv_bytes([[-5, "-5", EVIL]]).decode("utf-8-sig") == (
        "-5,'-5,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点击查看\"\")\"\r\n")


# -- Imports: the problem files (page and command line) -------------------------------------------

def _evil_upload(world):
    data = csv_bytes([licence_row()], headers=[*LICENCE_HEADERS, EVIL])
    job = imports.import_job_create(actor=world.users["office"], kind=ImportKind.TARGETS,
                                    department=world.office, upload=io.BytesIO(data),
                                    original_name="许可.csv", background=False)
    return imports.import_job_validate(job_id=job.pk), data


def test_it_writes_an_imported_header_inert_in_the_problem_files(world, client):
    job, _data = _evil_upload(world)
    assert job.issues.filter(column=EVIL).exists()
    client.force_login(world.users["office"])
    response = client.get(f"/imports/{job.pk}/problems.xlsx")
    assert response.status_code == 200
    assert_xlsx_inert(b"".join(response.streaming_content))
    response = client.get(f"/imports/{job.pk}/problems.csv")
    assert response.status_code == 200
    assert_csv_inert(b"".join(response.streaming_content).decode("utf-8"))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_it_writes_the_command_lines_errors_file_inert(world, tmp_path, suffix):
    source = tmp_path / "许可.csv"
    source.write_bytes(csv_bytes([licence_row()], headers=[*LICENCE_HEADERS, EVIL]))
    errors = tmp_path / f"errors{suffix}"
    with pytest.raises(SystemExit):
        call_command("import_data", "targets", str(source), "--department", "RFB",
                     "--errors-file", str(errors), stdout=io.StringIO(), stderr=io.StringIO())
    assert ImportJob.objects.filter(original_name="许可.csv").exists()
    if suffix == ".xlsx":
        assert_xlsx_inert(errors.read_bytes())
    else:
        assert_csv_inert(errors.read_text(encoding="utf-8"))


# -- The item list: set through the API, exported on the page and by the command ------------------

def test_it_exports_an_items_sub_item_set_through_the_api_inert(world, client, tmp_path):
    api = APIClient()
    api.force_authenticate(world.users["office"])
    data = item_data("RFB-901", world.engineering) | {"reason": "新增事项"}
    response = api.post("/api/v1/items/", data, format="json")
    assert response.status_code == 201, response.content
    item = InspectionItem.objects.get(pk=response.json()["id"])
    response = api.patch(f"/api/v1/items/{item.pk}/", {"sub_item": EVIL, "reason": "调整"},
                         format="json")
    assert response.status_code == 200, response.content
    client.force_login(world.users["office"])
    response = client.get("/imports/items.xlsx")
    assert response.status_code == 200
    rows = assert_xlsx_inert(b"".join(response.streaming_content))
    # The value itself is kept: the item import reads the file back to the same text.
    assert any(EVIL in row for row in rows)
    path = tmp_path / "items.xlsx"
    call_command("export_data", "items", str(path), stdout=io.StringIO())
    assert_xlsx_inert(path.read_bytes())


# -- Publication: the batches for the credit platforms (service and command line) -----------------

@pytest.fixture
def evil_result(world, drawn_task):  # noqa: F811
    visit = Visit.objects.filter(task=drawn_task.task).order_by("pk").first()
    Target.objects.filter(pk=visit.drawn_target.target_id).update(name=EVIL)
    result = visit.inspections.get(department=world.office)
    result = approve(world, result, categories=["corrected"], summary=EVIL)
    publication.result_publish(actor=world.users["office"], inspection=result,
                               today=date(2026, 11, 2))
    return result


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_writes_published_results_inert_in_the_export_batches(world, evil_result, fmt):
    batch = publication.export_batch_create(actor=world.users["office"],
                                            organisation=world.office, channel="national",
                                            fmt=fmt)
    with batch.file.open("rb") as stored:
        data = stored.read()
    if fmt == "csv":
        assert_csv_inert(data.decode("utf-8"))
    else:
        assert_xlsx_inert(data)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_it_writes_the_command_lines_results_export_inert(world, evil_result, tmp_path, suffix):
    path = tmp_path / f"results{suffix}"
    call_command("export_data", "results", str(path), "--channel", "city", "--department",
                 "RFB", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    if suffix == ".csv":
        assert_csv_inert(path.read_text(encoding="utf-8"))
    else:
        assert_xlsx_inert(path.read_bytes())


# -- Oversight: the annual report ------------------------------------------------------------------

def test_it_writes_a_targets_name_inert_in_the_annual_report(world, known, client,  # noqa: F811
                                                            monkeypatch):
    monkeypatch.setattr(oversight_views, "today", lambda: TODAY)
    Target.objects.filter(pk=known.r1.visit.drawn_target.target_id).update(name=EVIL)
    client.force_login(world.users["leader"])
    with translation.override("zh-hans"):
        response = client.get(reverse("oversight:report_xlsx") + "?year=2026")
    assert response.status_code == 200
    rows = assert_xlsx_inert(response.content)
    # Figures stay numbers.
    assert any(isinstance(v, int) and not isinstance(v, bool) for row in rows for v in row)


# -- One writer ------------------------------------------------------------------------------------

def test_it_writes_spreadsheets_and_csv_only_through_the_one_writer():
    """No module but core/sheets.py makes a workbook or a CSV writer of its own."""
    import re
    from pathlib import Path

    import shuangsuiji

    root = Path(shuangsuiji.__file__).parent
    # The demo writes the bureau's export it then imports, and the licence API (审管联动) the
    # rows it receives as the file its import reads: inputs, never downloads.
    allowed = {root / "core" / "sheets.py", root / "demo" / "builder.py",
               root / "exchange" / "licences.py"}
    pattern = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|WriteOnlyCell\(|"
                         r"\.save_workbook\(")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path not in allowed and pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
