"""Benchmark: the public portal's result search over millions of published results.

    .venv/bin/python benchmarks/portal.py [--rows 10000000] [--requests 400] [--concurrency 4]

Creates and migrates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/shuangsuiji_bench), fills `PublishedResult` with generated
results by COPY (a fill already there is reused and topped up), starts the application under
gunicorn as in production (DEBUG off), and from a second process sends concurrent GET
requests to the search page /public/results/ through its one box (q) — by unified social
credit code as people type it (lower case, spaces, full-width), and by a two- and a
four-character run taken anywhere in an entity's name, first pages and pages further on —
printing p50/p95/max latency per kind. Target: p95 < 50 ms.

The indexes are the application's own (its migrations): this script creates none. It
vacuums the table once filled (as autovacuum would: index-only scans need the visibility
map), prints which way each kind of name search goes (the walk of the newest results, or the
index of the names' bigrams and months: portal/selectors.py) and PostgreSQL's plan for each
(EXPLAIN).
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from multiprocessing import Process, Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shuangsuiji_bench"
ENV = {"DATABASE_URL": DEFAULT_URL, "DJANGO_DEBUG": "1",
       "SHUANGSUIJI_DATA_DIR": "/tmp/shuangsuiji-portalbench",
       "DJANGO_SETTINGS_MODULE": "shuangsuiji.config.settings"}

CITIES = ["晋城", "太原", "大同", "阳泉", "长治", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁",
          "泽州", "高平", "阳城", "陵川", "沁水", "北京", "上海", "广州", "深圳"]
WORDS = ["兴达", "鑫源", "华泰", "恒信", "宏图", "永安", "金阳", "瑞丰", "安泰", "盛世", "天成",
         "晋煤", "新世纪", "德邦", "长城", "东方", "中和", "富民", "顺通", "汇丰", "利民", "三晋",
         "太行", "沁河", "凤城", "丹河", "九州", "龙腾", "佳美", "同心"]
TRADES = ["房地产开发", "商贸", "物业管理", "建筑工程", "煤业", "化工", "餐饮管理", "酒店",
          "医药连锁", "物流", "电力", "燃气", "机械制造", "汽车销售", "商业管理", "超市"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
CATEGORIES = [("no_problem", "未发现问题"), ("corrected", "发现问题已责令改正"),
              ("not_found", "未按规定公示应当公示的信息"), ("case", "发现问题待后续处理")]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters


def _setup_django() -> None:
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    try:
        connection.ensure_connection()
    except Exception:  # the database does not exist yet
        import psycopg
        base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def _code(i: int) -> str:
    digits = []
    for _ in range(9):
        i, r = divmod(i, len(ALPHABET))
        digits.append(ALPHABET[r])
    return "91140500" + "".join(reversed(digits)) + "X"


def _name(rng: random.Random) -> str:
    return (rng.choice(CITIES) + "市" + rng.choice(WORDS) + rng.choice(WORDS)
            + rng.choice(TRADES) + rng.choice(FORMS))


def _fill(rows: int) -> int:
    from django.db import connection

    from shuangsuiji.accounts.choices import DepartmentKind
    from shuangsuiji.accounts.models import Department
    from shuangsuiji.publication.models import PublishedResult

    org, _ = Department.objects.get_or_create(
        code="BENCH", defaults={"name": "基准测试人防办", "kind": DepartmentKind.OFFICE})
    table = PublishedResult._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0), count(*) FROM {table}")
        _max_id, have = cur.fetchone()
    if have >= rows:
        print(f"reusing {have:,} published results")
        return have
    print(f"filling {rows - have:,} published results by COPY …", flush=True)
    start = time.perf_counter()
    rng = random.Random(have)
    first = date(2021, 1, 1)
    columns = ("organisation_id", "department_name", "task_code", "task_name", "entity_name",
               "uscc", "region_code", "inspected_on", "categories", "category_text", "conduct",
               "conduct_text", "findings", "withheld_fields", "published_on", "deadline",
               "on_time", "withdrawn_reason")
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for i in range(have, rows):
            published = first + timedelta(days=rng.randrange(5 * 365))
            key, text = rng.choice(CATEGORIES)
            task = f"RFB-{published.year}-{rng.randrange(1, 40):02d}"
            copy.write_row((
                org.pk, "晋城市人民防空办公室", task, f"{published.year}年人防工程双随机抽查",
                _name(rng), _code(i), "140502", published - timedelta(days=20), f'["{key}"]',
                text, "", "", "", "[]", published, published + timedelta(days=10), True, ""))
            if (i + 1) % 1_000_000 == 0:
                print(f"  {i + 1:,} rows, {time.perf_counter() - start:.0f} s", flush=True)
    raw.commit()
    print(f"filled in {time.perf_counter() - start:.0f} s")
    return rows


def _vacuum() -> None:
    from django.db import connection

    from shuangsuiji.publication.models import PublishedResult

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"VACUUM (ANALYZE) {PublishedResult._meta.db_table}")
    print(f"vacuumed in {time.perf_counter() - start:.0f} s")


def _explain(samples: dict[str, list[str]]) -> None:
    from django.db import connection

    from shuangsuiji.portal import selectors

    for kind in ("infix2", "infix4"):
        walked = sum(selectors._walked(selectors.ResultQuery(q=text), text, None,
                                       selectors.PAGE_SIZE + 1) is not None
                     for text in samples[kind])
        print(f"{kind}: page 1 of {walked} of {len(samples[kind])} found by walking the newest "
              f"(first {selectors.NAME_WALK:,}) results, the others by the bigram index "
              "month by month")
    with connection.cursor() as cur:
        for kind, text in (("code", samples["code"][0]), ("infix2", samples["infix2"][0]),
                           ("infix4", samples["infix4"][0])):
            query = selectors.ResultQuery(q=text)
            qs = selectors._after(selectors._filtered(query), None)[:21]
            sql, params = qs.query.sql_with_params()
            if kind != "code":
                for name, value in selectors.BIGRAM_SETTINGS.items():
                    cur.execute(f"SET {name} = {value}")
            cur.execute("EXPLAIN " + sql, params)
            plan = [row[0] for row in cur.fetchall()]
            cur.execute("RESET ALL")
            print(f"plan ({kind}{', bigram way' if kind != 'code' else ''}): "
                  + " | ".join(p.strip() for p in plan[:5]))


def _typed(code: str, i: int) -> str:
    """A code as people type it: lower case, in groups with spaces, full-width, or as is."""
    if i % 4 == 0:
        return code.lower()
    if i % 4 == 1:
        return " ".join(code[j:j + 4] for j in range(0, 18, 4))
    if i % 4 == 2:
        return "".join(chr(ord(c) + 0xFEE0) for c in code)  # full-width forms
    return code


def _samples(count: int) -> dict[str, list[str]]:
    from django.db import connection

    from shuangsuiji.publication.models import PublishedResult

    table = PublishedResult._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT max(id) FROM {table}")
        top = cur.fetchone()[0]
        rng = random.Random(7)
        ids = [rng.randrange(1, top + 1) for _ in range(count)]
        cur.execute(f"SELECT uscc, entity_name FROM {table} WHERE id = ANY(%s)", [ids])
        rows = cur.fetchall()
    rng.shuffle(rows)
    # Parts of names as people type them: two or four characters from anywhere in the name
    # (the county or city, the brand in the middle, the trade, the legal form).
    infixes: dict[int, list[str]] = {2: [], 4: []}
    for size, found in infixes.items():
        for _code, name in rows:
            start = rng.randrange(len(name) - size + 1)
            found.append(name[start:start + size])
    return {"code": [_typed(r[0], i) for i, r in enumerate(rows)],
            "infix2": infixes[2], "infix4": infixes[4]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load(base: str, paths: list[str], concurrency: int, out: Queue) -> None:
    """The second process: `concurrency` threads sending the requests, latencies in ms."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    todo = list(paths)

    def worker() -> None:
        opener = urllib.request.build_opener()
        while True:
            with lock:
                if not todo:
                    return
                path = todo.pop()
            start = time.perf_counter()
            try:
                with opener.open(base + path, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except Exception as exc:
                ok, path = False, f"{path}: {exc}"
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                (latencies.append(elapsed) if ok else errors.append(path))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors))


def _measure(base: str, label: str, paths: list[str], concurrency: int) -> None:
    out: Queue = Queue()
    warm = Process(target=_load, args=(base, paths[:20], concurrency, out))
    warm.start()
    out.get()
    warm.join()
    process = Process(target=_load, args=(base, paths, concurrency, out))
    start = time.perf_counter()
    process.start()
    latencies, errors = out.get()
    process.join()
    wall = time.perf_counter() - start
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    print(f"{label:<34} n={len(latencies):>4}  p50 {statistics.median(latencies):6.1f} ms  "
          f"p95 {p95:6.1f} ms  max {latencies[-1]:6.1f} ms  {len(latencies) / wall:5.0f} req/s"
          + (f"  errors {len(errors)}: {errors[:2]}" if errors else ""))


def _next_pages(base: str, paths: list[str], hops: int) -> list[str]:
    """Addresses of later pages: follow the 'next' link `hops` times from each first page."""
    import re

    deeper = []
    for first in paths:
        current = first
        for _ in range(hops):
            with urllib.request.urlopen(base + current, timeout=30) as response:
                html = response.read().decode()
            match = re.search(r'href="(\?[^"]*after=[^"]+)"', html)
            if not match:
                break
            current = "/public/results/" + match.group(1).replace("&amp;", "&")
        deeper.append(current)
    return deeper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    args = parser.parse_args()
    _setup_django()
    rows = _fill(args.rows)
    _vacuum()
    samples = _samples(args.requests)
    _explain(samples)
    from django.db import connections

    connections.close_all()

    port = _free_port()
    # Served as in production: DEBUG off (cached templates, no debug context), static files
    # collected with their manifest; plain HTTP on the loopback.
    env = dict(os.environ, DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_DEBUG="0",
               DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "portal-benchmark-" * 4),
               DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_COOKIES="0")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "shuangsuiji.config.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--log-level",
         "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/public/results/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        print(f"\n{rows:,} published results; {args.requests} requests per line, "
              f"{args.concurrency} concurrent clients in a second process, "
              f"{args.workers} gunicorn workers")
        q = urllib.parse.quote
        by_code = [f"/public/results/?q={q(c)}" for c in samples["code"]]
        _measure(base, "search by code (as typed)", by_code, args.concurrency)
        for size in (2, 4):
            by_name = [f"/public/results/?q={q(n)}" for n in samples[f"infix{size}"]]
            _measure(base, f"{size}-character infix (page 1)", by_name, args.concurrency)
            deeper = _next_pages(base, by_name[: max(20, args.requests // 10)], 5)
            _measure(base, f"{size}-character infix (page 6)", deeper * 10, args.concurrency)
        _measure(base, "latest results (no search)", ["/public/results/"] * args.requests,
                 args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
