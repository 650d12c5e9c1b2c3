"""A drawn joint task for the inspection tests: RFB (the office) and the fire rescue (XFZD).

Each department has exactly two officers and groups of two, so every drawn target gets both:
the `inspector` user (RFB-E1) and `other_inspector` (XFZD-E1) are in every group. The task's
period has ended (2026-10-08 to 2026-11-13), so results can be entered for any day in it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from shuangsuiji.draws.services import draw_execute, task_freeze
from shuangsuiji.inspections.models import Inspection, Visit
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import InspectionTask
from tests.draws.conftest import make_inspector, make_item, make_targets

FAR = date(2099, 12, 31)


@dataclass
class DrawnTask:
    task: InspectionTask
    visit: Visit
    office_result: Inspection  # the office's (RFB) result for the first visit
    fire_result: Inspection  # the fire rescue's (XFZD) result for the same visit


@pytest.fixture
def drawn_task(world) -> DrawnTask:
    office = world.users["office"]
    make_targets(world, n=8)
    rfb1 = make_inspector(world.engineering, "RFB-E1", valid_to=FAR)
    make_inspector(world.engineering, "RFB-E2", valid_to=FAR)
    xf1 = make_inspector(world.brigade, "XFZD-E1", valid_to=FAR)
    make_inspector(world.brigade, "XFZD-E2", valid_to=FAR)
    rfb1.user, xf1.user = world.users["inspector"], world.users["other_inspector"]
    rfb1.save(update_fields=["user"])
    xf1.save(update_fields=["user"])
    office_items = [make_item(world.office, "RF-01"), make_item(world.office, "RF-02")]
    fire_item = make_item(world.fire, "XF-01")
    task = plans.task_create(actor=office, data={
        "code": "RFB-2026-LH01", "name": "2026年部门联合双随机抽查", "initiating": world.office,
        "period_start": date(2026, 10, 8), "period_end": date(2026, 11, 13), "ratio": "25",
        "lookback_days": 0})
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[i.pk for i in office_items], role="initiating")
    plans.task_set_department(actor=office, task=task, department_id=world.fire.pk,
                              item_ids=[fire_item.pk])
    plans.task_answer_invitation(actor=world.users["partner"], task=task,
                                 department_id=world.fire.pk, accept=True)
    task_freeze(actor=office, task=task, planned_draw_at=timezone.now() + timedelta(hours=1))
    draw_execute(actor=office, task=task, ceremony_input="38201958377102938475",
                 witnesses=["王新根", "李华"], source="十面骰子 20 次", present=["张三"])
    task.refresh_from_db()
    visit = Visit.objects.filter(task=task).order_by("pk").first()
    results = {r.department_id: r for r in visit.inspections.all()}
    return DrawnTask(task, visit, results[world.office.pk], results[world.fire.pk])


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Evidence and signatures go to a throwaway directory."""
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "private")}}}
