"""Zip bombs: a workbook of a few hundred kilobytes whose one cell expands to 400 MB (issue 18
§4). It took a worker to 5.7 GB and ended "validated"; it is now refused before it is read,
on the upload page, by the service and by the command line, with a message naming the file
and the reason, and reading it costs no memory to speak of."""

import base64
import io
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import translation

from shuangsuiji.imports import services
from shuangsuiji.imports.choices import ImportKind, ImportStatus
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.rules import xlsx_guard
from tests.imports.conftest import licence_row, xlsx_bytes

pytestmark = pytest.mark.django_db

BOMB_MB = 400


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}


def workbook_with(path: Path, *, cell: bytes = b"", repeat: int = 1, sheet_xml=None) -> Path:
    """A real workbook (header and a licence row) with one more cell: `cell` × `repeat`."""
    base = xlsx_bytes([licence_row()])
    with zipfile.ZipFile(io.BytesIO(base)) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, data)
                continue
            if sheet_xml is not None:
                out.writestr(info.filename, sheet_xml(data))
                continue
            head, tail = data.split(b"</sheetData>")
            with out.open(info.filename, "w", force_zip64=True) as member:
                member.write(head + b'<row r="3"><c r="A3" t="inlineStr"><is><t>')
                for _ in range(repeat):
                    member.write(cell)
                member.write(b"</t></is></c></row></sheetData>" + tail)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """412 KB or so that declare a 400 MB cell."""
    path = tmp_path_factory.mktemp("bomb") / "许可信息.xlsx"
    workbook_with(path, cell=b"A" * (1 << 20), repeat=BOMB_MB)
    assert path.stat().st_size < 1024 * 1024
    return path


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_it_refuses_the_bomb_on_the_upload_page(world, client, bomb):
    client.force_login(world.users["office"])
    with bomb.open("rb") as file, translation.override("zh-hans"):
        response = client.post("/imports/", {"kind": "targets", "mode": "valid", "file": file,
                                             "department": world.office.pk},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200  # the form again, with the reason
    page = response.content.decode()
    assert "许可信息.xlsx" in page and "压缩炸弹" in page
    assert not ImportJob.objects.exists()


def test_it_refuses_the_bomb_in_the_service_before_reading_it(world, bomb):
    before = maxrss_mb()
    with bomb.open("rb") as file, pytest.raises(ValidationError) as refused:
        services.import_job_create(actor=world.users["office"], kind=ImportKind.TARGETS,
                                   department=world.office, upload=file,
                                   original_name=bomb.name, background=False)
    assert "许可信息.xlsx" in refused.value.messages[0]
    assert "xl/worksheets/sheet1.xml" in refused.value.messages[0]
    assert not ImportJob.objects.exists()
    assert maxrss_mb() - before < 100


def test_it_refuses_the_bomb_on_the_command_line(world, bomb):
    before = maxrss_mb()
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("import_data", "targets", str(bomb), "--department", "RFB",
                     stdout=io.StringIO(), stderr=io.StringIO())
    message = str(refused.value)
    assert "许可信息.xlsx" in message and "压缩炸弹" in message, message
    assert refused.value.returncode == 3
    assert not ImportJob.objects.exists()
    assert maxrss_mb() - before < 100


READ = (
    "import resource, sys\n"
    "from shuangsuiji.rules.tabular import TableError, open_table\n"
    "try:\n"
    "    with open_table(sys.argv[1], name='bomb.xlsx') as table:\n"
    "        rows = sum(1 for _ in table.rows)\n"
    "    print('read', rows)\n"
    "except TableError as exc:\n"
    "    print('refused', exc)\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")


def _read_in_a_process(path: Path) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True,
                          text=True, timeout=300, check=True, cwd=Path(__file__).parents[2])
    verdict, peak = done.stdout.strip().rsplit("\n", 1)
    return verdict, int(peak)


def test_it_reads_the_bomb_in_bounded_memory(bomb, tmp_path):
    """In a fresh process: the reader refuses the file, and its peak stays that of a small
    workbook (the unguarded reader went past a gigabyte)."""
    small = tmp_path / "small.xlsx"
    small.write_bytes(xlsx_bytes([licence_row()]))
    verdict, baseline = _read_in_a_process(small)
    assert verdict == "read 1"
    verdict, peak = _read_in_a_process(bomb)
    assert verdict.startswith("refused") and "compressed bomb" in verdict, verdict
    assert peak - baseline < 50, f"{peak} MB (a small workbook: {baseline} MB)"


def _stored_job(world, path: Path) -> ImportJob:
    """A job whose file skipped the upload's check (an older upload, another way in)."""
    job = ImportJob(kind=ImportKind.TARGETS, department=world.office, original_name=path.name,
                    sha256="0" * 64, created_by=world.users["office"])
    job.file.save("stored.xlsx", ContentFile(path.read_bytes()), save=False)
    job.save()
    return job


def test_the_check_stops_at_a_cell_longer_than_excel_allows(world, tmp_path):
    # Random text compresses little: the ratio passes, the streaming count does not.
    path = workbook_with(tmp_path / "长文本.xlsx",
                         cell=base64.b64encode(os.urandom(3 << 18)), repeat=1)
    with translation.override("zh-hans"):
        job = services.import_job_validate(job_id=_stored_job(world, path).pk)
    assert job.status == ImportStatus.REJECTED
    assert "长文本.xlsx" in job.message and "32,767" in job.message, job.message
    assert job.issues.filter(file_level=True).count() == 1


def test_the_check_counts_the_cells(world, tmp_path, settings):
    settings.SHUANGSUIJI_XLSX_MAX_CELLS = 20  # the file has 26 (two rows of 13)
    path = tmp_path / "许可.xlsx"
    path.write_bytes(xlsx_bytes([licence_row()]))
    with translation.override("en"):
        job = services.import_job_validate(job_id=_stored_job(world, path).pk)
    assert job.status == ImportStatus.REJECTED
    assert "more than 20 cells" in job.message


def test_it_refuses_a_sheet_declared_16384_columns_wide(world, tmp_path):
    # openpyxl pads every row to the declared width: a million rows of 16,384 empty cells.
    def wide(xml: bytes) -> bytes:
        start = xml.index(b"<dimension")
        end = xml.index(b">", start) + 1
        return xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[end:]

    path = workbook_with(tmp_path / "宽.xlsx", sheet_xml=wide)
    with translation.override("en"):
        job = services.import_job_validate(job_id=_stored_job(world, path).pk)
    assert job.status == ImportStatus.REJECTED and "beyond ZZ" in job.message


def test_a_real_workbook_passes_the_guard(tmp_path):
    path = tmp_path / "real.xlsx"
    path.write_bytes(xlsx_bytes([licence_row(number=f"XK-{n}") for n in range(2000)]))
    with path.open("rb") as stream:
        xlsx_guard.check_archive(stream)
        assert stream.tell() == 0


def test_the_risk_class_import_refuses_the_bomb(world, bomb):
    from shuangsuiji.credit import services as credit

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        credit.risk_import_check(organisation_id=world.office.pk, name=bomb.name,
                                 data=bomb.read_bytes())
    (message,) = refused.value.message_dict["file"]
    assert "许可信息.xlsx" in message and "压缩炸弹" in message
