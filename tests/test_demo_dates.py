"""The demo told from the day it is built: a live office in that day's year, whatever the day.

The clock is set to a day of another year (the services stamp draws and check inspection
dates against it), the demo built, and its deadlines read as the office's pages read them:
nothing overdue but the one follow-up meant to be, and that by a few working days.
"""

import re
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from shuangsuiji.accounts.models import User
from shuangsuiji.draws.models import DrawnTarget
from shuangsuiji.draws.services import draw_execute
from shuangsuiji.inspections import deadlines
from shuangsuiji.inspections.choices import FollowUpState
from shuangsuiji.inspections.models import FollowUp, Inspection
from shuangsuiji.plans.choices import TaskState
from shuangsuiji.plans.models import AnnualPlan, InspectionTask
from shuangsuiji.publication.models import PublishedResult
from shuangsuiji.workdays.selectors import calendar

pytestmark = pytest.mark.django_db
# New Year's week, the middle of the year, the last days of December.
DAYS = [date(2031, 1, 3), date(2031, 7, 15), date(2031, 12, 29)]
# "Not overdue by more than a month": the one late follow-up stays within a few working days.
MOST_LATE = 10


@pytest.fixture(params=DAYS, ids=str)
def day(request, monkeypatch) -> date:
    moment = timezone.make_aware(datetime.combine(request.param, time(10, 0)))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    with translation.override("en"), override_settings(DEBUG=True):
        call_command("demo", stdout=StringIO())
    return request.param


def tasks() -> dict[str, InspectionTask]:
    """The demo's tasks by the end of their code (ZX01, LH01, ZL01): the year is the build's."""
    return {code.rsplit("-", 1)[1]: task
            for code, task in InspectionTask.objects.in_bulk(field_name="code").items()}


def test_the_plan_is_of_the_year_it_is_built_in(day):
    plan = AnnualPlan.objects.get()
    assert plan.year == day.year and f"{day.year}年度" in plan.title
    for entry in plan.entries.all():
        assert day <= entry.starts_on - timedelta(days=1) <= entry.ends_on


def test_the_earlier_task_is_under_way_and_the_joint_task_waits_for_its_draw(day):
    by_kind = tasks()
    earlier, joint, draft = by_kind["ZX01"], by_kind["LH01"], by_kind["ZL01"]
    assert earlier.state == TaskState.IN_PROGRESS
    assert earlier.period_start < day == earlier.period_end
    assert earlier.code == f"RFB-{earlier.period_start.year}-ZX01"
    # Drawn today, on the eve of its period; its code is the plan's year.
    assert joint.state == TaskState.FROZEN and joint.code == f"RFB-{day.year}-LH01"
    assert timezone.localdate(joint.freeze.planned_draw_at) == day
    assert joint.period_start == day + timedelta(days=1)
    assert draft.state == TaskState.DRAFT and draft.period_start > day
    assert joint.freeze.pool_size == 37


def test_the_joint_task_draws_6_of_37(day):
    joint = tasks()["LH01"]
    office = User.objects.get(username="office")
    draw = draw_execute(actor=office, task=joint, ceremony_input="38201958377102938475",
                        witnesses=["王新根"], source="十面骰子 20 次")
    assert [(s["n"], s["k"]) for s in draw.record["strata"].values()] == [(37, 6)]
    assert DrawnTarget.objects.filter(draw=draw).count() == 6


def test_nothing_is_overdue_but_one_follow_up_by_a_few_working_days(day):
    office = User.objects.get(username="office")
    cal = calendar()
    lists = deadlines.overdue_lists(user=office, today=day)
    assert not [row for row in lists["entries"] if row.deadline.overdue]
    assert not [row for row in lists["publications"] if row.deadline.overdue]
    [late] = lists["follow_ups"]
    assert late.deadline.overdue and 0 < late.deadline.days_late <= MOST_LATE
    # And each deadline on its own, as the task, result and follow-up pages show them.
    for task in InspectionTask.objects.exclude(state=TaskState.DRAFT):
        assert not deadlines.entry_deadline(task, today=day, cal=cal).overdue
    for result in Inspection.objects.filter(inspected_on__isnull=False):
        publication = deadlines.publication_deadline(result, today=day, cal=cal)
        assert publication is not None and publication.days_late <= MOST_LATE
        assert result.inspected_on <= day and cal.is_workday(result.inspected_on)
    for published in PublishedResult.objects.all():
        assert published.on_time and cal.is_workday(published.published_on)
    for follow_up in FollowUp.objects.filter(state=FollowUpState.OPEN):
        assert deadlines.follow_up_deadline(follow_up, today=day, cal=cal).days_late \
            <= MOST_LATE


def test_the_office_pages_show_no_deadline_late_by_years(day, client):
    client.force_login(User.objects.get(username="office"))
    earlier = tasks()["ZX01"]
    shown = {}
    for url in [reverse("home"), reverse("inspections:task", kwargs={"pk": earlier.pk}),
                reverse("inspections:overdue"), reverse("oversight:dashboard")]:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        shown[url] = [int(n) for n in re.findall(r"逾期 (\d+) 个工作日", page)]
        assert all(n <= MOST_LATE for n in shown[url]), (url, shown[url])
    # The late follow-up is what the overdue list shows, and all it shows.
    assert len(shown[reverse("inspections:overdue")]) == 1
    # Oversight opens on the year it is built in, with its tasks.
    response = client.get(reverse("oversight:dashboard"))
    assert response.context["year"] == day.year and response.context["has_data"]
