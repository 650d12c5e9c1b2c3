"""A recusal accepted after the draw: the conflict is recorded and, while the recused inspector
still stands in the entity's group, the office is told in Chinese that the group needs its
attention (the draw protocol replaces a target, not one inspector)."""

from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws.models import Assignment
from shuangsuiji.entityportal import selectors, services
from shuangsuiji.entityportal.choices import RequestKind
from shuangsuiji.inspectors.models import Conflict

from .test_requests import ZH, entity_of, group_inspector, staff

WARNING = "仍在"  # "…仍在…检查组中"


def recusal(entities, inspector):
    return services.request_file(entity=entity_of(entities), kind=RequestKind.RECUSAL,
                                 data={"visit": entities.visit, "inspector": inspector,
                                       "text": "该检查人员系我单位股东的近亲属"})


def test_accepting_tells_the_office_the_group_needs_attention(entities, world):
    inspector = group_inspector(entities)
    request = recusal(entities, inspector)
    office = staff(world, "office")
    response = office.post(reverse("entityportal:office_detail", args=[request.pk]),
                           {"state": "accepted", "answer": "回避理由成立"}, follow=True, **ZH)
    page = response.content.decode()
    assert response.status_code == 200
    assert Conflict.objects.filter(inspector=inspector, target=entities.target).exists()
    task = entities.task.task.code
    assert WARNING in page and inspector.name in page and task in page
    assert "检查组" in page and "办公室" in page
    event = AuditEvent.objects.get(action="entity.answer")
    assert event.data["groups_needing_attention"] == [
        {"task": task, "assignment": a.pk} for a in Assignment.objects.filter(
            inspector=inspector, drawn_target=entities.visit.drawn_target,
            released_at__isnull=True)]
    # It stays on the request's page until the group no longer holds the inspector.
    again = office.get(reverse("entityportal:office_detail", args=[request.pk]),
                       **ZH).content.decode()
    assert WARNING in again
    Assignment.objects.filter(inspector=inspector,
                              drawn_target=entities.visit.drawn_target).update(
        released_at=timezone.now())
    assert not selectors.recused_in_groups(request).exists()
    cleared = office.get(reverse("entityportal:office_detail", args=[request.pk]),
                         **ZH).content.decode()
    assert WARNING not in cleared


def test_no_warning_when_rejected_or_not_in_a_group(entities, world):
    inspector = group_inspector(entities)
    request = recusal(entities, inspector)
    office = staff(world, "office")
    page = office.post(reverse("entityportal:office_detail", args=[request.pk]),
                       {"state": "rejected", "answer": "理由不成立"}, follow=True,
                       **ZH).content.decode()
    assert WARNING not in page and not Conflict.objects.exists()
    assert "groups_needing_attention" not in AuditEvent.objects.get(
        action="entity.answer").data
    # Accepted for an inspector the office already took out of the group: nothing to see to.
    second = recusal(entities, inspector)
    Assignment.objects.filter(inspector=inspector).update(released_at=timezone.now())
    services.request_answer(actor=world.users["office"], request=second, state="accepted",
                            answer="回避理由成立")
    event = AuditEvent.objects.filter(action="entity.answer").order_by("-pk").first()
    assert event.data["groups_needing_attention"] == []
    page = office.get(reverse("entityportal:office_detail", args=[second.pk]),
                      **ZH).content.decode()
    assert WARNING not in page


def test_the_warning_never_reaches_the_entity(entities, entity_client, world):
    request = recusal(entities, group_inspector(entities))
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="回避理由成立")
    for url in (reverse("entityportal:home"),
                reverse("entityportal:visit", args=[entities.visit.pk])):
        page = entity_client.get(url, **ZH).content.decode()
        assert "需要办公室" not in page and "groups_needing_attention" not in page
