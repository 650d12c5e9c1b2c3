"""The rules of plans and tasks live in plans.services: a caller that skips the page's form and
the API's serializer (a script, the shell, a new view) meets the same refusal, and nothing is
written. Both routes that make a task from a plan entry make the same task."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws import jobs
from shuangsuiji.draws.models import Freeze
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import InspectionTask, PlanEntry, PlanProposal, TaskDepartment
from tests.api.conftest import client_for

from .conftest import Plans

API = "/api/v1"


def _api(user, method: str, path: str, data: object = None):  # type: ignore[no-untyped-def]
    return client_for(user).generic(method, API + path, data=json.dumps(data),
                                    content_type="application/json",
                                    HTTP_ACCEPT_LANGUAGE="en")


def _checklists(task: InspectionTask) -> dict[str, object]:
    return {p.department.code: (p.role, p.order, sorted(i.code for i in p.items.all()),
                                p.officers, p.experts)
            for p in task.participants.select_related("department")}


def _written(task: InspectionTask) -> tuple[object, ...]:
    """What a refused change must leave as it was: the checklists and the audit log."""
    return (_checklists(task), AuditEvent.objects.count())


# -- The items a department may put on a task ---------------------------------------------------

def test_it_refuses_another_organisations_item_when_the_service_is_called_directly(p: Plans):
    office, before = p.world.users["office"], _written(p.task)
    with pytest.raises(ValidationError) as refused:
        plans.task_set_department(actor=office, task=p.task, department_id=p.world.fire.pk,
                                  item_ids=[p.fire_item.pk, p.office_item.pk])
    assert list(refused.value.message_dict) == ["items"]
    assert "RF-01" in refused.value.message_dict["items"][0]
    # A department joining with the other's item: not added either.
    p.task.participants.filter(department=p.world.fire).delete()
    before = _written(p.task)
    with pytest.raises(ValidationError):
        plans.task_set_department(actor=office, task=p.task, department_id=p.world.fire.pk,
                                  item_ids=[p.office_item.pk])
    assert _written(p.task) == before
    assert not TaskDepartment.objects.filter(task=p.task, department=p.world.fire).exists()


def test_it_refuses_an_item_that_does_not_exist(p: Plans):
    with pytest.raises(ValidationError) as refused:
        plans.task_set_department(actor=p.world.users["office"], task=p.task,
                                  department_id=p.world.office.pk, item_ids=[999_999])
    assert refused.value.message_dict == {"items": ["No such item: 999999."]}


def test_it_refuses_another_organisations_item_through_the_api(p: Plans):
    before = _written(p.task)
    response = _api(p.world.users["office"], "PUT",
                    f"/tasks/{p.task.pk}/participants/{p.world.fire.pk}/",
                    {"items": [p.office_item.pk], "officers": 3})
    assert response.status_code == 400
    assert list(response.json()) == ["items"] and "RF-01" in response.json()["items"][0]
    assert _written(p.task) == before


def test_it_refuses_another_organisations_item_on_the_page(p: Plans, login):
    before = _written(p.task)
    response = login("office").post(
        reverse("plans:task_participant", args=[p.task.pk, p.world.fire.pk]),
        {"items": [p.office_item.pk], "officers": "3", "experts": "0"})
    assert response.status_code == 200
    assert "RF-01" in response.context["form"].errors["items"][0]
    assert _written(p.task) == before


def test_another_organisation_cannot_change_the_task_by_calling_the_service(p: Plans):
    before = _written(p.task)
    for role in ("partner", "section", "leader"):
        with pytest.raises(PermissionDenied):
            plans.task_set_department(actor=p.world.users[role], task=p.task,
                                      department_id=p.world.fire.pk, item_ids=[p.fire_item.pk],
                                      officers=5)
        with pytest.raises(PermissionDenied):
            plans.task_update(actor=p.world.users[role], task=p.task, data={"ratio": "90"})
    assert _written(p.task) == before
    assert InspectionTask.objects.get(pk=p.task.pk).ratio == "15"


# -- A task from a plan entry ---------------------------------------------------------------------

SHEET = {"name": "人防与消防联合抽查", "period_start": "2026-05-01", "period_end": "2026-10-31",
         "ratio": "20", "stratification": "none", "lookback_days": 365,
         "method_text": "1.登录平台领取任务。", "requirements_text": "严守工作纪律。"}


def test_the_page_and_the_api_make_the_same_task_from_a_plan_entry(p: Plans, login):
    world = p.world
    client = login("office")
    shown = client.get(reverse("plans:task_create"), {"entry": p.entry.pk}).context["form"]
    assert {k: shown.initial[k] for k in ("name", "ratio", "period_start", "period_end")} == {
        "name": "人防与消防联合抽查", "ratio": "20", "period_start": date(2026, 5, 1),
        "period_end": date(2026, 10, 31)}
    page = client.post(reverse("plans:task_create") + f"?entry={p.entry.pk}",
                       SHEET | {"code": "RFB-PAGE", "initiating": world.office.pk,
                                "plan_entry": p.entry.pk})
    assert page.status_code == 302
    api = _api(world.users["office"], "POST", "/tasks/",
               SHEET | {"code": "RFB-API", "initiating": world.office.pk,
                        "plan_entry": p.entry.pk})
    assert api.status_code == 201, api.json()
    by_page = InspectionTask.objects.get(code="RFB-PAGE")
    by_api = InspectionTask.objects.get(code="RFB-API")
    fields = ["name", "initiating_id", "plan_entry_id", "period_start", "period_end", "ratio",
              "stratification", "lookback_days", "state", "method_text"]
    assert ({f: getattr(by_page, f) for f in fields}
            == {f: getattr(by_api, f) for f in fields})
    assert _checklists(by_page) == _checklists(by_api) == {
        "RFB": ("initiating", 0, ["RF-01"], 2, 0), "XFZD": ("cooperating", 1, ["XF-01"], 2, 0)}


def test_a_task_carries_out_an_entry_of_an_approved_plan_of_its_own_organisation(p: Plans):
    office = p.world.users["office"]
    draft_plan = plans.plan_create(actor=office, organisation_id=p.world.office.pk, year=2027,
                                   title="2027年度随机抽查计划")
    draft_entry = plans.plan_add_entry(actor=office, plan=draft_plan, data={"name": "草稿"},
                                       item_ids=[p.office_item.pk], participant_ids=[])
    tasks = InspectionTask.objects.count()
    for entry, initiating in ((draft_entry, p.world.office), (p.entry, p.world.fire)):
        actor = office if initiating == p.world.office else p.world.users["admin"]
        with pytest.raises(ValidationError) as refused:
            plans.task_create_from_entry(actor=actor, data={
                "code": f"T-{entry.pk}-{initiating.code}", "name": "x", "initiating": initiating,
                "period_start": date(2026, 5, 1), "period_end": date(2026, 6, 1),
                "ratio": "10", "plan_entry": entry})
        assert list(refused.value.message_dict) == ["plan_entry"]
    assert InspectionTask.objects.count() == tasks


# -- Plans: who proposes, merges and approves, and what ------------------------------------------

def test_only_the_office_adds_entries_and_approves_even_calling_the_service(p: Plans):
    world = p.world
    plan = plans.plan_create(actor=world.users["office"], organisation_id=world.office.pk,
                             year=2027, title="2027年度随机抽查计划")
    audit = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        plans.plan_add_entry(actor=world.users["section"], plan=plan, data={"name": "x"},
                             item_ids=[p.office_item.pk], participant_ids=[])
    with pytest.raises(PermissionDenied):
        plans.plan_set_status(actor=world.users["section"], plan=plan, status="approved")
    with pytest.raises(PermissionDenied):  # another organisation's office
        plans.plan_set_status(actor=world.users["partner"], plan=plan, status="approved")
    with pytest.raises(PermissionDenied):
        plans.plan_create(actor=world.users["section"], organisation_id=world.office.pk,
                          year=2028, title="x")
    plan.refresh_from_db()
    assert plan.status == "draft" and not plan.entries.exists()
    assert AuditEvent.objects.count() == audit


def test_a_section_proposes_for_itself_only_from_the_offices_list(p: Plans):
    world = p.world
    plan = plans.plan_create(actor=world.users["office"], organisation_id=world.office.pk,
                             year=2027, title="2027年度随机抽查计划")
    section = world.users["section"]  # of 工程科
    cases = [({"section_id": world.legal.pk, "item_ids": [p.office_item.pk]}, "section"),
             ({"section_id": world.brigade.pk, "item_ids": [p.office_item.pk]}, "section"),
             ({"section_id": world.engineering.pk, "item_ids": [p.fire_item.pk]}, "items")]
    for arguments, field in cases:
        with pytest.raises(ValidationError) as refused:
            plans.plan_propose(actor=section, plan=plan, text="建议", **arguments)
        assert list(refused.value.message_dict) == [field]
    assert not PlanProposal.objects.filter(plan=plan).exists()
    proposal = plans.plan_propose(actor=section, plan=plan, section_id=world.engineering.pk,
                                  text="建议", item_ids=[p.office_item.pk])
    assert proposal.section == world.engineering


def test_an_entry_is_refused_field_by_field_and_merges_no_declined_proposal(p: Plans):
    world, office = p.world, p.world.users["office"]
    plan = plans.plan_create(actor=office, organisation_id=world.office.pk, year=2027,
                             title="2027年度随机抽查计划")
    p.fire_item.is_published = False
    p.fire_item.save(update_fields=["is_published"])
    with pytest.raises(ValidationError) as refused:
        plans.plan_add_entry(actor=office, plan=plan,
                             data={"name": "x", "is_joint": True, "starts_on": date(2027, 6, 1),
                                   "ends_on": date(2027, 5, 1), "ratio": "150"},
                             item_ids=[p.fire_item.pk], participant_ids=[world.legal.pk])
    assert sorted(refused.value.message_dict) == ["ends_on", "items", "participants", "ratio"]
    proposal = plans.plan_propose(actor=office, plan=plan, section_id=world.legal.pk,
                                  text="建议", item_ids=[p.office_item.pk])
    for batch in ("一", "二"):  # one proposal, two batches
        plans.plan_add_entry(actor=office, plan=plan, data={"name": batch}, proposal=proposal,
                             item_ids=[p.office_item.pk], participant_ids=[])
    PlanProposal.objects.filter(pk=proposal.pk).update(status="declined")
    with pytest.raises(ValidationError) as declined:
        plans.plan_add_entry(actor=office, plan=plan, data={"name": "三"}, proposal=proposal,
                             item_ids=[p.office_item.pk], participant_ids=[])
    assert list(declined.value.message_dict) == ["proposal"]
    with pytest.raises(ValidationError) as elsewhere:
        plans.plan_add_entry(actor=office, plan=p.plan, data={"name": "三"}, proposal=proposal,
                             item_ids=[p.office_item.pk], participant_ids=[])
    assert elsewhere.value.messages == ["An approved plan cannot be changed."]
    assert sorted(PlanEntry.objects.filter(plan=plan).values_list("name", flat=True)) == [
        "一", "二"]


def test_a_plan_belongs_to_an_office_and_its_leading_section_to_it(p: Plans):
    admin = p.world.users["admin"]
    with pytest.raises(ValidationError) as section:
        plans.plan_create(actor=admin, organisation_id=p.world.legal.pk, year=2027, title="x")
    assert list(section.value.message_dict) == ["organisation"]
    with pytest.raises(ValidationError) as foreign:
        plans.plan_create(actor=admin, organisation_id=p.world.office.pk, year=2027, title="x",
                          leading_section_id=p.world.brigade.pk)
    assert list(foreign.value.message_dict) == ["leading_section"]


# -- The planned draw time ------------------------------------------------------------------------

def test_a_draw_planned_in_the_past_or_years_ahead_is_refused_by_page_api_and_service(
        p: Plans, login):
    office = p.world.users["office"]
    past, far = timezone.now() - timedelta(hours=2), timezone.now() + timedelta(days=400)
    for moment in (past, far):
        with pytest.raises(ValidationError) as refused:
            jobs.freeze_or_queue(actor=office, task=p.task, planned_draw_at=moment)
        assert list(refused.value.message_dict) == ["planned_draw_at"]
    response = _api(office, "POST", f"/tasks/{p.task.pk}/freeze/",
                    {"planned_draw_at": far.isoformat()})
    assert response.status_code == 400 and list(response.json()) == ["planned_draw_at"]
    page = login("office").post(reverse("draws:freeze", args=[p.task.pk]), {
        "planned_draw_at": timezone.localtime(past).strftime("%Y-%m-%dT%H:%M"), "confirm": "on"})
    assert page.status_code == 200
    assert "has passed" in page.context["form"].errors["planned_draw_at"][0]
    assert not Freeze.objects.filter(task=p.task).exists()
    assert InspectionTask.objects.get(pk=p.task.pk).state == "draft"


def test_only_the_office_freezes_and_draws_even_calling_the_service(p: Plans):
    from shuangsuiji.draws import services as draws

    moment = timezone.now() + timedelta(hours=1)
    audit = AuditEvent.objects.count()
    for role in ("partner", "section", "leader", "inspector"):
        actor = p.world.users[role]
        with pytest.raises(PermissionDenied):
            draws.task_freeze(actor=actor, task=p.task, planned_draw_at=moment)
        with pytest.raises(PermissionDenied):
            jobs.freeze_or_queue(actor=actor, task=p.task, planned_draw_at=moment)
    assert not Freeze.objects.filter(task=p.task).exists()
    assert AuditEvent.objects.count() == audit
    draws.task_freeze(actor=p.world.users["office"], task=p.task, planned_draw_at=moment)
    with pytest.raises(PermissionDenied):
        draws.draw_execute(actor=p.world.users["partner"], task=p.task,
                           ceremony_input="38201958377102938475", witnesses=["王新根"],
                           source="十面骰子")
    assert InspectionTask.objects.get(pk=p.task.pk).state == "frozen"
