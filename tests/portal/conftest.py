"""Published results of the drawn joint task, a risk-stratified task, and the public client.

The office's first result has findings with a phone and an identity number (masked when
published); the fire rescue's result has its findings withheld by an approved redaction;
every drawn target is in credit-risk class D (internal: never public)."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shuangsuiji.draws.services import draw_execute, task_freeze
from shuangsuiji.entities.models import Target
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.publication import services as publication
from shuangsuiji.publication.models import PublishedResult
from tests.inspections.conftest import DrawnTask, drawn_task, private_files  # noqa: F401

# The approved results are the publication tests' own (one world for both).
from tests.publication.conftest import (  # noqa: F401
    FINDINGS,
    ID_NUMBER,
    PHONE,
    Approved,
    approve,
    approved,
)

SECRET_FINDINGS = "拒绝提供消防设施维护记录。"


@dataclass
class Portal:
    approved: Approved
    results: list[PublishedResult]  # the office's, then the fire rescue's (findings withheld)

    @property
    def task(self) -> InspectionTask:
        return self.approved.drawn.task


@pytest.fixture
def portal(world, approved) -> Portal:  # noqa: F811
    task = approved.drawn.task
    Target.objects.filter(pk__in=task.draw.targets.values("target_id")).update(risk_class="D")
    publication.redaction_approve(actor=world.users["partner"], inspection=approved.fire,
                                  whole=False, fields=["findings"], basis="trade_secret",
                                  reason="涉及企业商业秘密，依据《政府信息公开条例》第十五条")
    results = [publication.result_publish(actor=world.users["office"], inspection=r)
               for r in approved.office]
    results.append(publication.result_publish(actor=world.users["partner"],
                                              inspection=approved.fire))
    return Portal(approved, results)


@pytest.fixture
def anonymous() -> Client:
    return Client()


def risk_task(world, code: str = "RFB-2026-FX01") -> InspectionTask:
    """A frozen task of the office stratified by credit-risk class (targets exist)."""
    office = world.users["office"]
    task = plans.task_create(actor=office, data={
        "code": code, "name": "2026年分级分类抽查", "initiating": world.office,
        "period_start": date(2026, 10, 8), "period_end": date(2026, 11, 13), "ratio": "25",
        "lookback_days": 0})
    item = world.office.items.filter(is_published=True).first()
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[item.pk], role="initiating")
    plans.task_update(actor=office, task=task, data={"stratification": "risk"})
    plans.task_set_strata(actor=office, task=task, rules={
        "A": {"ratio": "50"}, "B": {"ratio": "50"}, "C": {"ratio": "50"}, "D": {"ratio": "100"}})
    task_freeze(actor=office, task=task, planned_draw_at=timezone.now() + timedelta(hours=1))
    task.refresh_from_db()
    return task


def draw(world, task: InspectionTask) -> InspectionTask:
    draw_execute(actor=world.users["office"], task=task, ceremony_input="98765432109876543210",
                 witnesses=["王新根", "李华"], source="十面骰子 20 次", present=["张三"])
    task.refresh_from_db()
    return task
