"""End to end: a serious finding raises the entity to class D, and the next task stratified by
risk puts it in stratum D (100%) and draws it. The frequency warning sees the first visit."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from shuangsuiji.credit.selectors import inspected_recently
from shuangsuiji.draws.models import DrawnTarget, FrozenCandidate
from shuangsuiji.draws.services import draw_execute, task_freeze
from shuangsuiji.inspections import services as inspections
from shuangsuiji.plans import services as plans

from .conftest import fill, set_class


def test_a_serious_finding_moves_the_entity_into_the_full_stratum(world, drawn_task, rules):
    office, result = world.users["office"], drawn_task.office_result
    target = result.visit.drawn_target.target
    set_class(target, "A")
    result = fill(result, world.users["inspector"], categories=["pending"],
                  findings={f.item_id: ("non_compliant", "") for f in result.findings.all()})
    case = inspections.follow_up_create(actor=office, inspection=result, kind="penalty",
                                        owner=office, due_on=timezone.localdate())
    inspections.follow_up_penalty(actor=office, follow_up=case, decision_number="晋罚〔2026〕1号",
                                  amount=Decimal("5000"), decision_date=timezone.localdate())
    target.refresh_from_db()
    assert target.risk_class == "D"

    items = [i.pk for i in drawn_task.task.participants.get(department=world.office).items.all()]
    task = plans.task_create(actor=office, data={
        "code": "RFB-2026-FX02", "name": "2026年信用风险分类抽查", "initiating": world.office,
        "period_start": date(2026, 12, 1), "period_end": date(2026, 12, 31),
        "lookback_days": 0, "stratification": "risk"})
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=items, role="initiating")
    plans.task_set_strata(actor=office, task=task, rules={
        "A": {"ratio": "10"}, "B": {"ratio": "20"}, "C": {"ratio": "50"},
        "D": {"ratio": "100"}})
    freeze = task_freeze(actor=office, task=task,
                         planned_draw_at=timezone.now() + timedelta(hours=1))
    line = FrozenCandidate.objects.get(freeze=freeze, target=target)
    assert str(line) == f"{target.uscc}\tD"
    draw_execute(actor=office, task=task, ceremony_input="20261127093815528461",
                 witnesses=["王新根", "李华"], source="十面骰子", present=[])
    drawn = DrawnTarget.objects.get(task=task, target=target)
    assert drawn.stratum == "D" and drawn.replaced_at is None
    # Before the finding the entity was A: with 10% of 2 class-A entities it would be one of 1.
    assert DrawnTarget.objects.filter(task=task, stratum="A").count() == 1


def test_inspected_recently_warns_of_a_second_inspection_soon(world, drawn_task):
    result = fill(drawn_task.office_result, world.users["inspector"])
    target = result.visit.drawn_target.target
    recent = inspected_recently(target, 180, today=date(2026, 11, 27))
    assert [(r.day, r.task_code, r.days_ago) for r in recent] == [
        (date(2026, 10, 20), "RFB-2026-LH01", 38)]
    assert inspected_recently(target, 30, today=date(2026, 11, 27)) == []
