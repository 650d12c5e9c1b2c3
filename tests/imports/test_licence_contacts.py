"""联系人 and 联系电话 of the licensing bureau's exports go to the target's contacts."""

import pytest
from django.utils import translation

from shuangsuiji.entities.models import Contact, Target, TargetChange
from shuangsuiji.entities.services import contact_add
from shuangsuiji.imports.choices import ImportStatus

from .conftest import CODE_A, CODE_B, CODE_C, LICENCE_HEADERS, check, csv_bytes, licence_row, run

pytestmark = pytest.mark.django_db
HEADERS = [*LICENCE_HEADERS, "联系人", "联系电话"]


def row(person: str, phone: str, **overrides: str) -> list[str]:
    return [*licence_row(**overrides), person, phone]


def contacts(code: str) -> list[tuple[str, str]]:
    return sorted(Contact.objects.filter(target__uscc=code).values_list("name", "phone"))


def test_the_columns_are_mapped_by_default_and_fill_the_contacts(world):
    job = run(world, csv_bytes([
        row("李四", "13812345678"),
        row("李四", "13812345678", number="XK-002"),  # the same entity, another licence
        row("王五", "", name="晋城市乙商贸有限公司", code=CODE_B),  # a name alone will do
    ], headers=HEADERS))
    assert job.status == ImportStatus.DONE and job.rejected == 0
    assert contacts(CODE_A) == [("李四", "13812345678")]
    assert contacts(CODE_B) == [("王五", "")]
    assert (job.counts["contacts_created"], job.counts["contacts_updated"]) == (2, 0)


def test_a_later_file_updates_a_contacts_phone_and_adds_a_new_one(world):
    target = Target.objects.create(department=world.office, uscc=CODE_A,
                                   name="晋城市甲建材有限公司")
    contact_add(actor=world.users["office"], target=target, name="李四", position="经理",
                phone="0356-2000000")
    job = run(world, csv_bytes([row("李四", "13812345678"),
                                row("赵六", "0356-2251169", name="晋城市乙商贸有限公司",
                                    code=CODE_B)], headers=HEADERS))
    assert job.status == ImportStatus.DONE
    assert contacts(CODE_A) == [("李四", "13812345678")]
    assert Contact.objects.get(target=target).position == "经理"  # kept
    assert contacts(CODE_B) == [("赵六", "0356-2251169")]
    change = TargetChange.objects.get(target=target, action="contact")
    assert change.import_job == job
    # The history is read by whoever may read the target: phones stay masked there.
    assert change.before == {"联系人": "李四", "联系电话": "035****0000"}
    assert change.after == {"联系人": "李四", "联系电话": "138****5678"}
    again = run(world, csv_bytes([row("李四", "13812345678")], headers=HEADERS))
    assert again.counts["contacts_updated"] == 0 and again.counts["contacts_created"] == 0
    assert TargetChange.objects.filter(target=target, action="contact").count() == 1


@pytest.mark.parametrize(("cells", "column", "reason"), [
    (("李四", "电话待补"), "联系电话", "“电话待补”不是有效的电话号码"),
    (("李四", "１３８１２３４５６７８"), "联系电话", "不是有效的电话号码"),
    (("", "13812345678"), "联系人", "有联系电话而没有联系人姓名"),
    (("李" * 51, "13812345678"), "联系人", "过长"),
])
def test_a_bad_contact_is_a_row_error_in_chinese(world, cells, column, reason):
    job = check(world, csv_bytes([row("王五", "13900000000", code=CODE_C, number="OK"),
                                  row(*cells)], headers=HEADERS))
    assert job.status == ImportStatus.VALIDATED and job.rejected == 1
    (issue,) = job.issues.all()
    assert (issue.row, issue.column) == (3, column)  # the header is row 1
    with translation.override("zh-hans"):
        assert reason in issue.message, issue.message
