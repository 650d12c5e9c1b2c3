"""The seed's joint task on a small directory: 37 targets, RFB and the fire rescue."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Certificate, Inspector, InspectorStatusChange
from shuangsuiji.plans.services import task_answer_invitation, task_create, task_set_department
from shuangsuiji.rules import uscc

SHANGHAI = ZoneInfo("Asia/Shanghai")
DRAW_AT = datetime(2023, 3, 30, 9, 0, tzinfo=SHANGHAI)


def make_targets(world, n=37, start=0):
    targets = []
    for i in range(start, start + n):
        targets.append(Target.objects.create(
            department=world.office, uscc=uscc.make_valid(f"91140502MA0K{i:05d}"),
            name=f"晋城市测试企业{i}有限公司", risk_class="ABCD"[i % 4], region_code="140502",
            industry_code="E4811"))
    return targets


def make_inspector(department, code, role="officer", valid_to=date(2026, 12, 31)):
    inspector = Inspector.objects.create(department=department, code=code, name=f"检查员{code}",
                                         role=role, status="active",
                                         status_since=date(2015, 1, 1))
    InspectorStatusChange.objects.create(inspector=inspector, status="active",
                                         effective_on=date(2015, 1, 1))
    if role == "officer":
        Certificate.objects.create(inspector=inspector, number=f"CERT-{code}", issuer="山西省",
                                   valid_from=date(2015, 1, 1), valid_to=valid_to)
    return inspector


def make_item(department, code):
    return InspectionItem.objects.create(
        code=code, category="人防监督检查", matter=f"事项{code}", target_type="企业",
        basis="《中华人民共和国人民防空法》第二十二条", department=department, content="检查内容",
        method="现场检查", is_published=True)


@pytest.fixture
def seed_task(world):
    make_targets(world)
    for i in range(1, 7):
        make_inspector(world.engineering, f"E{i:03d}")
    for i in range(1, 5):
        make_inspector(world.brigade, f"F{i:03d}")
    office_item = make_item(world.office, "RF-01")
    fire_item = make_item(world.fire, "XF-01")
    task = task_create(actor=world.users["office"], data={
        "code": "RFB-2023-01", "name": "2023年非煤矿山部门联合双随机抽查",
        "initiating": world.office, "period_start": date(2023, 4, 1),
        "period_end": date(2023, 11, 30), "ratio": "15"})
    task_set_department(actor=world.users["office"], task=task, department_id=world.office.pk,
                        item_ids=[office_item.pk], role="initiating")
    task_set_department(actor=world.users["office"], task=task, department_id=world.fire.pk,
                        item_ids=[fire_item.pk])
    task_answer_invitation(actor=world.users["partner"], task=task,
                           department_id=world.fire.pk, accept=True)
    return task


@pytest.fixture(autouse=True)
def english_messages():
    """The services speak the active language; these tests read their English messages."""
    from django.utils import translation

    with translation.override("en"):
        yield
