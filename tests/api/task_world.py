"""Plans and tasks of the office (RFB) for the API tests, made through the services.

Every task is joint with the fire rescue (XFZD) and draws from eight office targets. Each
department has exactly two eligible officers and groups of two, so every target in force gets
both: the `inspector` user (RFB-E1) and `other_inspector` (XFZD-E1) are in every group of a
drawn task, and in no group of the others. `lookback_days` is 0 so the tasks do not exclude
each other's targets.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from shuangsuiji.catalog.services import item_set_published
from shuangsuiji.draws.models import DrawJob, DrawRecord, Freeze
from shuangsuiji.draws.services import draw_execute, task_freeze
from shuangsuiji.inspections.models import Visit
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import AnnualPlan, InspectionTask
from tests.draws.conftest import make_inspector, make_targets

from .conftest import ApiWorld

CEREMONY = "38201958377102938475"
FAR = date(2099, 12, 31)


@dataclass
class TaskWorld:
    api: ApiWorld
    draft: InspectionTask
    frozen: InspectionTask
    drawn: InspectionTask
    finished: InspectionTask
    plan: AnnualPlan  # a draft
    approved_plan: AnnualPlan

    def ids(self) -> dict[str, int]:
        visit = Visit.objects.filter(task=self.drawn).order_by("pk").first()
        result = visit.inspections.get(department=self.api.world.office)
        return {"draft": self.draft.pk, "frozen": self.frozen.pk, "drawn": self.drawn.pk,
                "finished": self.finished.pk, "plan": self.plan.pk,
                "approved_plan": self.approved_plan.pk, "fire": self.api.world.fire.pk,
                "visit": visit.pk, "result": result.pk,
                "draw_job": DrawJob.objects.get(task=self.frozen).pk}

    def first_drawn_ident(self) -> str:
        return self.drawn.draw.record["drawn"][0]["id"]


def freeze(w: ApiWorld, task: InspectionTask) -> Freeze:
    return task_freeze(actor=w.user("office"), task=task,
                       planned_draw_at=timezone.now() + timedelta(hours=1))


def draw(w: ApiWorld, task: InspectionTask) -> DrawRecord:
    return draw_execute(actor=w.user("office"), task=task, ceremony_input=CEREMONY,
                        witnesses=["王新根", "李华"], source="十面骰子 20 次", present=["张三"])


def joint_task(w: ApiWorld, code: str, **fields: object) -> InspectionTask:
    office, world = w.user("office"), w.world
    task = plans.task_create(actor=office, data={
        "code": code, "name": f"{code} 部门联合双随机抽查", "initiating": world.office,
        "period_start": date(2026, 12, 1), "period_end": date(2027, 3, 31), "ratio": "15",
        "filter_industries": ["E"], "lookback_days": 0} | fields)
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[w.rfb.item.pk])
    plans.task_set_department(actor=office, task=task, department_id=world.fire.pk,
                              item_ids=[w.xfzd.item.pk])
    plans.task_answer_invitation(actor=world.users["partner"], task=task,
                                 department_id=world.fire.pk, accept=True)
    return task


def build(w: ApiWorld) -> TaskWorld:
    world, office = w.world, w.user("office")
    # A task's checklist holds published items only (plans.services.checklist_items).
    item_set_published(actor=office, item=w.rfb.item, published=True, reason="公布")
    item_set_published(actor=w.user("partner"), item=w.xfzd.item, published=True, reason="公布")
    make_targets(world, n=8)
    # Its tasks draw the same eight targets over and over: the city's yearly cap (2 by
    # default, tests/draws/test_city_cap.py) would leave the twice-drawn out of the later pools.
    plans.city_policy_set(actor=None, yearly_cap=10, recent_days=90)
    make_inspector(world.engineering, "RFB-E2", valid_to=FAR)
    make_inspector(world.brigade, "XFZD-E2", valid_to=FAR)
    draft, frozen, drawn, finished = (joint_task(w, f"RFB-API-{n}")
                                      for n in ("DRAFT", "FROZEN", "DRAWN", "DONE"))
    for task in (frozen, drawn, finished):
        freeze(w, task)
    for task in (drawn, finished):
        draw(w, task)
    finished = plans.task_finish(actor=office, task=finished)
    plan = plans.plan_create(actor=office, organisation_id=world.office.pk, year=2026,
                             title="2026年度随机抽查计划")
    approved = plans.plan_create(actor=office, organisation_id=world.office.pk, year=2025,
                                 title="2025年度随机抽查计划")
    approved = plans.plan_set_status(actor=office, plan=approved, status="approved")
    for task in (draft, frozen, drawn, finished):
        task.refresh_from_db()
    # A draw the worker tried and could not do (the pages and the API follow such jobs).
    DrawJob.objects.create(task=frozen, kind="draw", status="failed", message="测试",
                           created_by=office)
    return TaskWorld(w, draft, frozen, drawn, finished, plan, approved)
