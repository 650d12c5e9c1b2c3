"""Files in the shapes the licensing bureau and the offices export, and running imports."""

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.utils import translation

from shuangsuiji.imports import services
from shuangsuiji.imports.choices import ImportKind, ImportMode
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.rules.uscc import make_valid

# The 双公示 行政许可 columns, as the bureau exports them.
LICENCE_HEADERS = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人",
                   "许可决定书文号", "许可证书名称", "许可编号", "许可内容", "许可决定日期",
                   "有效期自", "有效期至", "许可机关", "当前状态"]

CODE_A = make_valid("91140502MA0K00001")
CODE_B = make_valid("91140502MA0K00002")
CODE_C = make_valid("91140502MA0K00003")


def licence_row(name: str = "晋城市甲建材有限公司", code: str = CODE_A, number: str = "XK-001",
                **overrides: str) -> list[str]:
    row = {"行政相对人名称": name, "行政相对人类别": "法人及非法人组织", "统一社会信用代码": code,
           "法定代表人": "张三", "许可决定书文号": "晋人防许〔2023〕1号",
           "许可证书名称": "人防工程易地建设审批", "许可编号": number,
           "许可内容": "人防工程易地建设审批", "许可决定日期": "2023-04-01",
           "有效期自": "2023-04-01", "有效期至": "2028-03-31",
           "许可机关": "晋城市人民防空办公室", "当前状态": "存续"}
    row.update(overrides)
    return [row[h] for h in LICENCE_HEADERS]


def csv_bytes(rows: Sequence[Sequence[Any]], headers: Sequence[str] = LICENCE_HEADERS,
              encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], headers: Sequence[str] = LICENCE_HEADERS) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check(world: Any, data: bytes, *, name: str = "许可信息.csv",
          kind: str = ImportKind.TARGETS, user: str = "office", department: Any = None,
          column_map: dict[str, str] | None = None) -> ImportJob:
    """Upload and check a file, as the background task would."""
    job = services.import_job_create(
        actor=world.users[user], kind=kind, department=department or world.office,
        upload=io.BytesIO(data), original_name=name, column_map=column_map, background=False)
    return services.import_job_validate(job_id=job.pk)


def run(world: Any, data: bytes, *, mode: str = ImportMode.VALID_ROWS, user: str = "office",
        **options: Any) -> ImportJob:
    """Check and commit a file."""
    job = check(world, data, user=user, **options)
    return services.import_job_commit(actor=world.users[user], job_id=job.pk, mode=mode)


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the msgids), whatever the catalogue holds."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}
    return tmp_path / "private"
