"""A small known world for the oversight figures, year 2026, as of 2026-12-15.

The office's (RFB) directory: 12 targets + one without region/industry/risk + one deregistered
(not counted). A joint task RFB + fire rescue draws 3 of the 12 (25 %); the office's results:

- R1: 责令改正 (a problem), inspected 10-20, submitted 11-20 (on time), approved, published on
  time; an order to rectify due 12-10, open (overdue).
- R2: no problem, inspected 10-21, submitted 12-14 (after the entry deadline 12-11), approved,
  not published (past its publication deadline); a closed "no follow-up needed".
- R3: no problem, inspected 12-01, entered, not submitted (late for entry; publication not
  due yet).

The fire rescue's results in the same task (a problem, approved, published), its own targets,
its own task and a follow-up are present and must never show in the office's figures.
Tasks of 2026 the office takes part in: the joint task and a frozen one of its own (a draft is
not counted).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shuangsuiji.entities.models import Target
from shuangsuiji.inspections import services
from shuangsuiji.inspections.deadlines import publication_deadline
from shuangsuiji.inspections.models import FollowUp, Inspection
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.publication.models import PublishedResult
from shuangsuiji.rules import uscc
from tests.draws.conftest import make_targets
from tests.inspections.conftest import DrawnTask, drawn_task, private_files  # noqa: F401
from tests.inspections.test_results import fill, sign_all

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 15)


@dataclass
class Known:
    task: InspectionTask
    r1: Inspection
    r2: Inspection
    r3: Inspection
    fire: Inspection
    blank: Target
    follow_open: FollowUp
    follow_closed: FollowUp
    own_task: InspectionTask
    fire_task: InspectionTask


@pytest.fixture
def extra_targets(world):
    """Four more targets before the draw: 12 in the pool, so 25 % draws 3."""
    return make_targets(world, n=4, start=8)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI)


def _submit(result: Inspection, user, day: date, *, categories=("no_problem",),
            inspected_on: date) -> Inspection:
    fill(result, user, categories=list(categories), inspected_on=inspected_on)
    sign_all(result, user)
    services.inspection_submit(actor=user, inspection=result)
    Inspection.objects.filter(pk=result.pk).update(submitted_at=_at(day))
    result.refresh_from_db()
    return result


def _publish(result: Inspection, organisation, *, late: bool) -> PublishedResult:
    due = publication_deadline(result, today=TODAY).due
    day = due + timedelta(days=1) if late else due - timedelta(days=1)
    target = result.visit.drawn_target.target
    return PublishedResult.objects.create(
        inspection=result, organisation=organisation, department_name=str(result.department),
        task_code=result.visit.task.code, task_name=result.visit.task.name,
        entity_name=target.name, uscc=target.uscc or "", inspected_on=result.inspected_on,
        categories=result.categories, category_text="", published_on=day, deadline=due,
        on_time=not late)


@pytest.fixture
def known(world, extra_targets, drawn_task) -> Known:  # noqa: F811
    inspector, fire_inspector = world.users["inspector"], world.users["other_inspector"]
    office, partner = world.users["office"], world.users["partner"]
    task = drawn_task.task
    visits = list(task.visits.order_by("drawn_target__ticket"))
    assert len(visits) == 3
    office_results = [v.inspections.get(department=world.office) for v in visits]

    # The directory, made known: everything 140502 / E / B, then the drawn ones changed.
    Target.objects.filter(department=world.office).update(region_code="140502",
                                                          industry_code="E4811", risk_class="B")
    t1, t2, t3 = (r.visit.drawn_target.target for r in office_results)
    Target.objects.filter(pk=t1.pk).update(risk_class="A")
    Target.objects.filter(pk=t2.pk).update(region_code="140521", industry_code="5211",
                                           risk_class="C")
    Target.objects.filter(pk=t3.pk).update(risk_class="A")
    undrawn = Target.objects.filter(department=world.office).exclude(
        pk__in=[t1.pk, t2.pk, t3.pk]).order_by("pk").first()
    Target.objects.filter(pk=undrawn.pk).update(region_code="140502100000")  # folds to 140502
    blank = Target.objects.create(department=world.office, uscc=uscc.make_valid(
        "91140502MA0K90001"), name="晋城市无分类企业有限公司")
    Target.objects.create(department=world.office, uscc=uscc.make_valid("91140502MA0K90002"),
                          name="晋城市已注销企业有限公司", reg_status="deregistered",
                          region_code="140502", industry_code="E4811", risk_class="A")
    for i in range(2):  # the fire rescue's own directory
        Target.objects.create(department=world.fire, uscc=uscc.make_valid(
            f"91140502MA0K9100{i}"), name=f"消防重点单位{i}", region_code="140502",
            industry_code="H6110", risk_class="D")

    r1 = _submit(office_results[0], inspector, date(2026, 11, 20), categories=["corrected"],
                 inspected_on=date(2026, 10, 20))
    r2 = _submit(office_results[1], inspector, date(2026, 12, 14),
                 inspected_on=date(2026, 10, 21))
    for r in (r1, r2):
        services.inspection_review(actor=office, inspection=r, approve=True)
    r3 = fill(office_results[2], inspector, inspected_on=date(2026, 11, 20))
    # Inspected after the real today of these tests' writing: set as data, not by the service.
    Inspection.objects.filter(pk=r3.pk).update(inspected_on=date(2026, 12, 1))
    r1.refresh_from_db()
    _publish(r1, world.office, late=False)

    fire = visits[0].inspections.get(department=world.fire)
    fire = _submit(fire, fire_inspector, date(2026, 12, 14), categories=["pending"],
                   inspected_on=date(2026, 10, 20))
    services.inspection_review(actor=partner, inspection=fire, approve=True)
    fire.refresh_from_db()
    _publish(fire, world.fire, late=True)
    services.follow_up_create(actor=partner, inspection=fire, kind="none", owner=partner,
                              due_on=date(2026, 11, 1))

    follow_open = services.follow_up_create(actor=office, inspection=r1, kind="rectify",
                                            owner=office, due_on=date(2026, 12, 10),
                                            rectify_by=date(2026, 12, 10))
    follow_closed = services.follow_up_create(actor=office, inspection=r2, kind="none",
                                              owner=office, due_on=date(2026, 11, 30))

    def make_task(code, initiating, state, year=2026):
        return InspectionTask.objects.create(
            code=code, name=f"任务{code}", initiating=initiating, state=state,
            period_start=date(year, 5, 1), period_end=date(year, 6, 30))

    own_task = make_task("RFB-2026-01", world.office, "frozen")
    make_task("RFB-2026-02", world.office, "draft")
    make_task("RFB-2025-09", world.office, "frozen", year=2025)
    fire_task = make_task("XFZD-2026-01", world.fire, "frozen")
    r3.refresh_from_db()
    return Known(task, r1, r2, r3, fire, blank, follow_open, follow_closed, own_task,
                 fire_task)
