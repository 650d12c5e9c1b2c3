"""A draft task of the office (RFB) joint with the fire rescue (XFZD), each with its own item,
and an approved plan of the office with a joint entry: made through the services."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import AnnualPlan, InspectionTask, PlanEntry
from tests.conftest import World
from tests.draws.conftest import make_item


@dataclass
class Plans:
    world: World
    office_item: InspectionItem
    fire_item: InspectionItem
    task: InspectionTask  # a draft: RFB with its item, XFZD with its own
    plan: AnnualPlan  # approved
    entry: PlanEntry  # joint with XFZD, both items


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def p(world: World) -> Plans:
    office = world.users["office"]
    office_item = make_item(world.office, "RF-01")
    fire_item = make_item(world.fire, "XF-01")
    task = plans.task_create(actor=office, data={
        "code": "RFB-2026-01", "name": "部门联合双随机抽查", "initiating": world.office,
        "period_start": date(2026, 12, 1), "period_end": date(2027, 3, 31), "ratio": "15"})
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[office_item.pk])
    plans.task_set_department(actor=office, task=task, department_id=world.fire.pk,
                              item_ids=[fire_item.pk])
    plans.task_answer_invitation(actor=world.users["partner"], task=task,
                                 department_id=world.fire.pk, accept=True)
    plan = plans.plan_create(actor=office, organisation_id=world.office.pk, year=2026,
                             title="2026年度随机抽查计划")
    entry = plans.plan_add_entry(
        actor=office, plan=plan, data={"name": "人防与消防联合抽查", "is_joint": True,
                                       "ratio": "20", "starts_on": date(2026, 5, 1),
                                       "ends_on": date(2026, 10, 31)},
        item_ids=[office_item.pk, fire_item.pk], participant_ids=[world.fire.pk])
    plan = plans.plan_set_status(actor=office, plan=plan, status="approved")
    return Plans(world, office_item, fire_item, task, plan, entry)


@pytest.fixture
def login(client: Client, world: World):  # type: ignore[no-untyped-def]
    """login("office") → the test client signed in as that user, asking for English."""

    def _login(role: str) -> Client:
        client.force_login(world.users[role])
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _login
