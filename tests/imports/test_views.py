"""The browser flow: upload → check → preview and mapping → commit → summary, and who may."""

import io

import pytest
from openpyxl import load_workbook

from shuangsuiji.entities.models import Target
from shuangsuiji.imports import services
from shuangsuiji.imports.choices import ImportStatus
from shuangsuiji.imports.models import ImportJob, StagedTarget

from .conftest import CODE_B, LICENCE_HEADERS, check, csv_bytes, licence_row

pytestmark = pytest.mark.django_db

BAD = CODE_B[:-1] + ("0" if CODE_B[-1] != "0" else "1")


def upload(client, world, data, name="许可.csv", department=None, **extra):
    file = io.BytesIO(data)
    file.name = name
    return client.post("/imports/", {"kind": "targets", "mode": "valid", "file": file,
                                     "department": (department or world.office).pk, **extra})


@pytest.fixture
def office(client, world):
    client.force_login(world.users["office"])
    return client


def test_upload_preview_commit_and_summary(world, office, django_capture_on_commit_callbacks):
    page = office.get("/imports/")
    assert page.status_code == 200 and b'type="file"' in page.content
    data = csv_bytes([licence_row(), licence_row(code=BAD, number="XK-9")])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(office, world, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.file.name.startswith("imports/") and "许可" not in job.file.name

    preview = office.get(f"/imports/{job.pk}/").content.decode()
    assert "行政相对人名称" in preview  # the mapping and the first rows
    assert "晋城市甲建材有限公司" in preview
    assert "check character" in preview and ">3<" in preview  # the problem, with its row
    assert f"/imports/{job.pk}/problems.csv" in preview
    assert Target.objects.count() == 0  # nothing written before the commit

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"/imports/{job.pk}/commit/", {"mode": "valid"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Target.objects.count() == 1
    summary = office.get(f"/imports/{job.pk}/").content.decode()
    assert "Imported" in summary and "check character" in summary
    assert "<progress" not in summary


def test_the_page_follows_a_running_check(world, office):
    upload(office, world, csv_bytes([licence_row()]))  # the task waits for the commit
    job = ImportJob.objects.get()
    page = office.get(f"/imports/{job.pk}/").content.decode()
    assert "<progress" in page and 'http-equiv="refresh"' in page and "progress.js" in page
    status = office.get(f"/imports/{job.pk}/status.json").json()
    assert status["running"] and status["status"] == "uploaded" and status["progress"] == 0


def test_columns_are_mapped_on_the_preview_page(world, office,
                                                django_capture_on_commit_callbacks):
    data = csv_bytes([[*licence_row(), "x"]], headers=[*LICENCE_HEADERS, "内部备注"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(office, world, data)
    job = ImportJob.objects.get()
    page = office.get(f"/imports/{job.pk}/").content.decode()
    assert "内部备注" in page and job.file_problems == 1
    assert "Import 1 rows" not in page  # no commit while a column is unclear
    unknown = job.headers.index("内部备注")
    fields = {f"col_{i}": "?" for i in range(len(job.headers))}
    fields[f"col_{unknown}"] = ""  # ignore it
    with django_capture_on_commit_callbacks(execute=True):
        office.post(f"/imports/{job.pk}/mapping/", fields)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and job.file_problems == 0
    assert job.column_map == {"内部备注": ""}


def test_problems_download_as_csv_and_xlsx(world, office):
    job = check(world, csv_bytes([licence_row(), licence_row(code=BAD, number="XK-9")]))
    response = office.get(f"/imports/{job.pk}/problems.csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffRow,Column,Reason")
    assert "3,统一社会信用代码," in text
    response = office.get(f"/imports/{job.pk}/problems.xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)))
                .active.iter_rows(values_only=True))
    assert rows[1][:2] == (3, "统一社会信用代码")
    assert office.get(f"/imports/{job.pk}/problems.pdf").status_code == 404


def test_a_checked_import_can_be_cancelled(world, office):
    job = check(world, csv_bytes([licence_row()]))
    assert StagedTarget.objects.filter(job_id=job.pk).exists()
    office.post(f"/imports/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not StagedTarget.objects.filter(job_id=job.pk).exists()
    office.post(f"/imports/{job.pk}/commit/", {"mode": "valid"})
    assert Target.objects.count() == 0


@pytest.mark.parametrize(("name", "data", "message"), [
    ("许可.txt", b"a,b\n", "Only .csv and .xlsx"),
    ("许可.xlsx", b"not a zip", "not an Excel workbook"),
    ("许可.csv", b"", "empty"),
])
def test_uploads_are_checked_for_type(world, office, name, data, message):
    response = upload(office, world, data, name=name)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_uploads_are_checked_for_size(world, office, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 100)
    response = upload(office, world, csv_bytes([licence_row()] * 5))
    assert "larger than" in response.content.decode()


def test_only_departments_in_scope_can_receive_an_import(world, office):
    response = upload(office, world, csv_bytes([licence_row()]), department=world.fire)
    assert response.status_code == 200 and not ImportJob.objects.exists()


@pytest.mark.parametrize("user", ["section", "inspector", "expert", "leader"])
def test_roles_without_imports_are_refused(world, client, user):
    client.force_login(world.users[user])
    assert client.get("/imports/").status_code == 403
    file = io.BytesIO(csv_bytes([licence_row()]))
    file.name = "x.csv"
    assert client.post("/imports/", {"kind": "targets", "file": file, "mode": "valid",
                                     "department": world.office.pk}).status_code == 403


def test_another_organisation_cannot_see_or_commit_the_job(world, client):
    job = check(world, csv_bytes([licence_row()]))
    client.force_login(world.users["other_office"])
    for url in (f"/imports/{job.pk}/", f"/imports/{job.pk}/status.json",
                f"/imports/{job.pk}/problems.csv"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/imports/{job.pk}/commit/", {"mode": "valid"}).status_code == 404
    assert client.post(f"/imports/{job.pk}/mapping/", {}).status_code == 404
    assert client.post(f"/imports/{job.pk}/cancel/").status_code == 404
    assert job.original_name not in client.get("/imports/").content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and Target.objects.count() == 0


def test_the_cooperating_department_imports_into_its_own_directory(
        world, client, django_capture_on_commit_callbacks):
    client.force_login(world.users["partner"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world, csv_bytes([licence_row()]), department=world.brigade)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/commit/", {"mode": "all"})
    assert Target.objects.get().department == world.brigade


def test_an_administrator_sees_every_job(world, client):
    job = check(world, csv_bytes([licence_row()]))
    client.force_login(world.users["admin"])
    assert client.get(f"/imports/{job.pk}/").status_code == 200


def test_the_item_list_downloads_as_excel(world, office):
    response = office.get("/imports/items.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)))
                .active.iter_rows(values_only=True))
    assert rows[0][0] == "编码"


def test_the_mapping_names_each_field_as_the_standard_header_does(world, office,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(office, world, csv_bytes([licence_row()]))
    job = ImportJob.objects.get()
    zh = office.get(f"/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">企业名称<" in zh and "姓名 · 企业名称" not in zh and "名称 · 企业名称" not in zh
    en = office.get(f"/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Name · 企业名称<" in en
