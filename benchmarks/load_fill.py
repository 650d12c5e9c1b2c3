"""The province that benchmarks/load.py runs against: filled once, reused after.

One organisation (LB, a provincial office) with 50 sections of 100 inspectors each, a
directory of 10,000,000 targets in every county of Shanxi, five past tasks of 200,000 drawn
targets each whose results were approved and published (1,000,000 inspections and as many
published results), and a task under way in 晋城 with about 10,000 visits, so that every
simulated inspector has visits. The tasks are made, frozen and drawn by the application's own
services (the draw of a province is COPY-based there); the directory and the historical
results' states and publications are written set-wise in SQL, as a migration from an old
system would.

Every step checks what is already there and does only what is missing.
"""

import random
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PASSWORD = "Bench-load-2026!"  # every benchmark user's password (never a production account)
ORG = "LB"
SECTIONS = 50
CLERKS = 100
ITEMS = ("LB-01", "LB-02")
HISTORY = (2021, 2022, 2023, 2024, 2025)
HISTORY_SHARE = 50  # a past task draws 1 in 50 of the directory: 200,000 of 10 million
CURRENT_SHARE = 1000  # the task under way: 10,000
CURRENT_CITY = "1405"  # 晋城
HISTORY_CITIES = ("1401", "1402", "1404", "1407", "1408")  # 太原 大同 长治 晋中 运城
SHANGHAI = ZoneInfo("Asia/Shanghai")

CITIES = ["晋城", "太原", "大同", "阳泉", "长治", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁",
          "泽州", "高平", "阳城", "陵川", "沁水"]
WORDS = ["兴达", "鑫源", "华泰", "恒信", "宏图", "永安", "金阳", "瑞丰", "安泰", "盛世", "天成",
         "晋煤", "新世纪", "德邦", "长城", "东方", "中和", "富民", "顺通", "汇丰", "利民", "三晋",
         "太行", "沁河", "凤城", "丹河", "九州", "龙腾", "佳美", "同心"]
TRADES = ["房地产开发", "商贸", "物业管理", "建筑工程", "煤业", "化工", "餐饮管理", "酒店",
          "医药连锁", "物流", "电力", "燃气", "机械制造", "汽车销售", "商业管理", "超市"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters


def _step(label: str, start: float) -> None:
    print(f"  {label}: {time.perf_counter() - start:.0f} s", flush=True)


def organisation() -> dict[str, object]:
    """The office, its sections and items, and the clerks (Role.OFFICE): made once."""
    from django.contrib.auth.hashers import make_password

    from shuangsuiji.accounts.choices import DepartmentKind, Role
    from shuangsuiji.accounts.models import Department, User
    from shuangsuiji.catalog.models import InspectionItem

    office, _ = Department.objects.get_or_create(
        code=ORG, defaults={"name": "山西省人民防空办公室", "kind": DepartmentKind.OFFICE,
                            "region_code": "140000"})
    legal, _ = Department.objects.get_or_create(
        code=f"{ORG}-FXK", defaults={"name": "法宣处", "kind": DepartmentKind.SECTION,
                                     "parent": office})
    for s in range(1, SECTIONS + 1):
        Department.objects.get_or_create(
            code=f"{ORG}-S{s:02d}", defaults={"name": f"工程监督{s}处",
                                             "kind": DepartmentKind.SECTION, "parent": office})
    items = []
    for code in ITEMS:
        item, _ = InspectionItem.objects.get_or_create(
            code=code, department=office, defaults={
                "category": "人防监督检查", "matter": f"人防工程维护管理检查{code}",
                "target_type": "企业", "basis": "《中华人民共和国人民防空法》第二十二条",
                "content": "防护设备完好、平战转换预案", "method": "现场检查",
                "is_published": True})
        items.append(item)
    hashed = make_password(PASSWORD)  # one hash for all: 5,000 PBKDF2 rounds would take minutes
    have = set(User.objects.filter(username__startswith="lb-").values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=f"lb-clerk-{n:03d}", password=hashed, role=Role.OFFICE,
             department=legal, full_name=f"办事员{n:03d}")
        for n in range(1, CLERKS + 1) if f"lb-clerk-{n:03d}" not in have])
    admin = User.objects.filter(username="lb-clerk-001").get()
    return {"office": office, "legal": legal, "items": items, "actor": admin, "hash": hashed}


def _code(i: int, region: str) -> str:
    from shuangsuiji.rules.uscc import make_valid

    digits = []
    for _ in range(9):
        i, r = divmod(i, len(ALPHABET))
        digits.append(ALPHABET[r])
    return make_valid("91" + region + "".join(reversed(digits)))


def _counties() -> list[str]:
    from shuangsuiji.rules import code_tables

    return sorted(c for c, e in code_tables.regions().items()
                  if c.startswith("14") and e.level == 3)


def _industries() -> list[str]:
    from shuangsuiji.rules import code_tables

    return sorted(e.parent[:0] + code_tables.section_of(c) + c
                  for c, e in code_tables.industries().items() if e.level == 4)


class _Deferred:
    """Indexes and constraints of a table (its primary key aside) dropped for a bulk load and
    made again after: one sort per index instead of 10 million insertions into each, and no
    deferred foreign-key trigger queued per row."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.constraints: list[tuple[str, str]] = []
        self.indexes: list[str] = []

    def __enter__(self) -> "_Deferred":
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                           WHERE conrelid = %s::regclass AND contype IN ('u', 'f')""",
                        [self.table])
            self.constraints = cur.fetchall()
            cur.execute("""SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
                           FROM pg_index WHERE indrelid = %s::regclass AND NOT indisprimary
                           AND indexrelid NOT IN (SELECT conindid FROM pg_constraint
                                                  WHERE conrelid = %s::regclass)""",
                        [self.table, self.table])
            found = cur.fetchall()
            self.indexes = [definition for _name, definition in found]
            for name, _definition in self.constraints:
                cur.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
            for name, _definition in found:
                cur.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '2GB'")
            for definition in self.indexes:
                cur.execute(definition)
            for name, definition in self.constraints:
                cur.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
        _step(f"{self.table}: {len(self.indexes)} indexes and {len(self.constraints)} "
              "constraints made again", start)


def targets(world: dict[str, object], rows: int) -> int:
    """The directory: `rows` targets with valid codes, spread over Shanxi's counties."""
    from django.db import connection, transaction

    from shuangsuiji.entities.models import Target

    office = world["office"]
    have = Target.objects.filter(department=office).count()
    if have >= rows:
        print(f"reusing {have:,} targets")
        return have
    print(f"filling {rows - have:,} targets by COPY …", flush=True)
    start = time.perf_counter()
    counties, industries = _counties(), _industries()
    rng = random.Random(have)
    columns = ("department_id", "uscc", "no_code_reason", "name", "entity_type", "legal_rep",
               "address", "region_code", "industry_code", "registration_authority", "locality",
               "founded_on", "reg_status", "risk_class", "source", "fingerprint", "created_at",
               "updated_at")
    now = datetime.now(SHANGHAI)
    table = Target._meta.db_table
    with transaction.atomic(), _Deferred(table):
        raw = connection.connection
        with raw.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(have, rows):
                county = counties[i % len(counties)]
                name = (rng.choice(CITIES) + "市" + rng.choice(WORDS) + rng.choice(WORDS)
                        + rng.choice(TRADES) + rng.choice(FORMS))
                copy.write_row((
                    office.pk, _code(i, county), "", name, "有限责任公司", "", "", county,
                    rng.choice(industries), "", "", date(1995, 1, 1) + timedelta(days=i % 10000),
                    "deregistered" if i % 50 == 0 else "active", "ABCD"[rng.randrange(4)],
                    "import", "", now, now))
                if (i + 1) % 1_000_000 == 0:
                    _step(f"{i + 1:,} rows", start)
        _step("copied", start)
    with connection.cursor() as cur:
        cur.execute(f"VACUUM (ANALYZE) {table}")
    _step("targets done", start)
    return rows


def inspectors(world: dict[str, object], count: int) -> int:
    """`count` certified officers across the sections, each with a user of the same number."""
    from shuangsuiji.accounts.choices import Role
    from shuangsuiji.accounts.models import Department, User
    from shuangsuiji.inspectors.models import Certificate, Inspector, InspectorStatusChange

    have = Inspector.objects.filter(code__startswith=f"{ORG}-I").count()
    if have >= count:
        print(f"reusing {have:,} inspectors")
        return have
    start = time.perf_counter()
    sections = list(Department.objects.filter(code__startswith=f"{ORG}-S").order_by("code"))
    made = [n for n in range(1, count + 1)
            if not Inspector.objects.filter(code=f"{ORG}-I{n:05d}").exists()]
    users = User.objects.bulk_create([
        User(username=f"lb-insp-{n:05d}", password=world["hash"], role=Role.INSPECTOR,
             department=sections[n % len(sections)], full_name=f"检查员{n:05d}")
        for n in made])
    people = Inspector.objects.bulk_create([
        Inspector(department=sections[n % len(sections)], code=f"{ORG}-I{n:05d}",
                  name=f"检查员{n:05d}", role="officer", status="active",
                  status_since=date(2015, 1, 1), user=user)
        for n, user in zip(made, users, strict=True)])
    InspectorStatusChange.objects.bulk_create([
        InspectorStatusChange(inspector=p, status="active", effective_on=date(2015, 1, 1))
        for p in people])
    Certificate.objects.bulk_create([
        Certificate(inspector=p, number=f"晋执{p.code[-5:]}", issuer="山西省人民政府",
                    valid_from=date(2015, 1, 1), valid_to=date(2099, 12, 31)) for p in people])
    _step(f"{len(people):,} inspectors with users and certificates", start)
    return count


def _task(world: dict[str, object], code: str, city: str, period: tuple[date, date],
          drawn: int) -> None:
    """A task over one city's directory, drawn through the services; `drawn` targets."""
    from django.utils import timezone

    from shuangsuiji.draws.services import draw_execute, task_freeze
    from shuangsuiji.entities.models import Target
    from shuangsuiji.plans import services as plans
    from shuangsuiji.plans.choices import TaskState
    from shuangsuiji.plans.models import InspectionTask

    actor, office = world["actor"], world["office"]
    task = InspectionTask.objects.filter(code=code).first()
    if task is not None and task.state not in {TaskState.DRAFT, TaskState.FROZEN}:
        return
    start = time.perf_counter()
    if task is None:
        pool = Target.objects.filter(department=office, region_code__startswith=city,
                                     reg_status="active").count()
        ratio = f"{min(100.0, drawn * 100 / max(pool, 1)):.2f}"
        task = plans.task_create(actor=actor, data={
            "code": code, "name": f"{period[0].year}年人防工程双随机抽查（{code}）",
            "initiating": office, "period_start": period[0], "period_end": period[1],
            "ratio": ratio, "lookback_days": 0, "filter_regions": [city]})
        plans.task_set_department(actor=actor, task=task, department_id=office.pk,
                                  item_ids=[i.pk for i in world["items"]], role="initiating")
    if task.state == TaskState.DRAFT:
        task_freeze(actor=actor, task=task,
                    planned_draw_at=timezone.now() + timedelta(minutes=5))
        _step(f"{code} frozen", start)
    draw_execute(actor=actor, task=task, ceremony_input=f"{code}-ceremony-2026120812345",
                 witnesses=["王新根"], source="十面骰子 20 次")
    _step(f"{code} drawn ({task.targets.count():,} targets)", start)


def tasks(world: dict[str, object], target_rows: int, past: int = len(HISTORY)) -> None:
    """The task under way first (the load needs it), then the past years'."""
    _task(world, "LB-2026-09", CURRENT_CITY, (date(2026, 11, 2), date(2026, 12, 31)),
          target_rows // CURRENT_SHARE)
    review_queue()
    for year, city in list(zip(HISTORY, HISTORY_CITIES, strict=True))[:past]:
        _task(world, f"LB-{year}-01", city, (date(year, 4, 1), date(year, 11, 30)),
              target_rows // HISTORY_SHARE)


def close_history(world: dict[str, object]) -> None:
    """Past years' tasks are finished and closed, through the services, as an office would."""
    from shuangsuiji.plans import services as plans
    from shuangsuiji.plans.choices import TaskState
    from shuangsuiji.plans.models import InspectionTask

    for past in InspectionTask.objects.filter(code__in=[f"LB-{y}-01" for y in HISTORY]):
        task = past
        if task.state in {TaskState.DRAWN, TaskState.IN_PROGRESS}:
            task = plans.task_finish(actor=world["actor"], task=task)
        if task.state == TaskState.FINISHED:
            plans.task_close(actor=world["actor"], task=task)


def review_queue() -> None:
    """A third of the current task's results entered and submitted: the clerks' review queue
    (only sheets nobody has touched: what the load saved or reviewed stays as it is)."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("""
            UPDATE inspections_inspection i SET state = 'submitted',
                   inspected_on = DATE '2026-11-20', methods = '["on_site"]',
                   categories = '["no_problem"]', summary = '现场检查未发现问题',
                   entered_at = now(), submitted_at = now(), version = 1
              FROM inspections_visit v JOIN plans_inspectiontask t ON t.id = v.task_id
             WHERE i.visit_id = v.id AND t.code = 'LB-2026-09' AND i.id % 3 = 0
               AND i.state = 'entered' AND i.entered_at IS NULL""")
        submitted = cur.rowcount
        cur.execute("""
            UPDATE inspections_itemfinding f SET outcome = 'compliant'
              FROM inspections_inspection i WHERE f.inspection_id = i.id
               AND i.state = 'submitted' AND f.outcome = ''""")
    _step(f"{submitted:,} results of the task under way submitted for review", start)


def results(target_rows: int, past: int = len(HISTORY)) -> None:
    """The past tasks' results approved and published; a share of the current task's results
    entered and submitted, so the clerks have a review queue."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM publication_publishedresult")
        if cur.fetchone()[0] >= past * target_rows // HISTORY_SHARE * 9 // 10:
            print("reusing the published results")
            return
        start = time.perf_counter()
        cur.execute("""
            UPDATE inspections_inspection i SET state = 'approved',
                   inspected_on = t.period_start + (i.id % 200)::int,
                   methods = '["on_site"]', categories = CASE WHEN i.id % 7 = 0
                       THEN '["corrected"]'::jsonb ELSE '["no_problem"]'::jsonb END,
                   summary = '现场检查防护设备和平战转换预案',
                   entered_at = t.period_start + (i.id % 200)::int + interval '10 hours',
                   submitted_at = t.period_start + (i.id % 200)::int + interval '11 hours',
                   reviewed_at = t.period_start + (i.id % 200)::int + interval '30 hours',
                   version = 1
              FROM inspections_visit v JOIN plans_inspectiontask t ON t.id = v.task_id
             WHERE i.visit_id = v.id AND t.code LIKE 'LB-202_-01' AND i.state = 'entered'""")
        _step(f"{cur.rowcount:,} past results approved", start)
        cur.execute("""
            UPDATE inspections_itemfinding f SET outcome = 'compliant'
              FROM inspections_inspection i WHERE f.inspection_id = i.id
               AND i.state = 'approved' AND f.outcome = ''""")
        cur.execute("""
            INSERT INTO publication_publishedresult (inspection_id, organisation_id,
                department_name, task_code, task_name, inspection_type, entity_name, uscc,
                region_code, inspected_on, categories, category_text, conduct, conduct_text,
                findings, withheld_fields, published_on, deadline, on_time, withdrawn_reason)
            SELECT i.id, t.initiating_id, '山西省人民防空办公室', t.code, t.name, '双随机抽查',
                   g.name, g.uscc, g.region_code, i.inspected_on, i.categories,
                   CASE WHEN i.categories ? 'corrected' THEN '发现问题已责令改正'
                        ELSE '未发现问题' END, '', '', i.summary, '[]',
                   i.inspected_on + 15, i.inspected_on + 20, true, ''
              FROM inspections_inspection i JOIN inspections_visit v ON v.id = i.visit_id
              JOIN plans_inspectiontask t ON t.id = v.task_id
              JOIN draws_drawntarget d ON d.id = v.drawn_target_id
              JOIN entities_target g ON g.id = d.target_id
             WHERE i.state = 'approved' AND NOT EXISTS (
                   SELECT 1 FROM publication_publishedresult p WHERE p.inspection_id = i.id)""")
        _step(f"{cur.rowcount:,} results published", start)
        for table in ("inspections_inspection", "inspections_itemfinding", "inspections_visit",
                      "draws_drawntarget", "draws_assignment", "publication_publishedresult"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
        _step("results done", start)


def fill(target_rows: int, inspector_count: int, past: int = len(HISTORY)) -> dict[str, object]:
    start = time.perf_counter()
    world = organisation()
    targets(world, target_rows)
    inspectors(world, inspector_count)
    tasks(world, target_rows, past)
    results(target_rows, past)
    close_history(world)
    _step("the province is filled", start)
    return world


def describe() -> None:
    """What the database holds, printed with the figures."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'entities_target'")
        counts = [f"about {cur.fetchone()[0]:,} targets"]
        for label, table in (("inspectors", "inspectors_inspector"),
                             ("tasks", "plans_inspectiontask"), ("visits", "inspections_visit"),
                             ("results", "inspections_inspection"),
                             ("published results", "publication_publishedresult")):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts.append(f"{cur.fetchone()[0]:,} {label}")
        cur.execute("SELECT count(*) FROM inspections_inspection WHERE state = 'submitted'")
        counts.append(f"{cur.fetchone()[0]:,} submitted for review")
    print("database: " + ", ".join(counts), flush=True)
