"""A joint task invites another organisation's department, which answers for itself (发起部门 /
配合部门): it accepts with its own checklist items and group size, or declines saying why; the
draw waits for every acceptance."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws.services import DrawRefused, task_freeze
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.choices import Invitation
from shuangsuiji.plans.models import TaskDepartment
from tests.conftest import make_user
from tests.draws.conftest import make_item


def _fire(p) -> TaskDepartment:
    return TaskDepartment.objects.get(task=p.task, department=p.world.fire)


def _invite_again(p, **change):
    """The initiating office changes the fire rescue's part: it is asked again."""
    plans.task_set_department(actor=p.world.users["office"], task=p.task,
                              department_id=p.world.fire.pk,
                              item_ids=[p.fire_item.pk], **change)
    return _fire(p)


def _freeze(p):
    return task_freeze(actor=p.world.users["office"], task=p.task,
                       planned_draw_at=timezone.now() + timedelta(hours=1))


def test_another_organisations_department_is_invited_and_the_draw_waits(p):
    assert _invite_again(p, officers=3).invitation == Invitation.INVITED
    with pytest.raises(DrawRefused, match="晋城市消防救援支队"):
        _freeze(p)
    plans.task_answer_invitation(actor=p.world.users["partner"], task=p.task,
                                 department_id=p.world.fire.pk, accept=True)
    assert _freeze(p).task.state == "frozen"


def test_the_initiating_organisations_own_department_takes_part_at_once(p):
    section = plans.task_set_department(actor=p.world.users["office"], task=p.task,
                                        department_id=p.world.engineering.pk,
                                        item_ids=[p.office_item.pk])
    assert section.invitation == Invitation.ACCEPTED


def test_the_invited_department_sets_its_own_items_and_group_size(p):
    second = make_item(p.world.fire, "XF-02")
    _invite_again(p, officers=3)
    answered = plans.task_answer_invitation(
        actor=p.world.users["partner"], task=p.task, department_id=p.world.fire.pk,
        accept=True, item_ids=[second.pk], officers=4, experts=1)
    assert answered.invitation == Invitation.ACCEPTED
    assert (answered.officers, answered.experts) == (4, 1)
    assert list(answered.items.values_list("code", flat=True)) == ["XF-02"]
    assert answered.answered_by == p.world.users["partner"]
    entry = AuditEvent.objects.filter(action="task.invitation").latest("pk")
    assert entry.data["accepted"] is True and entry.data["officers"] == 4


def test_an_answer_with_the_other_organisations_items_is_refused_saying_why(p):
    _invite_again(p, officers=3)
    with pytest.raises(ValidationError) as refused:
        plans.task_answer_invitation(actor=p.world.users["partner"], task=p.task,
                                     department_id=p.world.fire.pk, accept=True,
                                     item_ids=[p.office_item.pk])
    assert "RF-01" in refused.value.message_dict["items"][0]
    assert _fire(p).invitation == Invitation.INVITED


def test_a_change_by_the_initiating_office_asks_again(p):
    assert _fire(p).invitation == Invitation.ACCEPTED
    assert _invite_again(p).invitation == Invitation.ACCEPTED  # nothing changed
    assert _invite_again(p, officers=3).invitation == Invitation.INVITED


def test_declining_needs_a_reason_and_blocks_the_draw(p):
    _invite_again(p, officers=3)
    with pytest.raises(ValidationError) as refused:
        plans.task_answer_invitation(actor=p.world.users["partner"], task=p.task,
                                     department_id=p.world.fire.pk, accept=False)
    assert "answer_note" in refused.value.message_dict
    declined = plans.task_answer_invitation(actor=p.world.users["partner"], task=p.task,
                                            department_id=p.world.fire.pk, accept=False,
                                            note="本月无可派人员")
    assert declined.invitation == Invitation.DECLINED
    with pytest.raises(DrawRefused):
        _freeze(p)
    plans.task_remove_department(actor=p.world.users["office"], task=p.task,
                                 department_id=p.world.fire.pk)
    assert _freeze(p).task.state == "frozen"


@pytest.mark.parametrize("role", ["office", "section", "leader", "inspector"])
def test_nobody_outside_the_invited_organisation_answers_for_it(p, role):
    _invite_again(p, officers=3)
    with pytest.raises(PermissionDenied):
        plans.task_answer_invitation(actor=p.world.users[role], task=p.task,
                                     department_id=p.world.fire.pk, accept=True)
    assert _fire(p).invitation == Invitation.INVITED


def test_an_answer_after_the_freeze_is_refused(p):
    _freeze(p)
    with pytest.raises(plans.TaskLocked):
        plans.task_answer_invitation(actor=p.world.users["partner"], task=p.task,
                                     department_id=p.world.fire.pk, accept=False, note="晚了")


# -- The pages -------------------------------------------------------------------------------

def test_the_invited_organisation_answers_on_the_task_page(p, login):
    _invite_again(p, officers=3)
    client = login("partner")
    url = f"/plans/tasks/{p.task.pk}/departments/{p.world.fire.pk}/invitation/"
    page = client.get(f"/plans/tasks/{p.task.pk}/").content.decode()
    assert url in page and "Invited, awaiting its answer" in page
    assert client.get(url).status_code == 200
    response = client.post(url, {"accept": "yes", "items": [p.fire_item.pk], "officers": 2,
                                 "experts": 0, "answer_note": ""})
    assert response.status_code == 302
    assert _fire(p).invitation == Invitation.ACCEPTED


def test_declining_on_the_page_without_a_reason_says_why(p, login):
    _invite_again(p, officers=3)
    response = login("partner").post(
        f"/plans/tasks/{p.task.pk}/departments/{p.world.fire.pk}/invitation/",
        {"accept": "no", "answer_note": ""})
    assert response.status_code == 200
    assert "Say why the department declines." in response.content.decode()
    assert _fire(p).invitation == Invitation.INVITED


def test_the_initiating_office_sees_the_answer_but_cannot_give_it(p, login):
    _invite_again(p, officers=3)
    client = login("office")
    url = f"/plans/tasks/{p.task.pk}/departments/{p.world.fire.pk}/invitation/"
    assert url not in client.get(f"/plans/tasks/{p.task.pk}/").content.decode()
    assert client.post(url, {"accept": "yes", "items": [p.fire_item.pk],
                             "officers": 2, "experts": 0}).status_code == 403
    assert _fire(p).invitation == Invitation.INVITED


def test_a_third_organisation_gets_404(p, client):
    other = Department.objects.create(code="SJJ", name="晋城市市场监督管理局",
                                      kind=DepartmentKind.EXTERNAL)
    client.force_login(make_user("sjj", Role.OFFICE, other))
    url = f"/plans/tasks/{p.task.pk}/departments/{p.world.fire.pk}/invitation/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"accept": "no", "answer_note": "x"}).status_code == 404
