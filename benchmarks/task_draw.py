"""Benchmark: the platform's own freeze, draw, export and verify on a province-sized directory.

    .venv/bin/python benchmarks/task_draw.py [--targets 1000000]

benchmarks/draw.py times the draw's arithmetic against the naive ORDER BY random(); this
times what an operator waits for in the product, through its services, on PostgreSQL: a
directory of N targets (some without a code, some without a risk class), a joint task of two
departments stratified by risk class, then task_freeze (the pool into the database,
set-wise, its digest), draw_execute (the record hashed, drawn targets, groups), the full
record exported twice as the pages and the API stream it (the first export makes the record
file from the frozen pool, the second streams the file kept), and `shuangsuiji draw verify`
on it.
Creates and migrates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/shuangsuiji_taskbench; dropped and created again).
"""

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from import_targets import ROOT, fresh_database, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shuangsuiji_taskbench"
RISK = ["A", "B", "B", "C", "D", ""]


def load_targets(department_id: int, n: int) -> None:
    """N targets by COPY: valid codes, 1 in 200 without one, risk classes A-D or none."""
    from django.db import connection

    from shuangsuiji.entities.models import Target
    from shuangsuiji.rules.uscc import make_valid

    columns = ["department_id", "uscc", "no_code_reason", "name", "entity_type", "legal_rep",
               "address", "region_code", "industry_code", "registration_authority",
               "locality", "reg_status", "risk_class", "source", "fingerprint",
               "created_at", "updated_at"]
    now = datetime.now(ZoneInfo("Asia/Shanghai")).isoformat()
    with connection.cursor() as cursor, cursor.connection.cursor().copy(
            f"COPY {Target._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        for i in range(n):
            code = None if i % 200 == 7 else make_valid(f"91140500MA{i:07X}")
            copy.write_row((department_id, code, "" if code else "个体工商户",
                            f"晋城市基准企业{i}有限公司", "", "", "", "140502", "E4811", "", "",
                            "active", RISK[i % len(RISK)], "manual", "", now, now))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Target._meta.db_table}")


def build_task(n: int) -> tuple[object, object]:
    from shuangsuiji.accounts.choices import DepartmentKind, Role
    from shuangsuiji.accounts.models import Department, User
    from shuangsuiji.catalog.models import InspectionItem
    from shuangsuiji.inspectors.models import Certificate, Inspector, InspectorStatusChange
    from shuangsuiji.plans.services import task_create, task_set_department, task_set_strata

    office = Department.objects.create(code="RFB", name="人民防空办公室",
                                       kind=DepartmentKind.OFFICE, region_code="140500")
    fire = Department.objects.create(code="XFZD", name="消防救援支队",
                                     kind=DepartmentKind.OFFICE, region_code="140500")
    user = User.objects.create_user(username="bench", password="x", role=Role.ADMIN,
                                    department=office, full_name="基准")
    start = time.perf_counter()
    load_targets(office.pk, n)
    print(f"directory: {n:,} targets loaded in {time.perf_counter() - start:.1f} s")
    for department, prefix, count in ((office, "E", 400), (fire, "F", 300)):
        for i in range(count):
            role = "expert" if prefix == "E" and i % 8 == 0 else "officer"
            inspector = Inspector.objects.create(
                department=department, code=f"{prefix}{i:04d}", name=f"检查员{prefix}{i}",
                role=role, status="active", status_since=date(2015, 1, 1))
            InspectorStatusChange.objects.create(inspector=inspector, status="active",
                                                 effective_on=date(2015, 1, 1))
            if role == "officer":
                Certificate.objects.create(inspector=inspector, number=f"C-{prefix}{i}",
                                           issuer="山西省", valid_from=date(2015, 1, 1),
                                           valid_to=date(2030, 12, 31))
    items = [InspectionItem.objects.create(
        code=code, category="人防监督检查", matter=f"事项{code}", target_type="企业",
        basis="《中华人民共和国人民防空法》", department=department, content="检查内容",
        method="现场检查", is_published=True) for code, department in (("RF-01", office),
                                                                     ("XF-01", fire))]
    task = task_create(actor=user, data={
        "code": "BENCH-01", "name": "全省人防联合双随机抽查（基准）", "initiating": office,
        "period_start": date(2026, 12, 1), "period_end": date(2027, 3, 31), "ratio": "5",
        "stratification": "risk"})
    task_set_department(actor=user, task=task, department_id=office.pk,
                        item_ids=[items[0].pk], role="initiating", experts=1)
    task_set_department(actor=user, task=task, department_id=fire.pk, item_ids=[items[1].pk])
    task_set_strata(actor=user, task=task, rules={"A": {"ratio": "1"}, "B": {"ratio": "3"},
                                                  "C": {"ratio": "5"}, "D": {"ratio": "10"},
                                                  "U": {"ratio": "5"}})
    return user, task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true",
                        help="print where freeze and draw spend their time (cProfile)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    work = Path(tempfile.mkdtemp(prefix="shuangsuiji-taskbench-"))
    fresh_database(url, keep=False)
    setup_django(url, work)
    from django.utils import timezone

    from shuangsuiji.draws.services import draw_execute, record_stream, task_freeze

    user, task = build_task(args.targets)
    steps: dict[str, float] = {}
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    start = time.perf_counter()
    freeze = task_freeze(actor=user, task=task, planned_draw_at=timezone.now())
    steps["task_freeze (pool into the database, digest)"] = time.perf_counter() - start
    mark = time.perf_counter()
    draw = draw_execute(actor=user, task=task, ceremony_input="38201958377102938475",
                        witnesses=["甲", "乙"], source="十面骰子 20 次")
    steps["draw_execute (record digest, targets, groups)"] = time.perf_counter() - mark
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    path = work / "record.json"
    for step in ("first export (makes the record file)", "export of the full record (streamed)"):
        mark = time.perf_counter()
        with path.open("wb") as out:
            for chunk in record_stream(task, public=False):
                out.write(chunk)
        steps[step] = time.perf_counter() - mark
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mark = time.perf_counter()
    verdict = subprocess.run([sys.executable, "-m", "shuangsuiji.cli", "draw", "verify",
                              str(path)], capture_output=True, text=True, cwd=ROOT, check=False)
    steps["draw verify on that file (separate process)"] = time.perf_counter() - mark
    drawn = draw.targets.count()
    print(f"pool: {freeze.pool_size:,} candidates {freeze.pool_strata}; drawn {drawn:,}; "
          f"groups {draw.task.assignments.count():,} assignments")
    for step, seconds in steps.items():
        print(f"  {step:48s} {seconds:7.2f} s")
    print(f"record {path.stat().st_size / 1e6:,.0f} MB; verify: {verdict.stdout.strip()} "
          f"(exit {verdict.returncode}); peak memory of the platform's process "
          f"{peak / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
