"""Benchmark: a million-row licence CSV into the target directory, on PostgreSQL.

    .venv/bin/python benchmarks/import_targets.py [--rows 1000000] [--no-reimport]

Generates a realistic 双公示 行政许可 export (valid codes, some entities with several
licences, a few bad rows), creates and migrates the database named by DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/shuangsuiji_bench; dropped and created again
unless --keep-db), then imports the file into a new department, imports the same file again
(every row unchanged), and prints rows per second of each phase, the write-ahead log each
commit wrote, and the peak memory.
"""

import argparse
import csv
import logging
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shuangsuiji_bench"

HEADERS = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人",
           "许可决定书文号", "许可证书名称", "许可编号", "许可内容", "许可决定日期", "有效期自",
           "有效期至", "许可机关", "当前状态", "住所", "行政区划代码",
           "行业代码(国民经济行业分类)", "成立日期", "信用风险分类"]
_PLACES = ["城区", "泽州县", "高平市", "阳城县", "陵川县", "沁水县"]
_REGIONS = ["140502", "140525", "140581", "140522", "140524", "140521"]
_TRADES = ["建材", "商贸", "物业管理", "房地产开发", "建筑工程", "能源", "医药", "酒店管理"]
_FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
_ITEMS = [("人防工程易地建设审批", "人防工程易地建设批准书"),
          ("人防工程拆除审批", "人防工程拆除批准书"),
          ("人防工程施工图设计文件审查", "施工图审查合格书"),
          ("防空地下室竣工验收备案", "竣工验收备案证明")]
_INDUSTRIES = ["C3021", "F5191", "K7020", "E4710", "E4811", "D4411", "F5251", "H6110"]
_STATUS = ["存续"] * 18 + ["在业", "停业"]
_RISK = ["A", "B", "B", "C", "D", ""]


def generate(path: Path, rows: int, seed: int = 20230401) -> None:
    """Write a GB-realistic licence export; about 1 in 8 entities holds 2-3 licences."""
    from shuangsuiji.rules.uscc import make_valid

    rng = random.Random(seed)
    written, entity = 0, 0
    partial = path.with_suffix(".part")
    with partial.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADERS)
        while written < rows:
            entity += 1
            place = rng.randrange(len(_PLACES))
            body = f"91{_REGIONS[place]}MA{entity:07X}"
            code = make_valid(body)
            if rng.random() < 0.0005:  # a typo in the check character
                code = code[:-1] + ("0" if code[-1] != "0" else "1")
            name = (f"晋城市{_PLACES[place]}{_SURNAMES[entity % len(_SURNAMES)]}"
                    f"{_GIVEN[entity % len(_GIVEN)]}{_TRADES[entity % len(_TRADES)]}{entity}"
                    f"{_FORMS[entity % 3]}")
            person = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(["", *_GIVEN])
            founded = f"{rng.randrange(1995, 2023)}-{rng.randrange(1, 13):02d}-" \
                      f"{rng.randrange(1, 29):02d}"
            status, industry, risk = (rng.choice(_STATUS), rng.choice(_INDUSTRIES),
                                      rng.choice(_RISK))
            licences = 1 if rng.random() < 0.875 else rng.choice([2, 3])
            for n in range(licences):
                if written >= rows:
                    break
                item, title = rng.choice(_ITEMS)
                year = rng.randrange(2018, 2024)
                day = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                if rng.random() < 0.02:  # some offices write 2023年4月1日
                    y, m, d = day.split("-")
                    day = f"{y}年{int(m)}月{int(d)}日"
                writer.writerow([
                    name, "法人及非法人组织", code, person, f"晋人防许〔{year}〕{entity}-{n}号",
                    title, f"JCRF{year}-{entity:07d}-{n}", item, day, day,
                    f"{year + 5}-12-31", "晋城市人民防空办公室", status,
                    f"山西省晋城市{_PLACES[place]}凤台东街{entity % 900 + 1}号",
                    _REGIONS[place], industry, founded, risk])
                written += 1
    partial.rename(path)


def fresh_database(url: str, *, keep: bool) -> None:
    """Create the benchmark database, or recreate it so every run starts from empty tables."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not keep:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    # Production settings: with DEBUG on, Django would keep every query in memory.
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-secret")
    os.environ["SHUANGSUIJI_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangsuiji.config.settings"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    logging.getLogger("shuangsuiji.imports").setLevel(logging.DEBUG)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def parallel_check_only(path: Path, processes: int) -> tuple[int, float]:
    """Reading and checking alone, no database, in worker processes as large imports run
    (rows formatted for COPY too)."""
    from shuangsuiji.imports import targets
    from shuangsuiji.rules import parallel_check, target_rows
    from shuangsuiji.rules.tabular import known_headers, open_table, resolve_headers

    start = time.perf_counter()
    rows = 0
    with path.open("rb") as stream, open_table(
            stream, name=path.name, known_headers=known_headers(target_rows.COLUMNS)) as table:
        header_map = resolve_headers(table.headers, target_rows.COLUMNS,
                                     required_any=target_rows.REQUIRED_ANY)
        stream.seek(0)
        stream.readline()
        pool = parallel_check.ParallelChecker(
            processes=processes, header_map=header_map, vocabulary=targets.vocabulary(),
            encoding=table.encoding, delimiter=table.delimiter, job_id=0)
        try:
            for result in pool.results(parallel_check.raw_blocks(stream, first_line=2)):
                rows += result.rows
        finally:
            pool.close()
    return rows, time.perf_counter() - start


def wal_position() -> int:
    """Bytes of write-ahead log written so far (by every database of the server)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0])


def run_import(path: Path, department: object, label: str) -> float:
    """Import the file; its end-to-end rate in rows per second."""
    from shuangsuiji.imports import services

    start = time.perf_counter()
    with path.open("rb") as stream:
        job = services.import_job_create(actor=None, kind="targets", department=department,
                                         upload=stream, original_name=path.name,
                                         background=False)
    stored = time.perf_counter()
    job = services.import_job_validate(job_id=job.pk)
    checked = time.perf_counter()
    wal = wal_position()
    job = services.import_job_commit(actor=None, job_id=job.pk)
    done = time.perf_counter()
    wal = wal_position() - wal
    rows = job.total_rows
    print(f"[{label}] {rows:,} rows: {job.imported:,} new, {job.updated:,} updated, "
          f"{job.unchanged:,} unchanged, {job.rejected:,} rejected; {job.counts}")
    print(f"[{label}]   store + SHA-256:          {stored - start:7.1f} s")
    print(f"[{label}]   check (parse, validate, stage, duplicates): {checked - stored:7.1f} s "
          f"= {rows / (checked - stored):>9,.0f} rows/s")
    print(f"[{label}]   commit (one transaction): {done - checked:7.1f} s "
          f"= {rows / (done - checked):>9,.0f} rows/s, {wal / 1e6:,.0f} MB of WAL "
          "(the whole server's)")
    print(f"[{label}]   end to end:               {done - start:7.1f} s "
          f"= {rows / (done - start):>9,.0f} rows/s")
    print(f"[{label}]   peak memory so far (ru_maxrss): this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB, checking "
          f"processes {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f}")
    return rows / (done - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, help="reuse or keep the generated CSV here")
    parser.add_argument("--no-reimport", dest="reimport", action="store_false",
                        help="skip importing the same file again (everything unchanged)")
    parser.add_argument("--skip-check-only", action="store_true",
                        help="skip timing parse + check alone before the imports")
    parser.add_argument("--keep-db", action="store_true",
                        help="import into the existing database instead of a fresh one")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations of the check (slower)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    work = Path(tempfile.mkdtemp(prefix="shuangsuiji-bench-"))
    path = args.file or work / f"licences-{args.rows}.csv"
    if not path.exists():
        start = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB) "
              f"in {time.perf_counter() - start:.1f} s")
    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    fresh_database(url, keep=args.keep_db)
    setup_django(url, work)
    from shuangsuiji.accounts.choices import DepartmentKind
    from shuangsuiji.accounts.models import Department

    if args.tracemalloc:
        tracemalloc.start()
    for processes in [] if args.skip_check_only else sorted({1, min(os.cpu_count() or 1, 8)}):
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        rows, seconds = parallel_check_only(path, processes)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        print(f"parse + check in {processes} process(es) (no database): {rows:,} rows in "
              f"{seconds:.1f} s = {rows / seconds:,.0f} rows/s "
              f"({rows / cpu:,.0f} rows per CPU second of the checking processes)")
    if args.tracemalloc:
        peak_traced = tracemalloc.get_traced_memory()[1] / 1e6
        print(f"tracemalloc peak of this process during the check: {peak_traced:.1f} MB")
        tracemalloc.stop()
    stamp = time.strftime("%H%M%S")
    department = Department.objects.create(code=f"BENCH-{stamp}", name=f"基准测试 {stamp}",
                                           kind=DepartmentKind.OFFICE)
    first = run_import(path, department, "first import")
    again = run_import(path, department, "same file again") if args.reimport else None
    print(f"end to end: first import {first:,.0f} rows/s"
          + (f", same file again {again:,.0f} rows/s" if again else ""))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"peak memory (ru_maxrss): this process {usage.ru_maxrss / 1024:,.0f} MB, the "
          f"largest checking process {workers.ru_maxrss / 1024:,.0f} MB; this process used "
          f"{usage.ru_utime + usage.ru_stime:,.0f} s of CPU; load average after: "
          f"{os.getloadavg()[0]:.1f}; database: {url}")


if __name__ == "__main__":
    main()
