"""The task form's item picker: it offers what plans.services.checklist_items allows, by
抽查类别 with 重点/一般, as checkboxes; the service refuses anything else in Chinese."""

import re

import pytest
from django.urls import reverse

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.plans.models import TaskDepartment

from .conftest import make_item

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def items(world, seed) -> dict[str, InspectionItem]:
    """Besides the seed's RF-01 (人防监督检查) and XF-01: the office's key item of another
    category, a draft of its own, one withdrawn from force, and the fire rescue's second."""
    key = make_item(world.engineering, "RF-02")
    InspectionItem.objects.filter(pk=key.pk).update(category="人防工程建设", kind="key")
    draft = make_item(world.legal, "RF-03")
    InspectionItem.objects.filter(pk=draft.pk).update(is_published=False)
    retired = make_item(world.office, "RF-04")
    InspectionItem.objects.filter(pk=retired.pk).update(is_active=False)
    return {"key": key, "draft": draft, "retired": retired,
            "fire2": make_item(world.fire, "XF-02")}


def offered(html: str) -> list[str]:
    return re.findall(r'<span class="code">([^<]+)</span>', html)


def groups(html: str) -> list[str]:
    return re.findall(r"<legend>([^<]+)</legend>", html)


def test_it_offers_only_the_departments_published_items_by_category(login, world, seed, items):
    url = reverse("plans:task_participant", args=[seed.task.pk, world.office.pk])
    html = login("office").get(url, **ZH).content.decode()
    # By category; no draft, nothing withdrawn from force, nothing of the fire rescue's.
    assert offered(html) == ["RF-02", "RF-01"]
    assert groups(html) == ["人防工程建设", "人防监督检查"]
    assert 'type="checkbox" name="items"' in html and "<select" not in html.split(
        'data-item-picker')[1].split("</fieldset>")[0]
    assert "重点" in html and "一般" in html
    assert re.search(rf'value="{seed.office_item.pk}"[^>]*checked', html)  # its current item
    assert "item_picker.js" in html


def test_a_cooperating_department_is_chosen_first_then_its_items(login, world, seed, items):
    emergency = type(world.fire).objects.create(code="YJZD", name="晋城市应急救援支队",
                                               kind="external")
    make_item(emergency, "YJ-01")
    client = login("office")
    url = reverse("plans:task_participant_add", args=[seed.task.pk])
    first = client.get(url, **ZH).content.decode()
    assert offered(first) == [] and 'method="get"' in first and "下一步" in first
    html = client.get(url, {"department": emergency.pk}, **ZH).content.decode()
    assert offered(html) == ["YJ-01"]


@pytest.mark.parametrize("case", [
    ("draft", "未在抽查事项清单上公布或已停用：RF-03"),
    ("retired", "未在抽查事项清单上公布或已停用：RF-04"),
    ("fire2", "不在晋城市人民防空办公室所属单位的抽查事项清单中：XF-02"),
])
def test_a_forbidden_item_posted_is_refused_in_chinese(login, world, seed, items, case):
    which, reason = case
    url = reverse("plans:task_participant", args=[seed.task.pk, world.office.pk])
    response = login("office").post(url, {"items": [seed.office_item.pk, items[which].pk],
                                          "officers": "2", "experts": "0"}, **ZH)
    assert response.status_code == 200
    errors = response.context["form"].errors["items"]
    assert any(reason in e for e in errors), errors
    assert reason in response.content.decode()
    participant = TaskDepartment.objects.get(task=seed.task, department=world.office)
    assert [i.code for i in participant.items.all()] == ["RF-01"]  # unchanged
