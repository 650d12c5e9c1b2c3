"""A cooperating organisation answers a joint task's invitation in the browser, and the office
sees the answer: the page fits a phone."""

from datetime import date

from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import TaskDepartment
from tests.draws.conftest import make_item

from .test_inspector_flow import Session


def test_the_fire_rescue_accepts_the_invitation_with_its_own_group_size(
        browser, live_server, world, shots):
    office = world.users["office"]
    task = plans.task_create(actor=office, data={
        "code": "RFB-2026-09", "name": "人防与消防联合抽查", "initiating": world.office,
        "period_start": date(2026, 12, 1), "period_end": date(2027, 3, 31), "ratio": "15"})
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[make_item(world.office, "RF-01").pk])
    plans.task_set_department(actor=office, task=task, department_id=world.fire.pk,
                              item_ids=[make_item(world.fire, "XF-01").pk])
    partner = Session(browser, live_server.url, "partner")
    page = partner.open(f"/plans/tasks/{task.pk}/")
    assert "已邀请，待答复" in page.content()
    partner.submit(page.get_by_role("link", name="答复邀请"))
    shots(page, "task-invitation")
    page.fill("input[name=officers]", "3")
    partner.submit(page.locator("main form button.primary"))
    assert "答复已记录" in page.content()
    shots(page, "task-invitation-answered")
    fire = TaskDepartment.objects.get(task=task, department=world.fire)
    assert (fire.invitation, fire.officers) == ("accepted", 3)
    page = Session(browser, live_server.url, "office").open(f"/plans/tasks/{task.pk}/")
    assert "已邀请，待答复" not in page.content() and "答复邀请" not in page.content()
