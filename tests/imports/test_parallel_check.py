"""Large CSV files are checked by several processes: the outcome is the serial one's."""

import io

import pytest
from django.db import connection

from shuangsuiji.imports import services, targets
from shuangsuiji.imports.models import StagedLaterRow, StagedTarget
from shuangsuiji.rules import parallel_check
from shuangsuiji.rules.uscc import make_valid

from .conftest import csv_bytes, licence_row

pytestmark = pytest.mark.django_db


def _file(multi_line_at: int | None = None) -> bytes:
    rows = []
    for n in range(60):
        code = make_valid(f"91140502MA0K{n:05d}")
        overrides = {}
        if n % 7 == 3:
            overrides["许可决定日期"] = "2023年4月1日"  # a row the workers recheck
        if n % 11 == 5:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a bad check character
        if n == multi_line_at:
            overrides["许可内容"] = "人防工程\n易地建设审批"  # a quoted field over two lines
        rows.append(licence_row(name=f"公司{n}", code=code, number=f"XK-{n}", **overrides))
    rows.append(rows[10])  # a repeated row
    return csv_bytes(rows)


def _check(world, data: bytes) -> tuple:
    job = services.import_job_create(actor=world.users["office"], kind="targets",
                                      department=world.office, upload=io.BytesIO(data),
                                      original_name="f.csv", background=False)
    job = services.import_job_validate(job_id=job.pk)
    staged = sorted(StagedTarget.objects.filter(job_id=job.pk).values_list(
        "row", "uscc", "lic_item", "lic_decided_on", "rejected"))
    later = sorted(StagedLaterRow.objects.filter(job_id=job.pk).values_list("row", flat=True))
    issues = list(job.issues.order_by("row", "id").values_list("row", "column", "reason"))
    return (job.total_rows, job.rejected, job.preview), staged, later, issues


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel checks feed COPY")
@pytest.mark.parametrize("multi_line_at", [None, 33])
def test_parallel_checking_gives_the_serial_results(world, monkeypatch, multi_line_at):
    data = _file(multi_line_at)
    serial = _check(world, data)
    monkeypatch.setattr(targets, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(targets, "PARALLEL_MAX_PROCESSES", 2)
    monkeypatch.setattr(targets.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel_check, "BLOCK_BYTES", 2000)  # a few lines per block
    used = []
    # Let every block handed out finish (and stage its rows) before the pool stops: the
    # worst case when the parent takes over at a multi-line field.
    monkeypatch.setattr(parallel_check.ParallelChecker, "close",
                        lambda self: (used.append(True), self.pool.close(), self.pool.join()))
    parallel = _check(world, data)
    assert used  # the workers did the checking
    assert parallel == serial
    assert serial[0][:2] == (61, 6)  # rows, rejected
    assert serial[2]  # the repeated row is a later row of its entity
