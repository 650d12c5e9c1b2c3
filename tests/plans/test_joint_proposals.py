"""联合抽查建议: the city proposes a joint task across departments; the proposed lead office
takes it up as a draft task inviting the others, or declines with its reason. Nobody else
answers, reads another organisation's proposal, or proposes."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.plans import proposals
from shuangsuiji.plans.choices import Invitation, TaskState
from shuangsuiji.plans.models import InspectionTask, JointProposal
from tests.conftest import make_user

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def city(world):
    market = Department.objects.create(code="SJJ", name="晋城市市场监督管理局",
                                       kind=DepartmentKind.OFFICE, region_code="140500")
    stranger = Department.objects.create(code="HBJ", name="晋城市生态环境局",
                                         kind=DepartmentKind.OFFICE, region_code="140500")
    return {"city": make_user("city", Role.CITY, None), "market": market,
            "market_office": make_user("sjj.office", Role.OFFICE, market),
            "stranger_office": make_user("hbj.office", Role.OFFICE, stranger)}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _propose(world, city, **changes):
    data = {"title": "2026年人防工程与消防安全跨部门联合抽查", "lead_id": world.office.pk,
            "participant_ids": [city["market"].pk, world.fire.pk],
            "period_start": date(2026, 12, 10), "period_end": date(2027, 2, 28),
            "scope": "人防工程平时使用与消防安全一并检查：进一次门、查多项事"} | changes
    return proposals.joint_proposal_create(actor=city["city"], **data)


def test_the_city_proposes_on_its_page_and_the_lead_takes_it_up(world, city):
    page = _client(city["city"]).post("/plans/joint-proposals/new/", {
        "title": "2026年人防工程与消防安全跨部门联合抽查", "lead": world.office.pk,
        "participants": [city["market"].pk, world.fire.pk], "period_start": "2026-12-10",
        "period_end": "2027-02-28", "scope": "进一次门、查多项事"}, **ZH)
    proposal = JointProposal.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/plans/joint-proposals/{proposal.pk}/"
    # Audited where each named organisation reads its log.
    assert set(AuditEvent.objects.filter(action="joint_proposal.create")
               .values_list("organisation_id", flat=True)) == {
        world.office.pk, city["market"].pk, world.fire.pk}
    office = _client(world.users["office"])
    detail = office.get(f"/plans/joint-proposals/{proposal.pk}/", **ZH).content.decode()
    assert "进一次门、查多项事" in detail and "step" in detail
    answer = office.post(f"/plans/joint-proposals/{proposal.pk}/",
                         {"step": "take_up", "take-code": "RFB-2026-LH09"}, **ZH)
    task = InspectionTask.objects.get(code="RFB-2026-LH09")
    assert answer.status_code == 302 and answer["Location"] == f"/plans/tasks/{task.pk}/"
    assert task.state == TaskState.DRAFT and task.initiating == world.office
    assert task.name == proposal.title and task.period_start == date(2026, 12, 10)
    invited = {p.department_id: p.invitation for p in task.participants.all()}
    assert set(invited) == {world.office.pk, city["market"].pk, world.fire.pk}
    assert invited[city["market"].pk] == invited[world.fire.pk] == Invitation.INVITED
    proposal.refresh_from_db()
    assert proposal.state == JointProposal.State.TAKEN_UP and proposal.task == task
    # The city follows it to the task, which it reads.
    city_page = _client(city["city"]).get(f"/plans/joint-proposals/{proposal.pk}/").content
    assert b"RFB-2026-LH09" in city_page
    assert _client(city["city"]).get(f"/plans/tasks/{task.pk}/").status_code == 200


def test_only_the_lead_office_answers(world, city):
    proposal = _propose(world, city)
    for user in (city["market_office"], world.users["partner"], city["city"],
                 world.users["section"]):
        with pytest.raises(PermissionDenied):
            proposals.joint_proposal_take_up(actor=user, proposal=proposal, code="X-1")
        with pytest.raises(PermissionDenied):
            proposals.joint_proposal_decline(actor=user, proposal=proposal, reason="不参加")
    # A participant reads it, but its page offers no answer and a forged post is refused.
    market = _client(city["market_office"])
    url = f"/plans/joint-proposals/{proposal.pk}/"
    assert market.get(url).status_code == 200 and b'name="step"' not in market.get(url).content
    assert market.post(url, {"step": "decline", "decline-reason": "x"}).status_code == 403
    assert not InspectionTask.objects.filter(code="X-1").exists()
    proposal.refresh_from_db()
    assert proposal.state == JointProposal.State.PROPOSED


def test_another_organisation_never_sees_it(world, city):
    proposal = _propose(world, city)
    stranger = _client(city["stranger_office"])
    assert stranger.get(f"/plans/joint-proposals/{proposal.pk}/").status_code == 404
    assert proposal.title.encode() not in stranger.get("/plans/joint-proposals/").content
    for role in ("inspector", "expert"):
        client = _client(world.users[role])
        assert client.get("/plans/joint-proposals/").status_code == 403
        assert client.get(f"/plans/joint-proposals/{proposal.pk}/").status_code == 404


def test_only_the_city_proposes(world, city):
    for user in (world.users["office"], city["market_office"], world.users["leader"]):
        with pytest.raises(PermissionDenied):
            _propose(world, {**city, "city": user})
        assert _client(user).get("/plans/joint-proposals/new/").status_code == 403
    assert not JointProposal.objects.exists()


def test_bad_proposals_are_refused_by_field(world, city):
    with pytest.raises(ValidationError) as lead_in_both:
        _propose(world, city, participant_ids=[world.office.pk])
    assert "participants" in lead_in_both.value.message_dict
    with pytest.raises(ValidationError) as fire_leads:
        _propose(world, city, lead_id=world.fire.pk)  # a cooperating department, no office
    assert "lead" in fire_leads.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        _propose(world, city, period_end=date(2026, 1, 1))
    assert "period_end" in backwards.value.message_dict
    with pytest.raises(ValidationError) as section:
        _propose(world, city, participant_ids=[world.engineering.pk])  # not an organisation
    assert "participants" in section.value.message_dict
    assert not JointProposal.objects.exists()


def test_declining_needs_a_reason_and_answers_once(world, city):
    proposal = _propose(world, city)
    office = world.users["office"]
    with pytest.raises(ValidationError):
        proposals.joint_proposal_decline(actor=office, proposal=proposal, reason="  ")
    proposals.joint_proposal_decline(actor=office, proposal=proposal, reason="本年度已安排同类检查")
    with pytest.raises((ValidationError, PermissionDenied)):
        proposals.joint_proposal_take_up(actor=office, proposal=proposal, code="RFB-2026-LH10")
    assert not InspectionTask.objects.filter(code="RFB-2026-LH10").exists()
    page = _client(city["city"]).get(f"/plans/joint-proposals/{proposal.pk}/", **ZH)
    assert "本年度已安排同类检查" in page.content.decode()
    assert AuditEvent.objects.filter(action="joint_proposal.decline").count() == 1


def test_a_taken_code_leaves_the_proposal_open(world, city):
    proposal = _propose(world, city)
    office = _client(world.users["office"])
    office.post(f"/plans/joint-proposals/{proposal.pk}/",
                {"step": "take_up", "take-code": "RFB-2026-LH11"})
    second = _propose(world, city, title="第二个建议")
    page = office.post(f"/plans/joint-proposals/{second.pk}/",
                       {"step": "take_up", "take-code": "RFB-2026-LH11"}, **ZH)
    assert page.status_code == 200
    second.refresh_from_db()
    assert second.state == JointProposal.State.PROPOSED and second.task is None
