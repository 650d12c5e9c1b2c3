"""年度抽查计划 pages: sections propose, the office merges, approves and publishes."""

import pytest
from django.urls import reverse

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.plans.models import AnnualPlan, PlanEntry, PlanProposal
from shuangsuiji.plans.services import plan_create, plan_propose

from .conftest import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world) -> AnnualPlan:
    return plan_create(actor=world.users["office"], organisation_id=world.office.pk, year=2023,
                       title="2023年度随机抽查工作计划", leading_section_id=world.engineering.pk)


@pytest.fixture
def items(world):  # type: ignore[no-untyped-def]
    return make_item(world.engineering, "RF-01"), make_item(world.fire, "XF-01")


@pytest.fixture
def proposal(world, plan, items) -> PlanProposal:
    return plan_propose(actor=world.users["section"], plan=plan, section_id=world.engineering.pk,
                        text="人防工程建设情况检查，二季度", item_ids=[items[0].pk])


def test_the_office_creates_a_plan_for_its_organisation(login, world):
    response = login("office").post(reverse("plans:create"), {
        "year": "2024", "title": "2024年度计划", "leading_section": world.engineering.pk})
    plan = AnnualPlan.objects.get(year=2024)
    assert response.status_code == 302 and response["Location"] == reverse(
        "plans:detail", args=[plan.pk])
    assert plan.organisation == world.office and plan.status == "draft"
    assert AuditEvent.objects.filter(action="plan.create", object_id=str(plan.pk)).exists()


def test_a_second_plan_for_the_same_year_is_refused_with_a_reason(login, plan):
    response = login("office").post(reverse("plans:create"), {"year": "2023", "title": "重复"})
    assert response.status_code == 200
    assert AnnualPlan.objects.count() == 1
    assert response.context["form"].errors


def test_a_business_section_cannot_create_merge_or_approve(login, plan, proposal):
    client = login("section")
    assert client.get(reverse("plans:create")).status_code == 403
    url = reverse("plans:entry_create", args=[plan.pk])
    assert client.get(url, {"proposal": proposal.pk}).status_code == 403
    assert client.post(reverse("plans:status", args=[plan.pk]),
                       {"status": "approved"}).status_code == 403
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_a_section_proposes_for_itself_only(login, world, plan, items):
    client = login("section")
    page = client.get(reverse("plans:propose", args=[plan.pk]))
    assert list(page.context["form"].fields["section"].queryset) == [world.engineering]
    response = client.post(reverse("plans:propose", args=[plan.pk]), {
        "section": world.legal.pk, "items": [items[0].pk], "text": "法宣科的建议"})
    assert response.status_code == 200 and "section" in response.context["form"].errors
    response = client.post(reverse("plans:propose", args=[plan.pk]), {
        "section": world.engineering.pk, "items": [items[0].pk], "text": "工程科的建议"})
    assert response.status_code == 302
    proposal = PlanProposal.objects.get()
    assert proposal.section == world.engineering and list(proposal.items.all()) == [items[0]]


def test_the_office_merges_a_proposal_into_a_joint_entry(login, world, plan, proposal, items):
    client = login("office")
    page = client.get(reverse("plans:entry_create", args=[plan.pk]), {"proposal": proposal.pk})
    assert page.context["form"].initial["items"] == [items[0]]
    response = client.post(reverse("plans:entry_create", args=[plan.pk]), {
        "proposal": proposal.pk, "name": "人防工程与消防联合检查", "items": [i.pk for i in items],
        "is_joint": "on", "participants": [world.engineering.pk, world.fire.pk],
        "batch": "第一批", "starts_on": "2023-04-01", "ends_on": "2023-11-30", "ratio": "15"})
    assert response.status_code == 302
    entry = PlanEntry.objects.get()
    assert entry.proposal == proposal and entry.is_joint
    assert set(entry.participants.all()) == {world.engineering, world.fire}
    proposal.refresh_from_db()
    assert proposal.status == "merged"
    detail = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "人防工程与消防联合检查" in detail and "XF-01" in detail


def test_a_joint_entry_needs_an_outside_department_and_a_valid_ratio(login, world, plan, items):
    response = login("office").post(reverse("plans:entry_create", args=[plan.pk]), {
        "name": "联合检查", "items": [items[0].pk], "is_joint": "on",
        "participants": [world.engineering.pk], "ratio": "150",
        "starts_on": "2023-05-01", "ends_on": "2023-04-01"})
    errors = response.context["form"].errors
    assert set(errors) == {"participants", "ratio", "ends_on"}
    assert PlanEntry.objects.count() == 0


def test_the_plan_goes_from_draft_to_approved_to_published_only(login, world, plan):
    client = login("office")
    url = reverse("plans:status", args=[plan.pk])
    assert client.post(url, {"status": "published"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "draft"
    client.post(url, {"status": "approved"})
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.approved_by == world.users["office"]
    client.post(url, {"status": "published"})
    plan.refresh_from_db()
    assert plan.status == "published" and plan.published_at is not None
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert reverse("plans:propose", args=[plan.pk]) not in page


def test_an_approved_plan_takes_no_more_proposals(login, world, plan, items):
    client = login("office")
    client.post(reverse("plans:status", args=[plan.pk]), {"status": "approved"})
    response = login("section").post(reverse("plans:propose", args=[plan.pk]), {
        "section": world.engineering.pk, "text": "迟到的建议"})
    assert response.status_code == 200
    assert "no longer open" in str(response.context["form"].non_field_errors())
    assert PlanProposal.objects.count() == 0


def test_other_organisations_and_inspectors_do_not_see_the_plan(login, plan):
    assert login("partner").get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert login("partner").get(reverse("plans:list")).context["page"].object_list.count() == 0
    assert login("inspector").get(reverse("plans:list")).status_code == 403
    assert login("leader").get(reverse("plans:detail", args=[plan.pk])).status_code == 200
