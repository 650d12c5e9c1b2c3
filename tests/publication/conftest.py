"""Approved results to publish: the drawn joint task of the inspection tests, each
department's result of the first visits entered, signed, submitted and approved."""

from dataclasses import dataclass
from datetime import date

import pytest

from shuangsuiji.inspections import services as inspections
from shuangsuiji.inspections.models import Inspection, Visit
from tests.inspections.conftest import DrawnTask, drawn_task, private_files  # noqa: F401
from tests.inspections.test_results import fill, sign_all

PHONE = "13812345678"
ID_NUMBER = "140502198001010015"
FINDINGS = (f"现场负责人张三（电话{PHONE}，身份证号{ID_NUMBER}）陪同检查，"
            "防护门密闭不严，已责令改正。")


@dataclass
class Approved:
    drawn: DrawnTask
    office: list[Inspection]  # the office's (RFB) approved results, one per visit (two)
    fire: Inspection  # the fire rescue's approved result of the first visit


def approve(world, result: Inspection, **changes) -> Inspection:
    """Enter, sign, submit and approve a result as its group and its reviewers would."""
    office_dept = result.department_id == world.office.pk
    member = world.users["inspector" if office_dept else "other_inspector"]
    reviewer = world.users["office" if office_dept else "partner"]
    fill(result, member, **changes)
    sign_all(result, member)
    inspections.inspection_submit(actor=member, inspection=result)
    return inspections.inspection_review(actor=reviewer, inspection=result, approve=True)


@pytest.fixture
def approved(world, drawn_task) -> Approved:  # noqa: F811
    visits = list(Visit.objects.filter(task=drawn_task.task).order_by("pk"))
    office = []
    for n, visit in enumerate(visits):
        result = visit.inspections.get(department=world.office)
        changes = {"categories": ["corrected"], "summary": FINDINGS} if n == 0 else {}
        office.append(approve(world, result, inspected_on=date(2026, 10, 20 + n), **changes))
    fire = approve(world, drawn_task.fire_result, conduct="refused",
                   categories=["refused"], summary="拒绝提供消防设施维护记录。")
    return Approved(drawn_task, office, fire)
