"""The home page's next steps list the results due soon (entry deadline: 20 working days
after the task's period) with their deadline, by date, each user only their own scope."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.inspections import deadlines
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import InspectionTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.SHUANGSUIJI_DEADLINE_YELLOW_DAYS = 5
    settings.SHUANGSUIJI_DEADLINE_RED_DAYS = 1


def due_soon(task: InspectionTask) -> date:
    """Move the task's period to end so that its results are due in 2–5 working days."""
    today = timezone.localdate()
    for back in range(20, 60):
        task.period_end = today - timedelta(days=back)
        deadline = deadlines.entry_deadline(task, today=today)
        if 2 <= deadline.days_left <= 5:
            InspectionTask.objects.filter(pk=task.pk).update(period_end=task.period_end)
            return deadline.due
    raise AssertionError("no period end gives a deadline in 2–5 working days")


def steps(world, role: str) -> list:  # type: ignore[type-arg]
    client = Client()
    client.force_login(world.users[role])
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.context["steps"]


def results_of(drawn_task, department) -> set[int]:  # type: ignore[no-untyped-def]
    return set(Inspection.objects.filter(visit__task=drawn_task.task, department=department)
               .values_list("pk", flat=True))


def test_the_office_sees_each_departments_results_due_with_the_deadline(world, drawn_task):
    due = due_soon(drawn_task.task)
    # A draft of the office starting after that: listed after it, by date.
    later = plans.task_create(actor=world.users["office"], data={
        "code": "RFB-2027-01", "name": "下一次抽查", "initiating": world.office,
        "period_start": due + timedelta(days=30), "period_end": due + timedelta(days=60),
        "ratio": "10"})
    listed = steps(world, "office")
    results = [s for s in listed if s.url_name == "inspections:task"]
    assert {s.subject.split(" · ")[1] for s in results} == {world.office.name,
                                                           world.fire.name}
    assert all(s.subject.endswith(" not approved") for s in results)
    assert all(s.pk == drawn_task.task.pk and s.due == due for s in results)
    assert all(s.what == "Results due" for s in results)
    assert [s.pk for s in listed][-1] == later.pk
    assert [s.due for s in listed] == sorted(s.due for s in listed)


def test_the_fire_rescue_sees_only_its_own_departments_results(world, drawn_task):
    due_soon(drawn_task.task)
    results = [s for s in steps(world, "partner") if s.url_name == "inspections:task"]
    assert [s.subject.split(" · ")[1] for s in results] == [world.fire.name]


def test_an_inspector_sees_each_of_their_own_results_to_enter(world, drawn_task):
    due = due_soon(drawn_task.task)
    mine = [s for s in steps(world, "inspector") if s.url_name == "inspections:result"]
    assert mine and {s.pk for s in mine} == results_of(drawn_task, world.office)
    assert all(s.due == due and s.what == "Enter the result" for s in mine)
    theirs = [s for s in steps(world, "other_inspector") if s.url_name == "inspections:result"]
    assert {s.pk for s in theirs} == results_of(drawn_task, world.fire)
    assert not [s for s in steps(world, "inspector") if s.url_name == "inspections:task"]


def test_results_not_yet_due_soon_are_not_listed(world, drawn_task):
    InspectionTask.objects.filter(pk=drawn_task.task.pk).update(
        period_end=timezone.localdate())  # due in 20 working days
    for role in ("office", "partner", "inspector"):
        assert not [s for s in steps(world, role) if s.url_name.startswith("inspections:")]


def test_the_home_page_shows_the_line_and_its_date(world, drawn_task):
    due = due_soon(drawn_task.task)
    client = Client()
    client.force_login(world.users["office"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert due.isoformat() in html and "检查结果到期" in html and "条未审核通过" in html
    assert reverse("inspections:task", args=[drawn_task.task.pk]) in html
