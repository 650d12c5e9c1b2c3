"""The seed's joint task, ready for the pages: 37 targets, the office and the fire rescue.

Inspectors E001–E006 (engineering section of the office) and F001–F004 (the fire brigade);
the `inspector` user is E001 and `other_inspector` is F001, so their own pages show their own
assignments. Times are real: the pages judge certificates and planned times against now.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.draws.models import DrawRecord, Freeze
from shuangsuiji.draws.services import draw_execute, task_freeze
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.services import task_answer_invitation, task_create, task_set_department
from tests.conftest import make_user
from tests.draws.conftest import make_inspector, make_item, make_targets

CEREMONY = "38201958377102938475"
NAME = "2023年非煤矿山部门联合双随机抽查"
FAR = date(2099, 12, 31)


@dataclass
class Seed:
    task: InspectionTask
    targets: list[Target]
    office_item: InspectionItem
    fire_item: InspectionItem
    e001: Inspector
    f001: Inspector


@pytest.fixture
def seed(world) -> Seed:
    targets = make_targets(world)
    e = [make_inspector(world.engineering, f"E{i:03d}", valid_to=FAR) for i in range(1, 7)]
    f = [make_inspector(world.brigade, f"F{i:03d}", valid_to=FAR) for i in range(1, 5)]
    for n, inspector in enumerate(e + f, start=1):
        inspector.phone = f"139{n:08d}"
        inspector.save()
    e[0].user, f[0].user = world.users["inspector"], world.users["other_inspector"]
    e[0].save()
    f[0].save()
    office_item, fire_item = make_item(world.office, "RF-01"), make_item(world.fire, "XF-01")
    office = world.users["office"]
    task = task_create(actor=office, data={
        "code": "RFB-2023-01", "name": NAME, "initiating": world.office,
        "period_start": date(2023, 4, 1), "period_end": date(2023, 11, 30), "ratio": "15",
        "requirements_text": "（一）严守工作纪律。"})
    task_set_department(actor=office, task=task, department_id=world.office.pk,
                        item_ids=[office_item.pk], role="initiating")
    task_set_department(actor=office, task=task, department_id=world.fire.pk,
                        item_ids=[fire_item.pk])
    task_answer_invitation(actor=world.users["partner"], task=task,
                           department_id=world.fire.pk, accept=True)
    return Seed(task, targets, office_item, fire_item, e[0], f[0])


def freeze(world, task: InspectionTask) -> Freeze:
    return task_freeze(actor=world.users["office"], task=task,
                       planned_draw_at=timezone.now() + timedelta(hours=1))


def draw(world, task: InspectionTask) -> DrawRecord:
    return draw_execute(actor=world.users["office"], task=task, ceremony_input=CEREMONY,
                        witnesses=["王新根", "李华"], source="十面骰子 20 次", present=["张三"])


@pytest.fixture
def frozen(world, seed) -> Freeze:
    return freeze(world, seed.task)


@pytest.fixture
def drawn(world, seed, frozen) -> DrawRecord:
    return draw(world, seed.task)


@pytest.fixture
def outsider(world):  # type: ignore[no-untyped-def]
    """The office of a third organisation, which takes part in nothing: login("outsider")."""
    emergency = Department.objects.create(code="YJJ", name="晋城市应急管理局",
                                          kind=DepartmentKind.OFFICE)
    world.users["outsider"] = make_user("outsider", Role.OFFICE, emergency)
    return world.users["outsider"]


@pytest.fixture
def login(client: Client, world):  # type: ignore[no-untyped-def]
    """login("office") → the test client signed in as that user of the world.

    Pages are asked for in English, so messages can be asserted whatever the Chinese
    catalogue says.
    """

    def _login(role: str) -> Client:
        client.force_login(world.users[role])
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _login
