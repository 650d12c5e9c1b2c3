"""Benchmark: GET /api/v1/targets/ over a directory of a million targets, on PostgreSQL.

    .venv/bin/python benchmarks/api_target_list.py [--rows 1000000]

Creates and migrates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/shuangsuiji_apibench), fills one organisation's directory
with generated targets in SQL, then times the API (in-process, through Django's full stack,
signed in as the office) for the first page, a page deep in the directory, and the filters.
For contrast it also times what numbered pages would cost there: COUNT(*) and OFFSET.
"""

import argparse
import base64
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shuangsuiji_apibench"


def _setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("SHUANGSUIJI_DATA_DIR", "/tmp/shuangsuiji-apibench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangsuiji.config.settings_test")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    try:
        connection.ensure_connection()
    except Exception:  # the database does not exist yet
        import psycopg
        url = os.environ["DATABASE_URL"]
        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def _fill(rows: int) -> tuple[object, int]:
    from django.db import connection

    from shuangsuiji.accounts.choices import DepartmentKind, Role
    from shuangsuiji.accounts.models import Department, User

    office, _ = Department.objects.get_or_create(
        code="BENCH", defaults={"name": "基准测试办公室", "kind": DepartmentKind.OFFICE})
    user, _ = User.objects.get_or_create(username="bench-office",
                                         defaults={"role": Role.OFFICE, "department": office})
    have = office.targets.count()
    if have < rows:
        start = time.perf_counter()
        with connection.cursor() as cur:
            # Codes are left NULL (with a reason) so generation needs no check-digit arithmetic;
            # names, regions, industries and statuses vary as real directories do.
            cur.execute("""
                INSERT INTO entities_target (department_id, uscc, no_code_reason, name,
                    entity_type, legal_rep, address, region_code, industry_code,
                    registration_authority, locality, reg_status, risk_class, source,
                    fingerprint, created_at, updated_at)
                SELECT %s, NULL, 'bench', '晋城' || (ARRAY['商贸','建材','物业','能源','医药'])
                           [1 + i %% 5] || '有限公司' || i, '', '', '',
                       (ARRAY['140502','140525','140581','140522','140524','140521'])[1 + i %% 6],
                       (ARRAY['F5191','C3021','K7020','E4700','D4411'])[1 + i %% 5], '', '',
                       CASE WHEN i %% 50 = 0 THEN 'deregistered' ELSE 'active' END,
                       (ARRAY['A','B','C','D',''])[1 + i %% 5], 'demo', '',
                       now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval
                FROM generate_series(%s, %s) AS i
            """, [office.pk, have + 1, rows])
            cur.execute("ANALYZE entities_target")
        print(f"inserted {rows - have:,} targets in {time.perf_counter() - start:.1f} s")
    return user, office.pk


def _time(label: str, call: Callable[[], object], runs: int = 5) -> None:
    call()  # warm caches and connection
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    print(f"{label:<58} median {statistics.median(samples):8.1f} ms  "
          f"max {max(samples):8.1f} ms")


def _cursor_after(position: int) -> str:
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    _setup_django()
    from rest_framework.test import APIClient

    from shuangsuiji.entities.models import Target

    user, department_id = _fill(args.rows)
    client = APIClient(SERVER_NAME="localhost")
    client.force_authenticate(user)
    ids = Target.objects.filter(department_id=department_id).order_by("id")
    deep = ids.values_list("id", flat=True)[args.rows * 9 // 10]

    def get(query: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get("/api/v1/targets/?" + query)
            assert response.status_code == 200, response.content[:300]
            return response
        return call

    print(f"directory: {args.rows:,} targets; 50 rows a page")
    _time("first page", get(""))
    _time("page at 90% of the directory (cursor)", get("cursor=" + _cursor_after(deep)))
    _time("region=140502 (prefix)", get("region=140502"))
    _time("industry=F51 (prefix)", get("industry=F51"))
    _time("status=deregistered (2%)", get("status=deregistered"))
    _time("risk_class=D", get("risk_class=D"))
    _time("updated_since=<1 hour ago>", get("updated_since=" + _an_hour_ago()))
    _time("name=商贸有限公司99999 (contains: scans)", get("name=商贸有限公司99999"))
    _time("page_size=500", get("page_size=500"))
    _time("for contrast: COUNT(*) of the directory",
          lambda: Target.objects.filter(department_id=department_id).count(), runs=3)
    _time("for contrast: OFFSET to 90% (numbered page)",
          lambda: list(ids[args.rows * 9 // 10:args.rows * 9 // 10 + 50]), runs=3)


def _an_hour_ago() -> str:
    from datetime import UTC, datetime, timedelta
    return (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    main()
