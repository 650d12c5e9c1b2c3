"""抽查任务 pages: the list, every field of the task sheet, editing a draft, and the lock."""

import pytest
from django.urls import reverse

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.plans.models import InspectionTask, TaskDepartment

from .conftest import NAME, make_item

pytestmark = pytest.mark.django_db


def detail(client, task) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("plans:task_detail", args=[task.pk]))
    assert response.status_code == 200
    return response.content.decode()


def task_payload(world, **changes: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"code": "RFB-2024-01", "name": "2024年人防工程双随机抽查",
            "initiating": world.office.pk, "period_start": "2024-04-01",
            "period_end": "2024-11-30", "ratio": "10", "stratification": "none",
            "lookback_days": "365", "method_text": "1.登录平台领取任务。",
            "requirements_text": "严守工作纪律。"} | changes


def test_the_list_shows_the_organisations_tasks_with_their_state(login, seed):
    response = login("office").get(reverse("plans:task_list"))
    assert [t.code for t in response.context["page"]] == ["RFB-2023-01"]
    page = response.content.decode()
    assert NAME in page and '<span class="badge">' in page


def test_the_detail_shows_every_field_of_the_task_sheet(login, seed):
    page = detail(login("office"), seed.task)
    for text in ("晋城市人民防空办公室", "晋城市消防救援支队",  # 发起部门, 配合部门
                 "RF-01", "XF-01",  # each department's checklist, and together "1+X"
                 "15%", "2023-04-01 ~ 2023-11-30",  # 抽取比例, 检查时间
                 "各检查人员登录平台领取任务", "做好后续监管",  # the six steps of 检查方式
                 "严守工作纪律"):  # 工作要求
        assert text in page, text
    context = login("office").get(reverse("plans:task_detail", args=[seed.task.pk])).context
    assert context["pool_total"] == 37 and context["sample_total"] == 6  # 抽取基数, ceil(5.55)
    assert [i.code for i in context["covered_items"]] == ["RF-01", "XF-01"]


def test_the_draft_page_shows_sizes_but_no_candidate(login, seed):
    page = detail(login("office"), seed.task)
    assert not any(t.uscc in page or t.name in page for t in seed.targets)


def test_the_office_creates_a_task_with_filters(login, world, seed):
    response = login("office").post(reverse("plans:task_create"), task_payload(
        world, filter_regions="140502, 1405", filter_industries="e48 B",
        filter_entity_types="有限责任公司\n股份有限公司\n", yearly_cap="5"))
    task = InspectionTask.objects.get(code="RFB-2024-01")
    assert response.status_code == 302
    assert task.filter_regions == ["140502", "1405"] and task.filter_industries == ["E48", "B"]
    assert task.filter_entity_types == ["有限责任公司", "股份有限公司"]
    assert task.yearly_cap is None  # the city's cap, recorded when the task is frozen
    assert list(task.participants.values_list("department", "role")) == [
        (world.office.pk, "initiating")]
    assert AuditEvent.objects.filter(action="task.create", object_id=str(task.pk)).exists()


def test_bad_filters_and_ratios_are_named(login, world, seed):
    response = login("office").post(reverse("plans:task_create"), task_payload(
        world, filter_regions="山西", filter_industries="48", ratio="abc",
        period_end="2024-01-01"))
    errors = response.context["form"].errors
    assert set(errors) == {"filter_regions", "filter_industries", "ratio", "period_end"}
    assert "山西" in errors["filter_regions"][0]
    assert not InspectionTask.objects.filter(code="RFB-2024-01").exists()


def test_a_cooperating_department_is_added_with_its_own_items(login, world, seed):
    emergency = type(world.fire).objects.create(code="YJZD", name="晋城市应急救援支队",
                                               kind="external")
    item = make_item(emergency, "YJ-01")
    client = login("office")
    url = reverse("plans:task_participant_add", args=[seed.task.pk])
    response = client.post(url, {"department": emergency.pk, "items": [seed.fire_item.pk],
                                 "officers": "2", "experts": "0"})
    assert "items" in response.context["form"].errors  # the fire rescue's item, not theirs
    response = client.post(url, {"department": emergency.pk, "items": [item.pk],
                                 "officers": "1", "experts": "0"})
    assert "officers" in response.context["form"].errors  # 2 officers at least
    response = client.post(url, {"department": emergency.pk, "items": [item.pk],
                                 "officers": "3", "experts": "1"})
    assert response.status_code == 302
    participant = TaskDepartment.objects.get(task=seed.task, department=emergency)
    assert (participant.role, participant.officers, participant.experts) == ("cooperating", 3, 1)
    assert "YJ-01" in detail(client, seed.task)
    client.post(reverse("plans:task_participant_remove", args=[seed.task.pk, emergency.pk]))
    assert not TaskDepartment.objects.filter(task=seed.task, department=emergency).exists()


def test_the_initiating_department_cannot_be_removed(login, world, seed):
    client = login("office")
    client.post(reverse("plans:task_participant_remove", args=[seed.task.pk, world.office.pk]))
    assert TaskDepartment.objects.filter(task=seed.task, department=world.office).exists()


def test_strata_take_a_ratio_or_a_count(login, seed):
    client = login("office")
    url = reverse("plans:task_strata", args=[seed.task.pk])
    response = client.post(url, {"A_ratio": "5", "A_count": "3"})
    assert "A_count" in response.context["form"].errors
    response = client.post(url, {"A_ratio": "5", "D_count": "4", "B_ratio": "101"})
    assert "B_ratio" in response.context["form"].errors
    client.post(url, {"A_ratio": "5", "D_count": "4"})
    rules = {s.label: (s.ratio, s.count) for s in seed.task.strata.all()}
    assert rules == {"A": ("5", None), "D": ("", 4)}


def test_risk_strata_show_their_sizes_to_the_office_only(login, world, seed):
    client = login("office")
    client.post(reverse("plans:task_edit", args=[seed.task.pk]), task_payload(
        world, code=seed.task.code, stratification="risk", ratio="15"))
    client.post(reverse("plans:task_strata", args=[seed.task.pk]), {"D_ratio": "100"})
    rows = client.get(reverse("plans:task_detail", args=[seed.task.pk])).context["pool_rows"]
    assert [(r.label, r.n, r.k) for r in rows] == [("A", 10, 2), ("B", 9, 2), ("C", 9, 2),
                                                  ("D", 9, 9)]
    partner = login("partner").get(reverse("plans:task_detail", args=[seed.task.pk]))
    assert partner.context["pool_rows"] == [] and partner.context["pool_total"] == 37


def test_only_the_office_may_change_a_task(login, world, seed, outsider):
    url = reverse("plans:task_edit", args=[seed.task.pk])
    for role in ("section", "leader", "partner"):
        assert login(role).get(url).status_code == 403, role
        assert login(role).post(url, task_payload(world)).status_code == 403, role
    assert login("outsider").get(url).status_code == 404
    assert login("outsider").get(reverse("plans:task_detail", args=[seed.task.pk])
                                 ).status_code == 404
    page = detail(login("partner"), seed.task)
    assert url not in page and reverse("draws:freeze", args=[seed.task.pk]) not in page


def test_joint_tasks_are_visible_to_the_departments_taking_part(login, world, seed):
    assert login("partner").get(reverse("plans:task_list")).context["page"].paginator.count == 1
    assert login("other_office").get(reverse("plans:task_list")).context[
        "page"].paginator.count == 1  # the fire brigade belongs to the fire rescue
    assert login("inspector").get(reverse("plans:task_list")).context[
        "page"].paginator.count == 0  # not drawn yet: assigned to nothing
    assert login("inspector").get(
        reverse("plans:task_detail", args=[seed.task.pk])).status_code == 404


def test_a_frozen_task_shows_no_edit_controls_and_refuses_changes(login, world, seed, frozen):
    client = login("office")
    page = detail(client, seed.task)
    for name in ("plans:task_edit", "plans:task_strata", "plans:task_participant_add",
                 "draws:freeze"):
        assert reverse(name, args=[seed.task.pk]) not in page, name
    response = client.post(reverse("plans:task_edit", args=[seed.task.pk]),
                           task_payload(world, code=seed.task.code, ratio="50"), follow=True)
    assert "can no longer be edited" in response.content.decode()
    response = client.post(reverse("plans:task_participant", args=[seed.task.pk, world.fire.pk]),
                           {"items": [seed.fire_item.pk], "officers": "4", "experts": "0"},
                           follow=True)
    assert "can no longer be edited" in response.content.decode()
    client.post(reverse("plans:task_strata", args=[seed.task.pk]), {"A_ratio": "5"})
    client.post(reverse("plans:task_participant_remove", args=[seed.task.pk, world.fire.pk]))
    seed.task.refresh_from_db()
    assert seed.task.ratio == "15" and not seed.task.strata.exists()
    assert seed.task.participants.get(department=world.fire).officers == 2


def test_a_task_is_created_from_a_plan_entry_with_its_items(login, world, seed):
    from shuangsuiji.plans.services import plan_add_entry, plan_create, plan_set_status

    office = world.users["office"]
    plan = plan_create(actor=office, organisation_id=world.office.pk, year=2024, title="计划")
    entry = plan_add_entry(actor=office, plan=plan, data={"name": "联合检查", "ratio": "20",
                                                         "is_joint": True},
                           item_ids=[seed.office_item.pk, seed.fire_item.pk],
                           participant_ids=[world.fire.pk])
    plan_set_status(actor=office, plan=plan, status="approved")
    client = login("office")
    form = client.get(reverse("plans:task_create"), {"entry": entry.pk}).context["form"]
    assert form.initial["ratio"] == "20" and form.initial["plan_entry"] == entry
    client.post(reverse("plans:task_create"), task_payload(world, entry=entry.pk,
                                                          plan_entry=entry.pk))
    task = InspectionTask.objects.get(code="RFB-2024-01")
    items = {p.department_id: [i.code for i in p.items.all()] for p in task.participants.all()}
    assert items == {world.office.pk: ["RF-01"], world.fire.pk: ["XF-01"]}
