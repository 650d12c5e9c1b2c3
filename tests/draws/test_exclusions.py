"""The frequency guard when planning: what the look-back and the yearly cap leave out now."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.draws.models import DrawnTarget
from shuangsuiji.draws.pool import candidate_targets, exclusion_counts
from shuangsuiji.plans import services as plans
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_yearly_cap_and_look_back_are_counted_before_freezing(world, drawn_task,  # noqa: F811
                                                                  client):
    office = world.users["office"]
    earlier = drawn_task.task
    drawn = set(DrawnTarget.objects.filter(task=earlier).values_list("target_id", flat=True))
    task = plans.task_create(actor=office, data={
        "code": "RFB-2026-LH02", "name": "年内第二次联合抽查", "initiating": world.office,
        "period_start": date(2026, 12, 1), "period_end": date(2026, 12, 31), "ratio": "25",
        "lookback_days": 30})
    plans.city_policy_set(actor=world.users["admin"], yearly_cap=1, recent_days=30)
    item_ids = list(earlier.participants.get(department=world.office).items.values_list(
        "pk", flat=True))
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=item_ids, role="initiating")
    today = timezone.localdate()
    assert exclusion_counts(task, today) == {"lookback": len(drawn), "yearly_cap": len(drawn)}
    assert not drawn & set(candidate_targets(task, today).values_list("pk", flat=True))
    client.force_login(office)
    page = client.get(reverse("plans:task_detail", args=[task.pk]))
    assert page.context["exclusions"]["yearly_cap"] == len(drawn)
    assert "国办发〔2024〕54号" in page.content.decode()
